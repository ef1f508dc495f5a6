package dev.hoist.lifecycle;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link Scrubber}'s passes in a server, on a thread of its own: the first {@code
 * firstDelay} after start, then each {@code interval} after the previous one started (at once when
 * a pass took longer). {@link #close()} stops a pass under way between two reads and returns when
 * the thread ended.
 *
 * <p>When passes ran is not stored: a server restarted more often than {@code interval} starts a
 * pass {@code firstDelay} after each start, so a short first delay means frequent passes there, and
 * a long one that a restarted node may never finish one. At a modest rate (a pass that takes a day
 * or more) the cost of a pass is the disk reads, spread out.
 */
public final class BackgroundScrub implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BackgroundScrub.class);

  private final Scrubber scrubber;
  private final long intervalNanos;
  private final long firstDelayNanos;
  private final Thread thread;
  private volatile boolean closed;

  private BackgroundScrub(Scrubber scrubber, Duration interval, Duration firstDelay) {
    this.scrubber = Objects.requireNonNull(scrubber, "scrubber");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive: " + interval);
    }
    if (firstDelay.isNegative()) {
      throw new IllegalArgumentException("firstDelay must not be negative: " + firstDelay);
    }
    this.intervalNanos = saturatedNanos(interval);
    this.firstDelayNanos = saturatedNanos(firstDelay);
    this.thread = Thread.ofPlatform().daemon().name("hoist-scrub").unstarted(this::run);
  }

  /**
   * Starts passes of {@code scrubber} (built with its rate), the first after {@code firstDelay},
   * then every {@code interval}.
   */
  public static BackgroundScrub start(Scrubber scrubber, Duration interval, Duration firstDelay) {
    BackgroundScrub scrub = new BackgroundScrub(scrubber, interval, firstDelay);
    scrub.thread.start();
    log.info(
        "background scrub started: interval={} firstDelay={} bytesPerSecond={}",
        interval,
        firstDelay,
        scrubber.bytesPerSecond());
    return scrub;
  }

  private void run() {
    long next = System.nanoTime() + firstDelayNanos;
    while (!closed) {
      try {
        long wait = next - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        next = System.nanoTime() + intervalNanos;
        scrubber.scrubAll();
      } catch (InterruptedException e) {
        if (closed) {
          return;
        }
        // Not from close(): nobody else interrupts this thread; go on with the schedule.
      } catch (RuntimeException e) {
        log.warn("scrub pass failed: error={}", e.toString());
      }
    }
  }

  /** Stops the passes; a pass under way ends between two reads. Waits up to 30 s for the thread. */
  @Override
  public void close() throws InterruptedException {
    closed = true;
    thread.interrupt();
    thread.join(Duration.ofSeconds(30));
  }

  /** Whether its thread still runs (for tests). */
  boolean running() {
    return thread.isAlive();
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 2;
    }
  }
}
