package dev.hoist.accelerator;

import java.util.Map;

/** A failure of the JSON API: an HTTP status, a stable code, a message for people. */
final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final transient Map<String, String> headers;

  ApiError(int status, String code, String message) {
    this(status, code, message, Map.of());
  }

  ApiError(int status, String code, String message, Map<String, String> headers) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = Map.copyOf(headers);
  }

  int status() {
    return status;
  }

  String code() {
    return code;
  }

  Map<String, String> headers() {
    return headers;
  }
}
