package dev.hoist.registry;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs asynchronous tasks one at a time per key (an upload session id), in arrival order, without
 * blocking a thread: a task waits for the previous task's future. Each waiting task is started on
 * the context it was submitted from. Thread-safe (requests may come from several event loops).
 */
final class KeyedSerializer {
  // Key present: a task runs; its queue holds the tasks waiting behind it.
  private final Map<String, ArrayDeque<Runnable>> running = new HashMap<>();

  <T> Future<T> run(Context context, String key, Supplier<Future<T>> task) {
    Promise<T> promise = Promise.promise();
    Runnable start =
        () -> {
          Future<T> f;
          try {
            f = task.get();
          } catch (RuntimeException e) {
            f = Future.failedFuture(e);
          }
          f.onComplete(
              ar -> {
                release(key);
                promise.handle(ar);
              });
        };
    boolean now;
    synchronized (this) {
      ArrayDeque<Runnable> waiting = running.get(key);
      if (waiting == null) {
        running.put(key, new ArrayDeque<>());
        now = true;
      } else {
        waiting.add(() -> context.runOnContext(v -> start.run()));
        now = false;
      }
    }
    if (now) {
      start.run();
    }
    return promise.future();
  }

  /** How many keys have a task running, for tests. */
  synchronized int activeKeys() {
    return running.size();
  }

  private void release(String key) {
    Runnable next;
    synchronized (this) {
      ArrayDeque<Runnable> waiting = running.get(key);
      next = waiting.poll();
      if (next == null) {
        running.remove(key);
      }
    }
    if (next != null) {
      next.run();
    }
  }
}
