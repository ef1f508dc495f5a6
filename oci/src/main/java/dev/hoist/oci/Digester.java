package dev.hoist.oci;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Computes a {@link Digest} incrementally, for content that arrives in pieces. Not thread-safe.
 *
 * <p>{@link #digest()} finishes the computation: later calls return the same digest and further
 * updates fail, so a digest can never silently cover only part of what was fed in.
 */
public final class Digester {
  private final DigestAlgorithm algorithm;
  private final MessageDigest md;
  private long bytes;
  private @Nullable Digest result;

  private Digester(DigestAlgorithm algorithm) {
    this.algorithm = algorithm;
    this.md = algorithm.newMessageDigest();
  }

  /**
   * A digester for {@code sha256} or {@code sha512}.
   *
   * @throws UnsupportedDigestAlgorithmException for a well-formed but unsupported algorithm
   * @throws IllegalArgumentException for a malformed algorithm name
   */
  public static Digester forAlgorithm(String algorithm) {
    return new Digester(DigestAlgorithm.require(algorithm));
  }

  /** A digester using the algorithm of {@code expected}, to check content against it. */
  public static Digester of(Digest expected) {
    return forAlgorithm(expected.algorithm());
  }

  public String algorithm() {
    return algorithm.ociName();
  }

  public void update(byte[] b) {
    update(b, 0, b.length);
  }

  public void update(byte[] b, int off, int len) {
    Objects.checkFromIndexSize(off, len, b.length);
    checkOpen();
    md.update(b, off, len);
    bytes += len;
  }

  /** Consumes the buffer's remaining bytes (its position moves to its limit). */
  public void update(ByteBuffer buffer) {
    checkOpen();
    bytes += buffer.remaining();
    md.update(buffer);
  }

  /** How many bytes have been fed in. */
  public long bytes() {
    return bytes;
  }

  /** The digest of everything fed in; finishes this digester. */
  public Digest digest() {
    if (result == null) {
      result = new Digest(algorithm.ociName(), Digest.hex(md.digest()));
    }
    return result;
  }

  private void checkOpen() {
    if (result != null) {
      throw new IllegalStateException("digest() was already called");
    }
  }
}
