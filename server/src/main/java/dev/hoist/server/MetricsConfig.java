package dev.hoist.server;

import dev.hoist.config.ConfigException;
import dev.hoist.config.ConfigNode;

/**
 * The {@code metrics} section: what {@code /metrics} may break down, within bounds that keep the
 * number of series small.
 *
 * <pre>
 * metrics:
 *   tenantSeries: 20     tenants with a series of their own in hoist_tenant_bytes_total
 * </pre>
 *
 * @param tenantSeries how many accelerator tenants get their own {@code tenant} label in {@code
 *     hoist.tenant.bytes}: the first ones served since the process started; the bytes of every
 *     later tenant add up under {@code tenant="other"} (0: all of them)
 */
public record MetricsConfig(int tenantSeries) {
  static final int MAX_TENANT_SERIES = 1000;

  public MetricsConfig {
    if (tenantSeries < 0 || tenantSeries > MAX_TENANT_SERIES) {
      throw new ConfigException(
          "metrics.tenantSeries", "must be between 0 and " + MAX_TENANT_SERIES);
    }
  }

  public static MetricsConfig defaults() {
    return new MetricsConfig(20);
  }

  /** Reads the {@code metrics} section over {@code base}. */
  public static MetricsConfig read(MetricsConfig base, ConfigNode node) {
    node.keys("tenantSeries");
    return new MetricsConfig(node.integer("tenantSeries").orElse(base.tenantSeries));
  }
}
