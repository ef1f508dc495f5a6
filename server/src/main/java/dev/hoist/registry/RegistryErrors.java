package dev.hoist.registry;

import dev.hoist.oci.OciException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * The one writer of {@code /v2/} errors, for the registry's handlers and for the pipeline stages in
 * front of them (the accelerator refusing a tenant address): the spec's JSON body, the status
 * {@link dev.hoist.oci.ErrorCode} gives the code, the error's own headers, and the API version
 * header every {@code /v2/} response carries.
 */
public final class RegistryErrors {
  static final String API_VERSION = "Docker-Distribution-API-Version";
  static final String API_VERSION_VALUE = "registry/2.0";

  private RegistryErrors() {}

  /** Ends the response with {@code error}; a HEAD gets the headers only. */
  public static void send(HttpServerRequest request, OciException error) {
    HttpServerResponse response = request.response();
    byte[] body = error.toJson();
    response.putHeader(API_VERSION, API_VERSION_VALUE);
    error.headers().forEach(response::putHeader);
    response.setStatusCode(error.httpStatus());
    response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    response.putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(body.length));
    if (request.method() == HttpMethod.HEAD) {
      response.end();
    } else {
      response.end(Buffer.buffer(body));
    }
  }
}
