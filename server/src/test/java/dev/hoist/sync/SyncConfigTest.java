package dev.hoist.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.hoist.config.ConfigException;
import dev.hoist.config.ConfigNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyncConfigTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static SyncConfig read(JsonNode tree) {
    return SyncConfig.read(ConfigNode.of(tree, "sync"));
  }

  @Test
  void withoutAuthTheApiIsServedByDefaultOnlyOnLoopback() {
    SyncConfig defaults = SyncConfig.defaults();
    assertThat(defaults.apiEnabledOn("127.0.0.1", false)).isTrue();
    assertThat(defaults.apiEnabledOn("::1", false)).isTrue();
    assertThat(defaults.apiEnabledOn("localhost", false)).isTrue();
    assertThat(defaults.apiEnabledOn("0.0.0.0", false)).isFalse();
    assertThat(defaults.apiEnabledOn("10.0.0.5", false)).isFalse();
    assertThat(defaults.toBuilder().apiEnabled(true).build().apiEnabledOn("0.0.0.0", false))
        .isTrue();
    assertThat(defaults.toBuilder().apiEnabled(false).build().apiEnabledOn("127.0.0.1", false))
        .isFalse();
  }

  @Test
  void withAuthTheApiIsServedByDefaultOnEveryAddressUnlessTurnedOff() {
    SyncConfig defaults = SyncConfig.defaults();
    assertThat(defaults.apiEnabledOn("0.0.0.0", true)).isTrue();
    assertThat(defaults.apiEnabledOn("127.0.0.1", true)).isTrue();
    assertThat(defaults.toBuilder().apiEnabled(false).build().apiEnabledOn("0.0.0.0", true))
        .isFalse();
  }

  @Test
  void theSyncSectionOfTheConfigurationFileIsRead() throws Exception {
    SyncConfig c =
        read(
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
    assertThatThrownBy(() -> read(YAML.readTree("colour: red")))
        .hasMessageContaining("sync.colour");
    assertThatThrownBy(
            () -> read(YAML.readTree("rules: [{name: x, upstream: u, repositories: []}]")))
        .hasMessageContaining("at least one repository");
  }

  @Test
  void aRulesIntervalTakesTheDurationSyntaxOfEveryOtherSetting() throws Exception {
    for (String twoHours : List.of("2h", "120m", "7200s", "PT2H")) {
      SyncConfig c =
          read(
              YAML.readTree(
                  "rules: [{name: a, upstream: docker.io, repositories: [library/alpine],"
                      + " schedule: {interval: "
                      + twoHours
                      + "}}]"));
      SyncRule rule = SyncRule.fromJson(new ObjectMapper().readTree(c.rules().get(0)));
      assertThat(rule.schedule().interval()).as(twoHours).isEqualTo(Duration.ofHours(2));
    }
    assertThatThrownBy(
            () ->
                read(
                    YAML.readTree(
                        "rules: [{name: a, upstream: docker.io, repositories: [library/alpine],"
                            + " schedule: {interval: soon}}]")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "invalid configuration: sync.rules[0].schedule.interval: 'soon' is not a duration");
  }

  @Test
  void badValuesNameTheSetting() {
    assertThatThrownBy(() -> read(YAML.readTree("concurrency: 0")))
        .hasMessage("invalid configuration: sync.concurrency: must be at least 1");
    assertThatThrownBy(() -> read(YAML.readTree("api: {enabled: perhaps}")))
        .hasMessage("invalid configuration: sync.api.enabled: 'perhaps' is not true or false");
    assertThatThrownBy(() -> read(YAML.readTree("maxBackoff: 5")))
        .hasMessageStartingWith("invalid configuration: sync.maxBackoff: '5' is not a duration");
  }
}
