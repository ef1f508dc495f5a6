package dev.hoist.oci;

/**
 * The one table of registry error codes and the HTTP status each maps to.
 *
 * <p>The first fourteen are the OCI distribution-spec's; the rest are extensions that Distribution
 * also uses where the spec names only a status.
 */
public enum ErrorCode {
  BLOB_UNKNOWN(404, "blob unknown to registry"),
  BLOB_UPLOAD_INVALID(400, "blob upload invalid"),
  BLOB_UPLOAD_UNKNOWN(404, "blob upload unknown to registry"),
  DIGEST_INVALID(400, "provided digest did not match uploaded content"),
  MANIFEST_BLOB_UNKNOWN(404, "manifest references a manifest or blob unknown to registry"),
  MANIFEST_INVALID(400, "manifest invalid"),
  MANIFEST_UNKNOWN(404, "manifest unknown to registry"),
  NAME_INVALID(400, "invalid repository name"),
  NAME_UNKNOWN(404, "repository name not known to registry"),
  SIZE_INVALID(400, "provided length did not match content length"),
  UNAUTHORIZED(401, "authentication required"),
  DENIED(403, "requested access to the resource is denied"),
  UNSUPPORTED(405, "the operation is unsupported"),
  TOOMANYREQUESTS(429, "too many requests"),
  // Extensions.
  TAG_INVALID(400, "manifest tag did not match URI"),
  PAGINATION_NUMBER_INVALID(400, "invalid number of results requested"),
  RANGE_INVALID(416, "invalid content range"),
  MANIFEST_TOO_LARGE(413, "manifest is larger than the registry accepts"),
  UNAVAILABLE(503, "service unavailable"),
  UPSTREAM_FAILED(502, "the upstream registry failed"),
  UNKNOWN(500, "unknown error");

  private final int httpStatus;
  private final String defaultMessage;

  ErrorCode(int httpStatus, String defaultMessage) {
    this.httpStatus = httpStatus;
    this.defaultMessage = defaultMessage;
  }

  public int httpStatus() {
    return httpStatus;
  }

  public String defaultMessage() {
    return defaultMessage;
  }

  /** Whether the same request may succeed later (the client may retry with backoff). */
  public boolean retryable() {
    return this == TOOMANYREQUESTS || this == UNAVAILABLE || this == UPSTREAM_FAILED;
  }

  /** The code for a wire name, or {@link #UNKNOWN}. */
  public static ErrorCode fromWire(String name) {
    for (ErrorCode c : values()) {
      if (c.name().equals(name)) {
        return c;
      }
    }
    return UNKNOWN;
  }
}
