package dev.hoist.sync;

import dev.hoist.client.copy.RequestGate;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.Semaphore;

/**
 * What sync may ask of one upstream: at most {@code concurrency} requests at a time, and at most
 * {@code perMinute} requests started per minute (a token bucket refilled continuously; a request
 * over the budget waits). Shared by every rule of the upstream; the mirror's own requests are not
 * counted, so clients never wait for sync.
 */
final class UpstreamBudget implements RequestGate {
  private final Semaphore slots;
  private final double perNano;
  private final double capacity;
  private double tokens;
  private long refilled = System.nanoTime();

  UpstreamBudget(int concurrency, int perMinute) {
    if (concurrency < 1 || perMinute < 1) {
      throw new IllegalArgumentException("concurrency and perMinute must be at least 1");
    }
    this.slots = new Semaphore(concurrency, true);
    this.capacity = Math.max(1, perMinute / 6.0);
    this.perNano = perMinute / (double) Duration.ofMinutes(1).toNanos();
    this.tokens = capacity;
  }

  /** Waits for a slot and a token; the permit releases the slot when closed. */
  @Override
  public Permit acquire() throws IOException {
    try {
      waitForToken();
      slots.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the upstream budget");
    }
    return new Permit(this);
  }

  private void waitForToken() throws InterruptedException {
    while (true) {
      long waitNanos;
      synchronized (this) {
        long now = System.nanoTime();
        tokens = Math.min(capacity, tokens + (now - refilled) * perNano);
        refilled = now;
        if (tokens >= 1) {
          tokens -= 1;
          return;
        }
        waitNanos = (long) ((1 - tokens) / perNano);
      }
      Thread.sleep(Math.max(1, waitNanos / 1_000_000));
    }
  }

  /** A held concurrency slot. */
  static final class Permit implements RequestGate.Permit {
    private final UpstreamBudget budget;
    private boolean closed;

    private Permit(UpstreamBudget budget) {
      this.budget = budget;
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        budget.slots.release();
      }
    }
  }
}
