package dev.hoist.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.oci.RepositoryName;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SyncRuleTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static SyncRule parse(String json) throws Exception {
    return SyncRule.fromJson(JSON.readTree(json));
  }

  @Test
  void aRuleRoundTripsThroughItsJson() throws Exception {
    SyncRule rule =
        parse(
            """
            {"name": "web", "upstream": "docker.io", "repositories": ["library/nginx"],
             "tags": {"include": "1\\\\..*", "exclude": ".*-perl", "semver": ">=1.20 <2",
                      "newest": 3},
             "platforms": ["linux/amd64", "linux/arm64/v8"],
             "destination": {"type": "hosted", "from": "library/*", "to": "mirror/library/*"},
             "schedule": {"interval": "6h"}, "vanished": "delete", "warm": ["stable"]}
            """);
    assertThat(rule.schedule().interval()).isEqualTo(Duration.ofHours(6));
    assertThat(rule.deleteVanished()).isTrue();
    assertThat(rule.enabled()).isTrue();
    assertThat(SyncRule.fromJson(rule.toJson(JSON))).isEqualTo(rule);
  }

  @Test
  void theMappingRewritesTheMatchedPartOrNamesAFixedRepository() {
    SyncRule.Destination mapped = new SyncRule.Destination(false, "library/*", "mirror/library/*");
    assertThat(mapped.map(RepositoryName.of("library/nginx")))
        .isEqualTo(RepositoryName.of("mirror/library/nginx"));
    assertThatThrownBy(() -> mapped.map(RepositoryName.of("bitnami/nginx")))
        .hasMessageContaining("does not match");
    assertThat(new SyncRule.Destination(false, null, "base/web").map(RepositoryName.of("a/b")))
        .isEqualTo(RepositoryName.of("base/web"));
    assertThat(new SyncRule.Destination(false, null, null).map(RepositoryName.of("a/b")))
        .isEqualTo(RepositoryName.of("a/b"));
  }

  @Test
  void invalidRulesAreRejectedSayingWhy() {
    assertThatThrownBy(() -> parse("{\"name\": \"x\", \"repositories\": [\"a\"]}"))
        .hasMessageContaining("upstream is required");
    assertThatThrownBy(
            () -> parse("{\"name\": \"x\", \"upstream\": \"docker.io\", \"repositories\": []}"))
        .hasMessageContaining("at least one repository");
    assertThatThrownBy(
            () ->
                parse(
                    "{\"name\": \"x\", \"upstream\": \"u\", \"repositories\": [\"a\"],"
                        + " \"vanished\": \"purge\"}"))
        .hasMessageContaining("keep or delete");
    assertThatThrownBy(
            () ->
                parse(
                    "{\"name\": \"x\", \"upstream\": \"u\", \"repositories\": [\"a\"],"
                        + " \"schedule\": {\"cron\": \"0 25 * * *\"}}"))
        .hasMessageContaining("hour");
    assertThatThrownBy(
            () ->
                parse(
                    "{\"name\": \"x\", \"upstream\": \"u\", \"repositories\": [\"a\"],"
                        + " \"colour\": \"red\"}"))
        .hasMessageContaining("unknown sync rule field 'colour'");
    assertThatThrownBy(() -> parse("{\"name\": \"Bad Name\", \"upstream\": \"u\"}"))
        .hasMessageContaining("must match");
  }
}
