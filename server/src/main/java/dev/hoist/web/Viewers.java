package dev.hoist.web;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;

/** Finds the {@link Viewer} of a page request (its session cookie, or none). */
@FunctionalInterface
public interface Viewers {
  /**
   * The viewer; may complete later (a session looked up in the store), never fails for bad input.
   */
  Future<Viewer> of(HttpServerRequest request);

  /** A server without auth: everyone is {@link Viewer#OPEN}. */
  static Viewers open() {
    return request -> Future.succeededFuture(Viewer.OPEN);
  }
}
