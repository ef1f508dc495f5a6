package dev.hoist.oci;

/**
 * A digest whose algorithm is well formed but not one Hoist can verify (only {@code sha256} and
 * {@code sha512} are). A subclass of {@link IllegalArgumentException} so that callers that only
 * care about "bad digest" need one catch, while the registry can still answer "unsupported".
 */
public final class UnsupportedDigestAlgorithmException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String algorithm;

  public UnsupportedDigestAlgorithmException(String algorithm) {
    super(
        "invalid digest: unsupported algorithm "
            + Texts.quote(algorithm)
            + " (supported: sha256, sha512)");
    this.algorithm = algorithm;
  }

  /** The algorithm that was asked for. */
  public String algorithm() {
    return algorithm;
  }
}
