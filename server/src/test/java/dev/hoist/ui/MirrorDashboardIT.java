package dev.hoist.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mirror dashboard over plain HTTP, against a real Distribution upstream: the numbers after a
 * cold and a warm pull, then the upstream's circuit once it stopped answering.
 */
class MirrorDashboardIT {
  @TempDir Path dir;
  StatusFixture fixture;

  @BeforeEach
  void start() {
    fixture = new StatusFixture(dir);
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  @Test
  void aWarmPullShowsAsHitsAndBytesSavedAndAStoppedUpstreamAsAnOpenCircuit() throws Exception {
    String before = page();
    assertThat(StatusFixture.byId(before, "hit-ratio")).isEqualTo("0.0 %");
    assertThat(StatusFixture.byId(before, "bytes-saved")).isEqualTo("0 B");
    assertThat(before).contains("data-upstream=\"docker.io\" data-health=healthy");
    assertThat(StatusFixture.byId(before, "cache-size")).endsWith(" of 10 GiB");

    fixture.pull();
    fixture.pull();

    String warm = page();
    assertThat(percent(StatusFixture.byId(warm, "hit-ratio"))).isGreaterThan(20);
    assertThat(StatusFixture.byId(warm, "bytes-saved")).endsWith("KiB");
    assertThat(kib(StatusFixture.byId(warm, "bytes-saved"))).isGreaterThan(400);
    assertThat(StatusFixture.byId(warm, "fills")).isEqualTo("0");
    assertThat(warm).contains("data-upstream=\"docker.io\" data-health=healthy");
    assertThat(warm).contains(fixture.upstream.url());

    // The upstream stops; pulls of tags never cached fail until the circuit opens.
    fixture.upstream.stop();
    String failing = warm;
    for (int i = 0; i < 10 && !failing.contains("data-health=open"); i++) {
      assertThat(fixture.pullUncachedTag(i)).isGreaterThanOrEqualTo(500);
      failing = page();
    }
    assertThat(failing).contains("data-upstream=\"docker.io\" data-health=open");
    assertThat(failing)
        .containsPattern("Circuit open</strong> until <time datetime=\"[0-9TZ:-]+\"");
    assertThat(failing).containsPattern("\\(in [0-9]+ s\\)");
  }

  @Test
  void theLivePartIsAFragmentThatAsksToBeFetchedAgain() throws Exception {
    HttpResponse<String> live = fixture.get("/ui/mirror?part=live", "HX-Request", "true");

    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.body())
        .startsWith("<section id=live hx-get=\"/ui/mirror?part=live\" hx-trigger=\"every 5s\"")
        .doesNotContain("<html");
    HttpResponse<String> whole = fixture.get("/ui/mirror");
    assertThat(whole.body())
        .contains("<!doctype html>")
        .contains("htmx.min.js")
        .contains("aria-current=page>Mirror<")
        .contains("href=\"/ui/sync\">Sync<");
    assertThat(whole.headers().firstValue("Content-Security-Policy").orElseThrow())
        .contains("script-src 'self'");
  }

  private String page() throws Exception {
    HttpResponse<String> r = fixture.get("/ui/mirror");
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private static double percent(String s) {
    return Double.parseDouble(s.replace(" %", ""));
  }

  private static double kib(String s) {
    return Double.parseDouble(s.replace(" KiB", ""));
  }
}
