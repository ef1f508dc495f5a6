package dev.hoist.oci;

/**
 * A manifest that Hoist will not accept, with a message saying what is wrong with it. The registry
 * answers {@code MANIFEST_INVALID}; the subclasses narrow that to {@code MANIFEST_TOO_LARGE} and
 * {@code DIGEST_INVALID}.
 */
public class ManifestInvalidException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ManifestInvalidException(String message) {
    super(message);
  }

  public ManifestInvalidException(String message, Throwable cause) {
    super(message, cause);
  }
}
