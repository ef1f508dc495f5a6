package dev.hoist.registry;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;

/**
 * Runs storage calls (JDBC, file I/O, fsync, hashing) on Vert.x worker threads; the returned future
 * completes back on the caller's event loop. Unordered: requests do not wait for each other's work
 * (a session's requests are serialised by {@link KeyedSerializer} instead).
 */
final class Blocking {
  private final Vertx vertx;

  Blocking(Vertx vertx) {
    this.vertx = vertx;
  }

  <T> Future<T> run(Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }
}
