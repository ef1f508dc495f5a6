package dev.hoist.mirror;

import dev.hoist.client.RegistryException;
import dev.hoist.oci.ErrorCode;
import java.io.IOException;

/**
 * A request to an upstream registry failed: the client's {@link RegistryException} (its OCI error
 * code, HTTP status, the action and whether a retry can help), carried through I/O-shaped seams
 * such as {@link BlobSource}.
 */
public final class UpstreamException extends IOException {
  private static final long serialVersionUID = 1L;

  public UpstreamException(RegistryException failure) {
    super(failure.getMessage(), failure);
  }

  /** The client's failure, as it was thrown. */
  public RegistryException failure() {
    return (RegistryException) getCause();
  }

  /** The OCI error code, e.g. {@link ErrorCode#BLOB_UNKNOWN} for an upstream 404. */
  public ErrorCode code() {
    return failure().code();
  }

  /** Whether the same request may succeed later (5xx, 429, timeouts, refused connections). */
  public boolean retryable() {
    return failure().retryable();
  }
}
