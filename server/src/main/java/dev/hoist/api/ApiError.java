package dev.hoist.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.Map;

/**
 * A failure of a JSON API under {@code /api/v1/} (the accelerator's and sync's): an HTTP status, a
 * stable upper-case code, a message for people, and headers to send with it ({@code Retry-After},
 * {@code WWW-Authenticate}). {@link #send} writes every error answer of {@code /api/v1/}, in its
 * one shape:
 *
 * <pre>
 * HTTP/1.1 404 Not Found
 * Content-Type: application/json
 * Cache-Control: no-store
 *
 * {"errors":[{"code":"RULE_UNKNOWN","message":"no sync rule alpine"}]}
 * </pre>
 *
 * (The OCI distribution spec's error shape, which {@code /v2/} answers with its own codes, and
 * {@code /token} the Docker token spec's.) The codes are listed in {@code docs/api.md}.
 */
public final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final int status;
  private final String code;
  private final transient Map<String, String> headers;

  public ApiError(int status, String code, String message) {
    this(status, code, message, Map.of());
  }

  public ApiError(int status, String code, String message, Map<String, String> headers) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = Map.copyOf(headers);
  }

  /** 500 {@code INTERNAL}: what a client sees of a failure that is not an {@link ApiError}. */
  public static ApiError internal() {
    return new ApiError(500, "INTERNAL", "internal error");
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public Map<String, String> headers() {
    return headers;
  }

  /** {@code {"errors":[{"code":"…","message":"…"}]}}. */
  public String body() {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode error = root.putArray("errors").addObject();
    error.put("code", code);
    error.put("message", getMessage());
    return root.toString();
  }

  /**
   * Answers with this error. A response already ended or closed is left alone; one whose head is
   * already written (a body was under way) is reset, since no error can be sent any more.
   */
  public void send(HttpServerResponse response) {
    if (response.ended() || response.closed()) {
      return;
    }
    if (response.headWritten()) {
      response.reset();
      return;
    }
    headers.forEach(response::putHeader);
    response
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(Buffer.buffer(body()));
  }
}
