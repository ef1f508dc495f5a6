package dev.hoist.images;

import java.util.Objects;

/**
 * A client command failed in a way the user can act on; the message is the one line {@code hoist}
 * prints after {@code Error: }, and {@link #kind()} picks the exit status.
 */
public final class ImageException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What sort of failure, for the exit status. */
  public enum Kind {
    /** An image, tag, manifest or blob does not exist (exit 3). */
    NOT_FOUND,
    /** Authentication or authorization failed (exit 4). */
    AUTH,
    /** No registry could be reached, or it failed (exit 5). */
    NETWORK,
    /** The input is wrong (exit 2). */
    USAGE,
    /** Anything else (exit 1). */
    OTHER
  }

  private final Kind kind;

  public ImageException(Kind kind, String message) {
    this(kind, message, null);
  }

  public ImageException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public Kind kind() {
    return kind;
  }

  /**
   * Rethrows the failure of a task run on a pool (a layer's download or upload) as what it was: an
   * {@code ImageException} or an {@link java.io.IOException}; anything else as {@code what}
   * failing.
   */
  static void rethrowCause(java.util.concurrent.ExecutionException e, String what)
      throws ImageException, java.io.IOException {
    Throwable c = e.getCause();
    if (c instanceof ImageException ie) {
      throw ie;
    }
    if (c instanceof java.io.IOException io) {
      throw io;
    }
    if (c instanceof java.io.UncheckedIOException u) {
      throw u.getCause();
    }
    throw new ImageException(Kind.OTHER, what + " failed: " + c, c);
  }
}
