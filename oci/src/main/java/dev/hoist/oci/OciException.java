package dev.hoist.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A registry error: a code from {@link ErrorCode}, a message for people, an optional JSON detail,
 * and the response headers a client needs to act on it (a {@code Retry-After}, the {@code Range} of
 * an upload after a 416, a {@code WWW-Authenticate} challenge). {@link #toJson()} gives the spec's
 * body {@code {"errors":[{"code","message","detail"}]}}.
 */
public class OciException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ErrorCode code;
  private final transient @Nullable JsonNode detail;
  private final transient Map<String, String> headers;

  public OciException(ErrorCode code, @Nullable String message) {
    this(code, message, null, null);
  }

  public OciException(ErrorCode code, @Nullable String message, @Nullable JsonNode detail) {
    this(code, message, detail, null);
  }

  public OciException(
      ErrorCode code,
      @Nullable String message,
      @Nullable JsonNode detail,
      @Nullable Throwable cause) {
    this(code, message, detail, cause, Map.of());
  }

  private OciException(
      ErrorCode code,
      @Nullable String message,
      @Nullable JsonNode detail,
      @Nullable Throwable cause,
      Map<String, String> headers) {
    super(message == null ? code.defaultMessage() : message, cause);
    this.code = Objects.requireNonNull(code, "code");
    this.detail = detail;
    this.headers = Map.copyOf(headers);
  }

  /** The same error, answered with {@code responseHeaders} too. */
  public OciException withHeaders(Map<String, String> responseHeaders) {
    return new OciException(code, getMessage(), detail, getCause(), responseHeaders);
  }

  public ErrorCode code() {
    return code;
  }

  public int httpStatus() {
    return code.httpStatus();
  }

  public @Nullable JsonNode detail() {
    return detail;
  }

  /** Response headers that go with the error; empty for most errors. */
  public Map<String, String> headers() {
    return headers;
  }

  /** The spec's error body. */
  public byte[] toJson() {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode errors = root.putArray("errors");
    ObjectNode error = errors.addObject();
    error.put("code", code.name());
    error.put("message", getMessage());
    if (detail != null) {
      error.set("detail", detail);
    }
    return root.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A detail object built from alternating keys and values, for brevity at call sites. */
  public static JsonNode detail(Object... keysAndValues) {
    ObjectNode node = JSON.createObjectNode();
    for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
      node.set(String.valueOf(keysAndValues[i]), JSON.valueToTree(keysAndValues[i + 1]));
    }
    return node;
  }

  // getMessage() stays the client-facing text of toJson(); only log lines get the code in front.
  @SuppressWarnings("OverrideThrowableToString")
  @Override
  public String toString() {
    return code + ": " + getMessage();
  }
}
