package dev.hoist.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class TenantSeriesTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private double bytes(String tenant) {
    Counter c = registry.find("hoist.tenant.bytes").tag("tenant", tenant).counter();
    return c == null ? -1 : c.count();
  }

  @Test
  void theFirstTenantsGetTheirOwnSeriesAndLaterOnesAddUpAsOther() {
    TenantSeries series = new TenantSeries(registry, 2);

    series.counter("alpha").increment(10);
    series.counter("beta").increment(20);
    series.counter("gamma").increment(30);
    series.counter("delta").increment(40);
    series.counter("alpha").increment(1);

    assertThat(bytes("alpha")).isEqualTo(11);
    assertThat(bytes("beta")).isEqualTo(20);
    assertThat(bytes("other")).isEqualTo(70);
    assertThat(bytes("gamma")).isEqualTo(-1);
    assertThat(registry.find("hoist.tenant.bytes").counters()).hasSize(3);
  }

  @Test
  void otherIsExportedBeforeAnyTrafficAndZeroSeriesPutsEveryTenantThere() {
    TenantSeries series = new TenantSeries(registry, 0);
    assertThat(bytes("other")).isZero();

    series.counter("alpha").increment(5);

    assertThat(bytes("other")).isEqualTo(5);
    assertThat(registry.find("hoist.tenant.bytes").counters()).hasSize(1);
  }
}
