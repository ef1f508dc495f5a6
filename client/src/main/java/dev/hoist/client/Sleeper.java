package dev.hoist.client;

import java.time.Duration;

/** Waits between retries; tests replace it to record the waits instead of sleeping. */
interface Sleeper {
  Sleeper REAL = d -> Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000));

  void sleep(Duration duration) throws InterruptedException;
}
