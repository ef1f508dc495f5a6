package dev.hoist.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** The digest algorithms Hoist can verify, with their JCA names and encoded lengths. */
enum DigestAlgorithm {
  SHA256("sha256", "SHA-256", 64),
  SHA512("sha512", "SHA-512", 128);

  private final String ociName;
  private final String jcaName;
  private final int hexLength;

  DigestAlgorithm(String ociName, String jcaName, int hexLength) {
    this.ociName = ociName;
    this.jcaName = jcaName;
    this.hexLength = hexLength;
  }

  String ociName() {
    return ociName;
  }

  int hexLength() {
    return hexLength;
  }

  MessageDigest newMessageDigest() {
    try {
      return MessageDigest.getInstance(jcaName);
    } catch (NoSuchAlgorithmException e) {
      // Every Java platform must provide SHA-256 and SHA-512.
      throw new IllegalStateException(jcaName + " is not available", e);
    }
  }

  static Optional<DigestAlgorithm> find(@Nullable String ociName) {
    for (DigestAlgorithm a : values()) {
      if (a.ociName.equals(ociName)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }

  /** The algorithm for a name, or the exception {@link Digest#parse} throws for it. */
  static DigestAlgorithm require(@Nullable String ociName) {
    return find(ociName)
        .orElseThrow(
            () -> {
              if (ociName != null && Digest.ALGORITHM.matcher(ociName).matches()) {
                return new UnsupportedDigestAlgorithmException(ociName);
              }
              return new IllegalArgumentException(
                  "invalid digest algorithm " + Texts.quote(ociName));
            });
  }
}
