package dev.hoist.client;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;

/**
 * Stops a client from hammering an upstream that is down. After {@code failureThreshold}
 * consecutive failures (refused or broken connections, timeouts, 5xx answers) the breaker
 * <em>opens</em>: for {@code coolDown} every request fails at once with {@code UNAVAILABLE}
 * ("upstream X is unavailable (circuit open until ...)"). After that it is <em>half-open</em>: one
 * request is let through as a probe while the others still fail fast; the probe's success closes
 * the breaker, its failure opens it for another cool-down. Any answer below 500 counts as success.
 *
 * <p>Thread-safe. One breaker per upstream; it may be shared by several clients of that upstream.
 */
public final class CircuitBreaker {

  /** Where the breaker stands. */
  public enum State {
    CLOSED,
    OPEN,
    HALF_OPEN
  }

  /**
   * Hears the breaker open and close, once per change (a failed probe keeping it open is not one).
   * Called on the thread whose request changed it, outside the breaker's lock; must be quick.
   */
  public interface Listener {
    Listener NONE = new Listener() {};

    /** The breaker opened after {@code failures} consecutive failures, until {@code until}. */
    default void opened(int failures, Instant until) {}

    /** A probe succeeded after the breaker had been open since {@code openedAt}. */
    default void closed(Instant openedAt) {}
  }

  private final int failureThreshold;
  private final Duration coolDown;
  private final InstantSource clock;
  private final Listener listener;

  private int consecutiveFailures;
  private Instant openUntil;
  private Instant openedAt;
  private boolean probeInFlight;

  public CircuitBreaker(int failureThreshold, Duration coolDown, InstantSource clock) {
    this(failureThreshold, coolDown, clock, Listener.NONE);
  }

  public CircuitBreaker(
      int failureThreshold, Duration coolDown, InstantSource clock, Listener listener) {
    if (failureThreshold < 1) {
      throw new IllegalArgumentException("failureThreshold must be at least 1");
    }
    if (coolDown.isNegative() || coolDown.isZero()) {
      throw new IllegalArgumentException("coolDown must be positive");
    }
    this.failureThreshold = failureThreshold;
    this.coolDown = coolDown;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /** Five failures, then 30 s of failing fast. */
  public static CircuitBreaker defaults(InstantSource clock) {
    return defaults(clock, Listener.NONE);
  }

  /** {@link #defaults(InstantSource)}, telling {@code listener} when it opens and closes. */
  public static CircuitBreaker defaults(InstantSource clock, Listener listener) {
    return new CircuitBreaker(5, Duration.ofSeconds(30), clock, listener);
  }

  public synchronized State state() {
    if (openUntil == null) {
      return State.CLOSED;
    }
    return clock.instant().isBefore(openUntil) ? State.OPEN : State.HALF_OPEN;
  }

  /** When the current (or last) open period ends; empty while closed. */
  public synchronized Optional<Instant> openUntil() {
    return Optional.ofNullable(openUntil);
  }

  /**
   * Failures in a row since the last success (0: the last request succeeded); what a status page
   * shows of a closed breaker that is about to open.
   */
  public synchronized int consecutiveFailures() {
    return consecutiveFailures;
  }

  /**
   * Asks to send a request: null when it may go (the caller must then call exactly one of {@link
   * Permit#success()}, {@link Permit#failure()} or {@link Permit#release()}), else the instant the
   * breaker stays open until.
   */
  synchronized Permit tryAcquire() {
    if (openUntil == null) {
      return new Permit(false);
    }
    if (clock.instant().isBefore(openUntil) || probeInFlight) {
      return null;
    }
    probeInFlight = true;
    return new Permit(true);
  }

  private void onSuccess(boolean probe) {
    Instant wasOpenedAt;
    synchronized (this) {
      wasOpenedAt = openUntil == null ? null : openedAt;
      consecutiveFailures = 0;
      openUntil = null;
      openedAt = null;
      if (probe) {
        probeInFlight = false;
      }
    }
    if (wasOpenedAt != null) {
      listener.closed(wasOpenedAt);
    }
  }

  private void onFailure(boolean probe) {
    Instant opened;
    int failures;
    synchronized (this) {
      if (probe) {
        probeInFlight = false;
        openUntil = clock.instant().plus(coolDown);
        return;
      }
      consecutiveFailures++;
      if (openUntil != null || consecutiveFailures < failureThreshold) {
        return;
      }
      openedAt = clock.instant();
      openUntil = openedAt.plus(coolDown);
      opened = openUntil;
      failures = consecutiveFailures;
    }
    listener.opened(failures, opened);
  }

  private synchronized void onRelease(boolean probe) {
    if (probe) {
      probeInFlight = false;
    }
  }

  @Override
  public synchronized String toString() {
    return "CircuitBreaker[" + state() + ", failures=" + consecutiveFailures + "]";
  }

  /** One request's permission to go; reports its outcome once. */
  final class Permit {
    private final boolean probe;
    private boolean done;

    private Permit(boolean probe) {
      this.probe = probe;
    }

    void success() {
      if (!done) {
        done = true;
        onSuccess(probe);
      }
    }

    void failure() {
      if (!done) {
        done = true;
        onFailure(probe);
      }
    }

    /** Neither success nor failure (the outcome says nothing about the upstream). */
    void release() {
      if (!done) {
        done = true;
        onRelease(probe);
      }
    }
  }
}
