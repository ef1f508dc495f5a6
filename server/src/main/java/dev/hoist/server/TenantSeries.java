package dev.hoist.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code hoist.tenant.bytes} with a bounded number of series: the first {@code max} tenants served
 * since the process started get a counter of their own, every later one counts under {@code
 * tenant="other"}. First come rather than top N: a counter's label cannot move once it was scraped,
 * and a tenant moving in and out of a top N would make both series go backwards.
 */
final class TenantSeries {
  static final String OTHER = "other";

  private final MeterRegistry registry;
  private final int max;
  private final Map<String, Counter> named = new ConcurrentHashMap<>();
  private final Counter other;

  TenantSeries(MeterRegistry registry, int max) {
    this.registry = registry;
    this.max = max;
    // Registered at once, so that dashboards show 0 before the first tenant's request.
    this.other = register(OTHER);
  }

  /** The counter {@code tenant}'s bytes go to. */
  Counter counter(String tenant) {
    Counter counter = named.get(tenant);
    if (counter != null) {
      return counter;
    }
    synchronized (this) {
      counter = named.get(tenant);
      if (counter == null && named.size() < max && !tenant.equals(OTHER)) {
        counter = register(tenant);
        named.put(tenant, counter);
      }
    }
    return counter != null ? counter : other;
  }

  private Counter register(String tenant) {
    return Counter.builder("hoist.tenant.bytes")
        .description("Body bytes sent to an accelerator tenant's clients")
        .baseUnit("bytes")
        .tag("tenant", tenant)
        .register(registry);
  }
}
