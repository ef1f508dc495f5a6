package dev.hoist.client;

import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.Scope;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One registry request as the endpoints describe it: method, target, headers, body, the token
 * scopes it needs, the statuses its caller handles, and the action named in errors.
 *
 * @param body null for none
 * @param replayable whether the body can be sent again (false for a streamed body)
 * @param notFound the code for a 404 without an error body
 */
record Call(
    String method,
    URI uri,
    Map<String, String> headers,
    HttpRequest.BodyPublisher body,
    boolean replayable,
    List<Scope> scopes,
    Set<Integer> expected,
    ErrorCode notFound,
    String action) {

  Call {
    headers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    scopes = List.copyOf(scopes);
    expected = Set.copyOf(expected);
  }

  static Call of(String method, URI uri, List<Scope> scopes, String action, Integer... expected) {
    return new Call(
        method, uri, Map.of(), null, true, scopes, Set.of(expected), ErrorCode.UNKNOWN, action);
  }

  Call header(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new Call(method, uri, h, body, replayable, scopes, expected, notFound, action);
  }

  Call body(HttpRequest.BodyPublisher publisher, boolean canReplay) {
    return new Call(method, uri, headers, publisher, canReplay, scopes, expected, notFound, action);
  }

  Call notFound(ErrorCode code) {
    return new Call(method, uri, headers, body, replayable, scopes, expected, code, action);
  }

  /** Only reads are retried and redirected: they are idempotent and have no body. */
  boolean idempotent() {
    return method.equals("GET") || method.equals("HEAD");
  }
}
