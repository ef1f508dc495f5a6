package dev.hoist.client;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how patiently idempotent requests ({@code GET}, {@code HEAD}) are retried after a
 * refused or broken connection, a timeout, a 5xx or a 429. Requests that change state ({@code
 * POST}, {@code PATCH}, {@code PUT}) are never retried: a failure after the request was sent may
 * have taken effect, and a streamed body cannot be sent twice.
 *
 * <p>Attempt {@code n} (from 1) waits {@code min(maxBackoff, baseBackoff * 2^(n-1))}, jittered down
 * by up to half, before attempt {@code n+1}; a {@code Retry-After} on 429 or 503 replaces that wait
 * when it is at most {@code maxBackoff}, and ends the retries when it is longer (the {@link
 * RegistryException} then carries it).
 *
 * @param maxAttempts attempts in all, at least 1 (1 means no retry)
 */
public record RetryPolicy(int maxAttempts, Duration baseBackoff, Duration maxBackoff) {

  public RetryPolicy {
    Objects.requireNonNull(baseBackoff, "baseBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
    if (baseBackoff.isNegative() || maxBackoff.compareTo(baseBackoff) < 0) {
      throw new IllegalArgumentException("need 0 <= baseBackoff <= maxBackoff");
    }
  }

  /** Three attempts, 200 ms then 400 ms apart, Retry-After honoured up to 10 s. */
  public static RetryPolicy defaults() {
    return new RetryPolicy(3, Duration.ofMillis(200), Duration.ofSeconds(10));
  }

  /** One attempt only. */
  public static RetryPolicy none() {
    return new RetryPolicy(1, Duration.ZERO, Duration.ZERO);
  }

  /** The wait after failed attempt {@code attempt} (from 1), jittered. */
  Duration backoff(int attempt) {
    long base = baseBackoff.toNanos();
    long cap = maxBackoff.toNanos();
    long exp = Math.min(base, cap);
    for (int i = 1; i < attempt && exp < cap; i++) {
      exp = exp > cap / 2 ? cap : exp * 2;
    }
    long half = exp / 2;
    long jitter = half == 0 ? 0 : ThreadLocalRandom.current().nextLong(half + 1);
    return Duration.ofNanos(exp - jitter);
  }
}
