package dev.hoist.mirror;

import dev.hoist.client.RegistryException;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.OciException;
import dev.hoist.repository.Repository.Origin;
import java.util.Map;

/** How an upstream's failures reach the mirror's clients, and which of them a stale copy covers. */
final class UpstreamFailures {
  private UpstreamFailures() {}

  /**
   * The client's view of an upstream failure: "not found" stays 404; refusals, throttling and
   * breakage say that the upstream failed, naming it.
   */
  static OciException translate(Origin origin, RegistryException e) {
    String where = origin.upstream() + "/" + origin.upstreamName();
    return switch (e.code()) {
      case MANIFEST_UNKNOWN, BLOB_UNKNOWN, NAME_UNKNOWN ->
          new OciException(e.code(), e.code().defaultMessage() + " (" + where + ")");
      case UNAUTHORIZED, DENIED ->
          new OciException(
              ErrorCode.DENIED,
              "upstream "
                  + origin.upstream()
                  + " refused access to "
                  + origin.upstreamName()
                  + ": it may not exist, or Hoist needs credentials for it");
      case TOOMANYREQUESTS ->
          new OciException(
              ErrorCode.TOOMANYREQUESTS,
              "upstream " + origin.upstream() + " is throttling requests; try again later");
      default ->
          retryAfter(
              new OciException(
                  e.httpStatus() == 0 ? ErrorCode.UNAVAILABLE : ErrorCode.UPSTREAM_FAILED,
                  "upstream " + origin.upstream() + " failed: " + e.getMessage()),
              e);
    };
  }

  /** With {@code Retry-After} when the client knows how long (an open circuit says so). */
  private static OciException retryAfter(OciException error, RegistryException e) {
    return e.retryAfter()
        .map(wait -> error.withHeaders(Map.of("Retry-After", Long.toString(wait.toSeconds()))))
        .orElse(error);
  }

  static OciException translate(Origin origin, UpstreamException e) {
    return translate(origin, e.failure());
  }

  /**
   * Whether a cached copy may stand in for the upstream's answer: timeouts, 5xx, 429 and an
   * unreachable upstream; not "no such thing" or "not allowed".
   */
  static boolean staleCopyCovers(UpstreamException failure) {
    ErrorCode code = failure.failure().code();
    int status = failure.failure().httpStatus();
    return status == 0
        || status == 429
        || status >= 500
        || code == ErrorCode.UNAVAILABLE
        || code == ErrorCode.TOOMANYREQUESTS
        || code == ErrorCode.UPSTREAM_FAILED;
  }

  static OciException manifestUnknown(Origin origin, String reference) {
    return new OciException(
        ErrorCode.MANIFEST_UNKNOWN,
        "manifest unknown to " + origin.upstream() + "/" + origin.upstreamName(),
        OciException.detail("reference", reference));
  }
}
