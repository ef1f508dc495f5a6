package dev.hoist.registry;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Runs storage calls (JDBC, file I/O, fsync, hashing) and waits on mirror fills off the event loop,
 * each on its own virtual thread; the returned future completes back on the caller's context.
 * Virtual threads rather than Vert.x's bounded worker pool, because a reader of a slow upstream
 * fill may wait a long time and must not starve every other request of a worker. Unordered:
 * requests do not wait for each other's work (a session's requests are serialised by {@link
 * KeyedSerializer} instead).
 */
final class Blocking implements AutoCloseable {
  private final Vertx vertx;
  private final ExecutorService executor =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("hoist-io-", 0).factory());

  Blocking(Vertx vertx) {
    this.vertx = vertx;
  }

  <T> Future<T> run(Callable<T> work) {
    Context context = vertx.getOrCreateContext();
    Promise<T> promise = Promise.promise();
    try {
      executor.execute(
          () -> {
            T value;
            try {
              value = work.call();
            } catch (Throwable t) {
              context.runOnContext(v -> promise.fail(t));
              return;
            }
            context.runOnContext(v -> promise.complete(value));
          });
    } catch (RuntimeException rejected) {
      return Future.failedFuture(rejected);
    }
    return promise.future();
  }

  @Override
  public void close() {
    executor.shutdown();
  }
}
