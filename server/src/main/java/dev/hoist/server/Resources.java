package dev.hoist.server;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the composition root started, closed in the reverse order it was started: whatever was built
 * on something is gone before that thing is. One close that fails is logged and the rest still
 * close.
 */
final class Resources implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Resources.class);

  /** How to close one resource. */
  @FunctionalInterface
  interface Closer<T> {
    void close(T resource) throws Exception;
  }

  /** Closes one registered resource. */
  @FunctionalInterface
  private interface Close {
    void run() throws Exception;
  }

  private record Entry(String name, Close closer) {}

  private final Deque<Entry> started = new ArrayDeque<>();

  /** Registers {@code resource}, closed with its own {@code close()}; returns it. */
  <T extends AutoCloseable> T add(String name, T resource) {
    started.push(new Entry(name, resource::close));
    return resource;
  }

  /** Registers {@code resource}, closed by {@code closer}; returns it. */
  <T> T add(String name, T resource, Closer<? super T> closer) {
    started.push(new Entry(name, () -> closer.close(resource)));
    return resource;
  }

  /** Stops {@code executor}: its tasks get {@code grace} to finish, then they are interrupted. */
  static void stop(ExecutorService executor, Duration grace) throws InterruptedException {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      throw e;
    }
  }

  @Override
  public void close() {
    while (!started.isEmpty()) {
      Entry entry = started.pop();
      try {
        entry.closer().run();
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        log.warn("closing failed: resource={} error={}", entry.name(), e.toString());
      }
    }
  }
}
