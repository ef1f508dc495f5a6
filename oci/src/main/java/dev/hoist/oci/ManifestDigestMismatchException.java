package dev.hoist.oci;

import java.util.Objects;

/**
 * A manifest whose bytes do not have the digest it was pushed or fetched under. A subclass of
 * {@link ManifestInvalidException} (one catch covers every refused manifest) but distinct, because
 * the registry answers {@code DIGEST_INVALID} and a mirror treats it as a bad upstream response.
 */
public final class ManifestDigestMismatchException extends ManifestInvalidException {
  private static final long serialVersionUID = 1L;

  private final Digest expected;
  private final Digest actual;

  public ManifestDigestMismatchException(Digest expected, Digest actual) {
    super("manifest digest mismatch: expected " + expected + ", got " + actual);
    this.expected = Objects.requireNonNull(expected, "expected");
    this.actual = Objects.requireNonNull(actual, "actual");
  }

  public Digest expected() {
    return expected;
  }

  public Digest actual() {
    return actual;
  }
}
