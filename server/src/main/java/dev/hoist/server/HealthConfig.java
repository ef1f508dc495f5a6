package dev.hoist.server;

import dev.hoist.config.ConfigException;
import dev.hoist.config.ConfigNode;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@code health} section: how {@code /readyz} checks the stores, and how long it says "not
 * ready" before a stopping node closes its port.
 *
 * <pre>
 * health:
 *   timeout: 2s          each readiness check fails after this long
 *   drainDelay: 5s       on shutdown, /readyz answers 503 this long before the port closes
 * </pre>
 *
 * @param timeout how long a readiness check (a read of the metadata store, the blob store's access
 *     check) may take before it counts as failed
 * @param drainDelay how long a stopping node keeps accepting requests while {@code /readyz} already
 *     answers 503, so that load balancers take it out of rotation before its port closes; then
 *     {@code shutdownGrace} starts
 */
public record HealthConfig(Duration timeout, Duration drainDelay) {
  public HealthConfig {
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(drainDelay, "drainDelay");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new ConfigException("health.timeout", "must be positive");
    }
    if (drainDelay.isNegative()) {
      throw new ConfigException("health.drainDelay", "must not be negative");
    }
  }

  public static HealthConfig defaults() {
    return new HealthConfig(Duration.ofSeconds(2), Duration.ZERO);
  }

  /** Reads the {@code health} section over {@code base}. */
  public static HealthConfig read(HealthConfig base, ConfigNode node) {
    node.keys("timeout", "drainDelay");
    return new HealthConfig(
        node.duration("timeout").orElse(base.timeout),
        node.duration("drainDelay").orElse(base.drainDelay));
  }
}
