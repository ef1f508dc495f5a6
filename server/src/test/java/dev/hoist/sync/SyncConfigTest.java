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
  void withoutAuthTheApiIsServedByDefaultOnlyOnLoopback() {
    SyncConfig defaults = SyncConfig.defaults();
    assertThat(defaults.apiEnabledOn("127.0.0.1", false)).isTrue();
    assertThat(defaults.apiEnabledOn("::1", false)).isTrue();
    assertThat(defaults.apiEnabledOn("localhost", false)).isTrue();
    assertThat(defaults.apiEnabledOn("0.0.0.0", false)).isFalse();
    assertThat(defaults.apiEnabledOn("10.0.0.5", false)).isFalse();
    assertThat(defaults.withApiEnabled(true).apiEnabledOn("0.0.0.0", false)).isTrue();
    assertThat(defaults.withApiEnabled(false).apiEnabledOn("127.0.0.1", false)).isFalse();
  }

  @Test
  void withAuthTheApiIsServedByDefaultOnEveryAddressUnlessTurnedOff() {
    SyncConfig defaults = SyncConfig.defaults();
    assertThat(defaults.apiEnabledOn("0.0.0.0", true)).isTrue();
    assertThat(defaults.apiEnabledOn("127.0.0.1", true)).isTrue();
    assertThat(defaults.withApiEnabled(false).apiEnabledOn("0.0.0.0", true)).isFalse();
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
