package dev.hoist.oci;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A content digest, {@code algorithm ":" encoded}, as the OCI image-spec defines it.
 *
 * <pre>
 * digest              ::= algorithm ":" encoded
 * algorithm           ::= algorithm-component (algorithm-separator algorithm-component)*
 * algorithm-component ::= [a-z0-9]+
 * algorithm-separator ::= [+._-]
 * encoded             ::= [a-zA-Z0-9=_-]+
 * </pre>
 *
 * <p>Only {@code sha256} (64 lowercase hex characters) and {@code sha512} (128) are accepted. A
 * well-formed but unknown algorithm fails with {@link UnsupportedDigestAlgorithmException}, so that
 * "we cannot verify this" stays distinguishable from "this is not a digest". Uppercase hex is
 * refused: one piece of content must have one spelling, or two keys could name the same blob.
 */
public record Digest(String algorithm, String encoded) {
  public static final String SHA256 = "sha256";
  public static final String SHA512 = "sha512";

  static final Pattern ALGORITHM = Pattern.compile("[a-z0-9]+(?:[+._-][a-z0-9]+)*");
  private static final Pattern ENCODED = Pattern.compile("[a-zA-Z0-9=_-]+");
  private static final Pattern LOWER_HEX = Pattern.compile("[0-9a-f]+");
  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final int BUFFER_SIZE = 64 * 1024;

  public Digest {
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(encoded, "encoded");
    String problem = problem(algorithm, encoded);
    if (problem != null) {
      throw new IllegalArgumentException(
          "invalid digest: " + Texts.quote(algorithm + ":" + encoded) + ": " + problem);
    }
  }

  /**
   * Parses {@code algorithm:encoded}.
   *
   * @throws UnsupportedDigestAlgorithmException if the algorithm is well formed but unsupported
   * @throws IllegalArgumentException if the text is not a valid digest (including {@code null})
   */
  public static Digest parse(@Nullable String text) {
    if (text == null) {
      throw new IllegalArgumentException("invalid digest: null");
    }
    int colon = text.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(
          "invalid digest: " + Texts.quote(text) + ": expected algorithm:encoded");
    }
    return new Digest(text.substring(0, colon), text.substring(colon + 1));
  }

  /** Whether {@code algorithm} is one Hoist can compute and verify. */
  public static boolean isSupportedAlgorithm(@Nullable String algorithm) {
    return DigestAlgorithm.find(algorithm).isPresent();
  }

  public static Digest sha256(byte[] data) {
    return of(SHA256, data);
  }

  public static Digest sha512(byte[] data) {
    return of(SHA512, data);
  }

  /** The digest of {@code data} with the named algorithm. */
  public static Digest of(String algorithm, byte[] data) {
    Digester d = Digester.forAlgorithm(algorithm);
    d.update(data, 0, data.length);
    return d.digest();
  }

  /** Reads {@code in} to its end (without closing it) and returns the digest of what was read. */
  public static Digest compute(String algorithm, InputStream in) throws IOException {
    Digester d = Digester.forAlgorithm(algorithm);
    byte[] buf = new byte[BUFFER_SIZE];
    for (int n; (n = in.read(buf)) != -1; ) {
      d.update(buf, 0, n);
    }
    return d.digest();
  }

  /**
   * Reads a blocking {@code channel} to its end (without closing it) and returns the digest of what
   * was read.
   */
  public static Digest compute(String algorithm, ReadableByteChannel channel) throws IOException {
    Digester d = Digester.forAlgorithm(algorithm);
    ByteBuffer buf = ByteBuffer.allocate(BUFFER_SIZE);
    while (channel.read(buf) != -1) {
      buf.flip();
      d.update(buf);
      buf.clear();
    }
    return d.digest();
  }

  @Override
  public String toString() {
    return algorithm + ":" + encoded;
  }

  static String hex(byte[] bytes) {
    char[] out = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      out[2 * i] = HEX[(bytes[i] >> 4) & 0xf];
      out[2 * i + 1] = HEX[bytes[i] & 0xf];
    }
    return new String(out);
  }

  /** What is wrong with the two parts, or null; throws for a well-formed unsupported algorithm. */
  private static @Nullable String problem(String algorithm, String encoded) {
    if (algorithm.isEmpty()) {
      return "missing algorithm";
    }
    if (!ALGORITHM.matcher(algorithm).matches()) {
      return "algorithm must be lowercase letters and digits joined by '+', '.', '_' or '-'";
    }
    if (encoded.isEmpty()) {
      return "missing encoded part";
    }
    if (!ENCODED.matcher(encoded).matches()) {
      return "encoded part may hold only letters, digits, '=', '_' and '-'";
    }
    DigestAlgorithm a =
        DigestAlgorithm.find(algorithm)
            .orElseThrow(() -> new UnsupportedDigestAlgorithmException(algorithm));
    if (encoded.length() != a.hexLength() || !LOWER_HEX.matcher(encoded).matches()) {
      return algorithm + " needs " + a.hexLength() + " lowercase hex characters";
    }
    return null;
  }
}
