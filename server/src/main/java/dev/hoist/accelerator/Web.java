package dev.hoist.accelerator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.api.ApiError;
import dev.hoist.web.Forms;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Shared plumbing of the API and the console: blocking work, bodies, cookies, answers. */
final class Web {
  private static final Logger log = LoggerFactory.getLogger(Web.class);
  static final ObjectMapper JSON = new ObjectMapper();
  static final int MAX_BODY = 64 * 1024;

  private final Vertx vertx;
  private final AcceleratorConfig config;

  Web(Vertx vertx, AcceleratorConfig config) {
    this.vertx = vertx;
    this.config = config;
  }

  <T> Future<T> blocking(Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }

  /** The body as JSON (an empty object when there is none) or as an urlencoded form. */
  Future<Map<String, String>> fields(HttpServerRequest request) {
    return request
        .body()
        .map(
            buffer -> {
              if (buffer.length() > MAX_BODY) {
                throw new ApiError(413, "TOO_LARGE", "the body is too large");
              }
              String type = request.getHeader("Content-Type");
              String text = buffer.toString(StandardCharsets.UTF_8);
              if (type != null && type.startsWith("application/x-www-form-urlencoded")) {
                return Forms.urlEncoded(text);
              }
              Map<String, String> fields = new HashMap<>();
              if (text.isBlank()) {
                return fields;
              }
              JsonNode node;
              try {
                node = JSON.readTree(text);
              } catch (Exception e) {
                throw new ApiError(400, "BODY_INVALID", "the body is not JSON");
              }
              if (node == null || !node.isObject()) {
                throw new ApiError(400, "BODY_INVALID", "the body is not a JSON object");
              }
              node.fields()
                  .forEachRemaining(
                      e ->
                          fields.put(
                              e.getKey(), e.getValue().isNull() ? null : e.getValue().asText()));
              return fields;
            });
  }

  static String cookie(HttpServerRequest request, String name) {
    String header = request.getHeader("Cookie");
    if (header == null) {
      return null;
    }
    for (String part : header.split(";")) {
      String p = part.trim();
      if (p.startsWith(name + "=")) {
        return p.substring(name.length() + 1);
      }
    }
    return null;
  }

  /** Whether the client reached Hoist over https (directly, or through a trusted proxy). */
  boolean secure(HttpServerRequest request) {
    if (request.isSSL()) {
      return true;
    }
    return trustedProxy(request)
        && "https".equalsIgnoreCase(request.getHeader("X-Forwarded-Proto"));
  }

  boolean trustedProxy(HttpServerRequest request) {
    var remote = request.remoteAddress();
    return remote != null && config.trustedProxies().contains(remote.hostAddress());
  }

  /** The host[:port] clients used, believing X-Forwarded-Host only from a trusted proxy. */
  String publicHost(HttpServerRequest request) {
    String forwarded = request.getHeader("X-Forwarded-Host");
    if (forwarded != null && trustedProxy(request)) {
      return forwarded.split(",")[0].trim();
    }
    String host = request.getHeader("Host");
    return host == null ? "localhost" : host;
  }

  void json(HttpServerResponse response, int status, Object body) {
    try {
      byte[] bytes = JSON.writeValueAsBytes(body);
      response
          .setStatusCode(status)
          .putHeader("Content-Type", "application/json")
          .putHeader("Cache-Control", "no-store")
          .end(Buffer.buffer(bytes));
    } catch (Exception e) {
      fail(response, e);
    }
  }

  /** Answers with {@code failure} as an {@link ApiError} (500 {@code INTERNAL} if it is none). */
  void fail(HttpServerResponse response, Throwable failure) {
    if (failure instanceof ApiError e) {
      e.send(response);
      return;
    }
    if (!response.ended() && !response.closed() && !response.headWritten()) {
      log.warn("accelerator request failed", failure);
    }
    ApiError.internal().send(response);
  }
}
