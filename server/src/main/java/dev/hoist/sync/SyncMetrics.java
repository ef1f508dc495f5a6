package dev.hoist.sync;

import dev.hoist.storage.SyncStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Sync's meters, per rule: {@code hoist.sync.runs}, {@code hoist.sync.images} (by result: copied,
 * skipped, failed), {@code hoist.sync.bytes}, {@code hoist.sync.backoffs}, and gauges of the last
 * run ({@code hoist.sync.last.run.seconds}: its start as epoch seconds; {@code
 * hoist.sync.last.failed}: images it failed); {@code hoist.sync.prewarm} by outcome.
 */
final class SyncMetrics {
  private final MeterRegistry registry;
  private final Map<String, List<Meter>> gauges = new ConcurrentHashMap<>();

  SyncMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void ran(String rule, long copied, long skipped, long failed, long bytes) {
    runs(rule).increment();
    images(rule, "copied").increment(copied);
    images(rule, "skipped").increment(skipped);
    images(rule, "failed").increment(failed);
    Counter.builder("hoist.sync.bytes")
        .description("Bytes copied by sync runs")
        .baseUnit("bytes")
        .tag("rule", rule)
        .register(registry)
        .increment(bytes);
  }

  private Counter runs(String rule) {
    return Counter.builder("hoist.sync.runs")
        .description("Sync runs of the rule")
        .tag("rule", rule)
        .register(registry);
  }

  private Counter images(String rule, String result) {
    return Counter.builder("hoist.sync.images")
        .description("Images (tags) handled by sync runs, by result")
        .tag("rule", rule)
        .tag("result", result)
        .register(registry);
  }

  void backedOff(String rule) {
    registry.counter("hoist.sync.backoffs", "rule", rule).increment();
  }

  void warmed(boolean fetched) {
    registry
        .counter("hoist.sync.prewarm", "outcome", fetched ? "fetched" : "unchanged")
        .increment();
  }

  /** Gauges reading the rule's stored status; registered once per rule. */
  void watch(String rule, Supplier<SyncStatus> status) {
    gauges.computeIfAbsent(
        rule,
        r -> {
          // A rule that has not run yet shows 0 runs, rather than no series at all.
          runs(r);
          List<Meter> meters = new ArrayList<>();
          meters.add(
              Gauge.builder(
                      "hoist.sync.last.run.seconds",
                      () -> {
                        SyncStatus s = status.get();
                        return s == null || s.lastStarted() == null
                            ? Double.NaN
                            : s.lastStarted().getEpochSecond();
                      })
                  .description("When the rule's last run started, in epoch seconds")
                  .tag("rule", r)
                  .register(registry));
          meters.add(
              Gauge.builder(
                      "hoist.sync.last.failed",
                      () -> {
                        SyncStatus s = status.get();
                        return s == null ? 0 : s.failedImages();
                      })
                  .description("Images the rule's last run failed to copy")
                  .tag("rule", r)
                  .register(registry));
          return meters;
        });
  }

  void forget(String rule) {
    List<Meter> meters = gauges.remove(rule);
    if (meters != null) {
      meters.forEach(registry::remove);
    }
  }
}
