package dev.hoist.logging;

import java.time.Instant;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One request as the access log writes it.
 *
 * @param time when the request arrived
 * @param client the peer's address
 * @param target the path, with only the query parameters {@link #target} keeps
 * @param protocol {@code HTTP/1.1}, {@code HTTP/2}
 * @param status the status sent; {@value #CLIENT_CLOSED} when the client left before any was
 * @param bytes body bytes sent, those sent as file regions (zero-copy) included
 * @param cache the {@code X-Hoist-Cache} answer ({@code HIT}, {@code MISS}, ...), or null
 * @param upstream the registry the request was mirrored from, or null
 * @param tenant the accelerator tenant addressed, or null
 * @param user who the request acted as, or null for anonymous
 * @param aborted whether the connection closed before the response was complete
 */
public record AccessEntry(
    Instant time,
    @Nullable String client,
    String method,
    String target,
    String protocol,
    int status,
    long bytes,
    long durationNanos,
    @Nullable String cache,
    @Nullable String upstream,
    @Nullable String tenant,
    @Nullable String user,
    @Nullable String userAgent,
    boolean aborted) {

  /** nginx's status for a client that closed the connection before the response started. */
  public static final int CLIENT_CLOSED = 499;

  /**
   * Query parameters worth keeping: the registry API's paging, mounts and digests. Everything else
   * (an upload's {@code _state}, anything token-like a client appends) is dropped unseen.
   */
  static final Set<String> SAFE_PARAMETERS =
      Set.of("n", "last", "digest", "mount", "from", "ns", "artifactType", "service", "scope");

  /**
   * The request target to log: {@code path}, and of {@code rawQuery} (as sent, still
   * percent-encoded) only the parameters in {@link #SAFE_PARAMETERS}.
   */
  static String target(String path, @Nullable String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return path;
    }
    StringBuilder kept = new StringBuilder(path);
    char separator = '?';
    for (String parameter : rawQuery.split("&", -1)) {
      int eq = parameter.indexOf('=');
      String name = eq < 0 ? parameter : parameter.substring(0, eq);
      if (SAFE_PARAMETERS.contains(name)) {
        kept.append(separator).append(parameter);
        separator = '&';
      }
    }
    return kept.toString();
  }
}
