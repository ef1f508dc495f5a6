package dev.hoist.client;

import dev.hoist.oci.ErrorCode;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A registry request that failed: the OCI {@link ErrorCode} (from the registry's error body, or
 * derived from the HTTP status or the failure), the HTTP status (0 when no response was received),
 * the action that failed ({@code "GET manifest docker.io/library/ubuntu:latest"}), and whether
 * trying again later can help.
 *
 * <p>The message reads {@code <action>: <what went wrong>} and never contains credentials or
 * tokens.
 */
public final class RegistryException extends Exception {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final int httpStatus;
  private final String action;
  private final boolean retryable;
  private final Duration retryAfter;

  RegistryException(
      ErrorCode code,
      int httpStatus,
      String action,
      String problem,
      boolean retryable,
      Duration retryAfter,
      Throwable cause) {
    super(action + ": " + problem, cause);
    this.code = Objects.requireNonNull(code, "code");
    this.httpStatus = httpStatus;
    this.action = Objects.requireNonNull(action, "action");
    this.retryable = retryable;
    this.retryAfter = retryAfter;
  }

  RegistryException(
      ErrorCode code, int httpStatus, String action, String problem, boolean retryable) {
    this(code, httpStatus, action, problem, retryable, null, null);
  }

  public ErrorCode code() {
    return code;
  }

  /** The HTTP status of the response that failed, or 0 when there was none. */
  public int httpStatus() {
    return httpStatus;
  }

  /** What was being done, e.g. {@code "PUT manifest 127.0.0.1:5000/app:v1"}. */
  public String action() {
    return action;
  }

  /** Whether the same request may succeed later: upstream 5xx, 429, timeouts, refused connects. */
  public boolean retryable() {
    return retryable;
  }

  /** How long the registry asked us to wait ({@code Retry-After}), when it said. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
