package dev.hoist.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SyncConfigTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void theApiIsServedByDefaultOnlyOnLoopback() {
    SyncConfig defaults = SyncConfig.defaults();
    assertThat(defaults.apiEnabledOn("127.0.0.1")).isTrue();
    assertThat(defaults.apiEnabledOn("::1")).isTrue();
    assertThat(defaults.apiEnabledOn("localhost")).isTrue();
    assertThat(defaults.apiEnabledOn("0.0.0.0")).isFalse();
    assertThat(defaults.apiEnabledOn("10.0.0.5")).isFalse();
    assertThat(defaults.withApiEnabled(true).apiEnabledOn("0.0.0.0")).isTrue();
    assertThat(defaults.withApiEnabled(false).apiEnabledOn("127.0.0.1")).isFalse();
  }

  @Test
  void theSyncSectionOfTheConfigurationFileIsRead() throws Exception {
    SyncConfig c =
        SyncConfig.fromTree(
            YAML.readTree(
                """
                api: {enabled: false}
                concurrency: 2
                requestsPerMinute: 60
                maxBackoff: 1m
                prewarm: {topK: 5, window: 1h, lead: 10s}
                rules:
                  - name: alpine
                    upstream: docker.io
                    repositories: [library/alpine]
                    tags: {semver: ">=3.18", newest: 2}
                    destination: {type: mirror}
                    schedule: {cron: "0 3 * * *"}
                """));
    assertThat(c.apiEnabled()).isFalse();
    assertThat(c.concurrency()).isEqualTo(2);
    assertThat(c.requestsPerMinute()).isEqualTo(60);
    assertThat(c.maxBackoff()).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.prewarmTopK()).isEqualTo(5);
    assertThat(c.prewarmWindow()).isEqualTo(Duration.ofHours(1));
    assertThat(c.rules()).hasSize(1);
    assertThat(c.rules().get(0)).contains("\"semver\":\">=3.18\"");
  }

  @Test
  void anInvalidRuleOrSettingStopsTheConfiguration() {
    assertThatThrownBy(() -> SyncConfig.fromTree(YAML.readTree("colour: red")))
        .hasMessageContaining("sync.colour");
    assertThatThrownBy(
            () ->
                SyncConfig.fromTree(
                    YAML.readTree("rules: [{name: x, upstream: u, repositories: []}]")))
        .hasMessageContaining("at least one repository");
  }
}
