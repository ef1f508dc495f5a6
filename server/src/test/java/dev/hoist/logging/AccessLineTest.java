package dev.hoist.logging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class AccessLineTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant AT = Instant.parse("2026-12-08T10:15:30.123Z");

  private static AccessEntry entry(String target, String user, String agent) {
    return new AccessEntry(
        AT,
        "127.0.0.1",
        "GET",
        target,
        "HTTP/1.1",
        200,
        1638,
        2_315_400,
        "HIT",
        "docker.io",
        null,
        user,
        agent,
        false);
  }

  @Test
  void aCommonLineIsTheCommonLogFormatThenKeyValueFields() {
    assertThat(
            AccessLine.common(entry("/v2/library/alpine/manifests/3.20", "alice", "skopeo/1.13.3")))
        .isEqualTo(
            "127.0.0.1 - alice [08/Dec/2026:10:15:30 +0000]"
                + " \"GET /v2/library/alpine/manifests/3.20 HTTP/1.1\" 200 1638"
                + " ms=2.315 cache=HIT upstream=docker.io tenant=- agent=\"skopeo/1.13.3\"");
  }

  @Test
  void absentValuesAreDashesAndAnAbortedResponseIsFlagged() {
    AccessEntry cut =
        new AccessEntry(
            AT, null, "GET", "/v2/", "HTTP/2", 499, 0, 50_000, null, null, null, null, null, true);
    assertThat(AccessLine.common(cut))
        .isEqualTo(
            "- - - [08/Dec/2026:10:15:30 +0000] \"GET /v2/ HTTP/2\" 499 0"
                + " ms=0.050 cache=- upstream=- tenant=- agent=- aborted");
  }

  @Test
  void quotesAndLineBreaksInAPathOrAUserAgentCannotForgeALineOrAField() {
    String forged = "\" 200 1 \"\n10.0.0.1 - admin [01/Jan/2026:00:00:00 +0000] \"GET /x HTTP/1.1";
    String line =
        AccessLine.common(entry("/v2/a" + forged, "bob smith\r\nx", "curl" + forged + "\u2028"));

    assertThat(line).doesNotContain("\n", "\r", "\u2028");
    // Exactly the four quotes the format writes: around the request and the user agent.
    assertThat(line.chars().filter(c -> c == '"')).hasSize(4);
    assertThat(line)
        .startsWith("127.0.0.1 - bob\\x20smith\\x0D\\x0Ax [")
        .contains("\"GET /v2/a\\x22 200 1 \\x22\\x0A10.0.0.1 - admin")
        .contains("agent=\"curl\\x22 200 1 \\x22\\x0A10.0.0.1")
        .endsWith("\\u2028\"");
  }

  @Test
  void aJsonLineIsOneObjectWhateverTheValuesHold() throws Exception {
    String evil = "a\"b\\c\nd\u0000e\u2028f\u00e9";
    String line = AccessLine.json(entry("/v2/" + evil, evil, evil));

    assertThat(line).doesNotContain("\n", "\r", "\u2028", "\u0000");
    JsonNode json = JSON.readTree(line);
    assertThat(json.get("path").asText()).isEqualTo("/v2/" + evil);
    assertThat(json.get("user").asText()).isEqualTo(evil);
    assertThat(json.get("userAgent").asText()).isEqualTo(evil);
    assertThat(json.get("time").asText()).isEqualTo("2026-12-08T10:15:30.123Z");
    assertThat(json.get("status").asInt()).isEqualTo(200);
    assertThat(json.get("bytes").asLong()).isEqualTo(1638);
    assertThat(json.get("durationMs").asDouble()).isEqualTo(2.315);
    assertThat(json.get("cache").asText()).isEqualTo("HIT");
    assertThat(json.get("upstream").asText()).isEqualTo("docker.io");
    assertThat(json.get("tenant").isNull()).isTrue();
    assertThat(json.get("aborted").asBoolean()).isFalse();
  }

  @Test
  void onlyKnownHarmlessQueryParametersAreKept() {
    assertThat(AccessEntry.target("/v2/a/tags/list", "n=10&last=v1"))
        .isEqualTo("/v2/a/tags/list?n=10&last=v1");
    assertThat(
            AccessEntry.target(
                "/v2/a/blobs/uploads/u1",
                "_state=c2VjcmV0&digest=sha256:ab&token=xyz&access_token=q"))
        .isEqualTo("/v2/a/blobs/uploads/u1?digest=sha256:ab");
    assertThat(AccessEntry.target("/token", "password=hunter2&refresh_token=r"))
        .isEqualTo("/token");
    assertThat(AccessEntry.target("/v2/", null)).isEqualTo("/v2/");
  }

  @Test
  void theUserOfBasicCredentialsIsTheNameNeverThePassword() {
    String basic =
        "Basic "
            + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
    assertThat(AccessLog.basicUser(basic)).isEqualTo("alice");
    assertThat(AccessLog.basicUser("Bearer abc.def.ghi")).isNull();
    String noColon =
        "Basic "
            + Base64.getEncoder().encodeToString("justasecret".getBytes(StandardCharsets.UTF_8));
    assertThat(AccessLog.basicUser(noColon)).isNull();
    assertThat(AccessLog.basicUser("Basic !!!")).isNull();
    assertThat(AccessLog.basicUser(null)).isNull();
  }

  @Test
  void millisecondsHaveThreeDecimals() {
    assertThat(AccessLine.millis(0)).isEqualTo("0.000");
    assertThat(AccessLine.millis(1_005_000)).isEqualTo("1.005");
    assertThat(AccessLine.millis(12_345_678_901L)).isEqualTo("12345.678");
  }
}
