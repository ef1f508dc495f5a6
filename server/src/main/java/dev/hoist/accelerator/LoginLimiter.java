package dev.hoist.accelerator;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed logins per email and per client address: after {@code maxFailures} failures within {@code
 * window}, further attempts under that key are refused until the oldest failure ages out. In
 * memory, per node.
 */
final class LoginLimiter {
  private final InstantSource clock;
  private final int maxFailures;
  private final Duration window;
  private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();

  LoginLimiter(InstantSource clock, int maxFailures, Duration window) {
    this.clock = clock;
    this.maxFailures = maxFailures;
    this.window = window;
  }

  /** Seconds until an attempt under every key may be made; 0 when it may now. */
  long blockedSeconds(String... keys) {
    Instant now = clock.instant();
    long wait = 0;
    for (String key : keys) {
      Deque<Instant> list = failures.get(key);
      if (list == null) {
        continue;
      }
      synchronized (list) {
        prune(list, now);
        if (list.size() >= maxFailures) {
          Instant free = list.peekFirst().plus(window);
          wait = Math.max(wait, Math.max(1, Duration.between(now, free).toSeconds() + 1));
        }
      }
    }
    return wait;
  }

  void failed(String... keys) {
    Instant now = clock.instant();
    for (String key : keys) {
      Deque<Instant> list = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
      synchronized (list) {
        prune(list, now);
        list.addLast(now);
      }
    }
  }

  void succeeded(String emailKey) {
    failures.remove(emailKey);
  }

  private void prune(Deque<Instant> list, Instant now) {
    while (!list.isEmpty() && !list.peekFirst().plus(window).isAfter(now)) {
      list.removeFirst();
    }
  }
}
