package dev.hoist.oci;

/** A string that is not an image reference, repository name or tag; the message says why. */
public final class InvalidReferenceException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidReferenceException(String message) {
    super(message);
  }
}
