package dev.hoist.ui;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The dashboard's numbers, read from the meters {@code /metrics} exports (so the page and
 * Prometheus never disagree), plus the upstreams' circuit breakers, which the circuit gauge reads
 * too and which alone know when an open circuit ends.
 */
public final class DashboardData {
  /** The cache answers that count as hits, as the README's hit ratio says. */
  private static final Set<String> HITS = Set.of("hit", "revalidated", "stale");

  private final MeterRegistry meters;
  private final Supplier<List<UpstreamState>> upstreams;

  /**
   * @param upstreams the configured upstreams as their breakers see them now (cheap, non-blocking)
   */
  public DashboardData(MeterRegistry meters, Supplier<List<UpstreamState>> upstreams) {
    this.meters = meters;
    this.upstreams = upstreams;
  }

  /** An upstream's state with its meters. */
  record Upstream(UpstreamState state, long requests, long failures) {}

  /**
   * What the dashboard shows.
   *
   * @param requests mirrored manifest and blob requests answered
   * @param hits those answered from the cache (hit, revalidated or stale)
   * @param served body bytes of mirrored content sent to clients
   * @param fetched body bytes received from the upstreams
   * @param cacheLimit the cache's size limit; 0: none
   */
  record Snapshot(
      long requests,
      long hits,
      long served,
      long fetched,
      long fillsInFlight,
      long cacheBytes,
      long cacheImages,
      long cacheLimit,
      List<Upstream> upstreams) {

    /** Hits over requests, 0 to 1; 0 before any request. */
    double hitRatio() {
      return requests == 0 ? 0 : (double) hits / requests;
    }

    /** Served minus fetched, never below 0 (a fill nobody waited for is fetched, not served). */
    long saved() {
      return Math.max(0, served - fetched);
    }
  }

  /** The numbers now. Reads meters only: cheap, safe on the event loop. */
  Snapshot snapshot() {
    long requests = 0;
    long hits = 0;
    for (Counter c : meters.find("hoist.mirror.requests").counters()) {
      long n = (long) c.count();
      requests += n;
      if (HITS.contains(c.getId().getTag("result"))) {
        hits += n;
      }
    }
    List<Upstream> states =
        upstreams.get().stream()
            .map(u -> new Upstream(u, upstreamRequests(u.name()), upstreamFailures(u.name())))
            .toList();
    return new Snapshot(
        requests,
        hits,
        counted("hoist.mirror.served.bytes"),
        counted("hoist.upstream.bytes"),
        gauged("hoist.mirror.fills.in.flight"),
        gauged("hoist.cache.bytes"),
        gauged("hoist.cache.images"),
        gauged("hoist.cache.limit.bytes"),
        states);
  }

  private long counted(String name) {
    return (long) meters.find(name).counters().stream().mapToDouble(Counter::count).sum();
  }

  private long gauged(String name) {
    return (long) meters.find(name).gauges().stream().mapToDouble(Gauge::value).sum();
  }

  /** Requests that got an answer (any status). */
  private long upstreamRequests(String upstream) {
    return meters.find("hoist.upstream.requests").tag("upstream", upstream).timers().stream()
        .mapToLong(Timer::count)
        .sum();
  }

  /** Requests that got no answer, and answers of 500 and above: what the breaker counts. */
  private long upstreamFailures(String upstream) {
    long unanswered =
        (long)
            meters.find("hoist.upstream.failures").tag("upstream", upstream).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    long serverErrors =
        meters.find("hoist.upstream.requests").tag("upstream", upstream).timers().stream()
            .filter(t -> t.getId().getTag("status").startsWith("5"))
            .mapToLong(Timer::count)
            .sum();
    return unanswered + serverErrors;
  }
}
