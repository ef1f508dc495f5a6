package dev.hoist.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.OciException;
import java.util.Map;

/**
 * An {@link OciException} that also carries response headers the client needs to recover (the
 * {@code Range} of an upload after a 416, the {@code Content-Range} of a blob after a 416).
 */
final class ApiException extends OciException {
  private static final long serialVersionUID = 1L;

  private final transient Map<String, String> headers;

  ApiException(ErrorCode code, String message, JsonNode detail, Map<String, String> headers) {
    super(code, message, detail);
    this.headers = Map.copyOf(headers);
  }

  static ApiException of(ErrorCode code, String message, Map<String, String> headers) {
    return new ApiException(code, message, null, headers);
  }

  Map<String, String> headers() {
    return headers;
  }
}
