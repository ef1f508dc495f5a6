package dev.hoist.lifecycle;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Keeps a reader at a rate of bytes per second: after each read it sleeps until the bytes read so
 * far are due. A reader that fell behind (a slow disk, a long quarantine) catches up with at most
 * one second's worth of bytes in a burst. Not thread-safe: one per pass.
 */
final class Pacer {
  private static final long MAX_CREDIT_NANOS = 1_000_000_000L;

  /** How a pacer waits; interruptible, so that a pass stops promptly. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(long nanos) throws InterruptedException;
  }

  private final long bytesPerSecond;
  private final LongSupplier nanoTime;
  private final Sleeper sleeper;
  private long due;
  private boolean started;

  /** {@code bytesPerSecond} 0: no limit. */
  Pacer(long bytesPerSecond, LongSupplier nanoTime, Sleeper sleeper) {
    if (bytesPerSecond < 0) {
      throw new IllegalArgumentException("bytesPerSecond must not be negative: " + bytesPerSecond);
    }
    this.bytesPerSecond = bytesPerSecond;
    this.nanoTime = nanoTime;
    this.sleeper = sleeper;
  }

  static Pacer of(long bytesPerSecond) {
    return new Pacer(bytesPerSecond, System::nanoTime, TimeUnit.NANOSECONDS::sleep);
  }

  /** Accounts for {@code bytes} just read; sleeps while the reader is ahead of the rate. */
  void read(long bytes) throws InterruptedException {
    if (bytesPerSecond == 0) {
      return;
    }
    long now = nanoTime.getAsLong();
    if (!started) {
      due = now;
      started = true;
    } else if (now - due > MAX_CREDIT_NANOS) {
      due = now - MAX_CREDIT_NANOS;
    }
    due += (long) (bytes * 1e9 / bytesPerSecond);
    long ahead = due - now;
    if (ahead > 0) {
      sleeper.sleep(ahead);
    }
  }
}
