package dev.hoist.mirror;

import dev.hoist.client.CircuitBreaker;
import dev.hoist.client.RequestObserver;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says in the log when an upstream starts failing and when it recovers, and when its circuit
 * breaker opens and closes: once per change, however many requests see it. A failure is an exchange
 * without an answer (refused, cut, timed out) or a 5xx; any other answer (404 and 401 included: the
 * upstream is there) is a success; 429 is neither.
 */
final class UpstreamHealth implements RequestObserver, CircuitBreaker.Listener {
  private static final Logger log = LoggerFactory.getLogger(UpstreamHealth.class);

  private final String upstream;
  private final InstantSource clock;
  // Non-null while failing: since when.
  private final AtomicReference<Instant> failingSince = new AtomicReference<>();
  private final AtomicLong failures = new AtomicLong();

  UpstreamHealth(String upstream, InstantSource clock) {
    this.upstream = upstream;
    this.clock = clock;
  }

  @Override
  public void response(String method, URI uri, int status, Duration elapsed) {
    if (status >= 500) {
      failed("status " + status + " from " + uri.getHost());
    } else if (status != 429) {
      succeeded();
    }
  }

  @Override
  public void failure(String method, URI uri, Throwable error) {
    if (!(error instanceof InterruptedException)) {
      failed(error.getClass().getSimpleName() + " from " + uri.getHost());
    }
  }

  private void failed(String error) {
    failures.incrementAndGet();
    if (failingSince.compareAndSet(null, clock.instant())) {
      log.warn("upstream failing: upstream={} error={}", upstream, error);
    }
  }

  private void succeeded() {
    Instant since = failingSince.getAndSet(null);
    if (since != null) {
      log.info(
          "upstream recovered: upstream={} failedFor={}s failures={}",
          upstream,
          seconds(since),
          failures.getAndSet(0));
    }
  }

  @Override
  public void opened(int consecutiveFailures, Instant until) {
    log.warn(
        "upstream circuit opened: upstream={} failures={} until={}",
        upstream,
        consecutiveFailures,
        until.truncatedTo(ChronoUnit.SECONDS));
  }

  @Override
  public void closed(Instant openedAt) {
    log.info("upstream circuit closed: upstream={} openFor={}s", upstream, seconds(openedAt));
  }

  private long seconds(Instant since) {
    return Math.max(0, Duration.between(since, clock.instant()).toSeconds());
  }
}
