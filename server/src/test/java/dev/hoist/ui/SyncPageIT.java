package dev.hoist.ui;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.oci.MediaTypes;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sync page over plain HTTP against a real server syncing from a real Distribution upstream: a
 * rule listed, "Run now" with the page's token makes a run that then shows, and a POST without the
 * token, with a wrong one, or from a visitor who may not start runs, runs nothing.
 */
class SyncPageIT {
  private static final Pattern CSRF = Pattern.compile("name=csrf value=\"([^\"]+)\"");

  @TempDir Path dir;
  StatusFixture fixture;

  @AfterEach
  void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void anAdminsRunNowMakesARunThatThenShowsOnThePage() throws Exception {
    fixture = new StatusFixture(dir);
    String page = page();
    assertThat(page)
        .contains("data-rule=\"app\"")
        .contains("docker.io: library/app")
        .contains("hosted library/* -&gt; team/synced/*")
        .contains("on demand")
        .contains("none yet")
        .contains("aria-label=\"Run app now\"")
        .contains("aria-current=page>Sync<");
    String token = token(page);

    HttpResponse<String> run = fixture.postForm("/ui/sync", "csrf=" + token + "&rule=app");

    assertThat(run.statusCode()).isEqualTo(303);
    assertThat(run.headers().firstValue("Location")).hasValue("/ui/sync?started=app");
    assertThat(fixture.get("/ui/sync?started=app").body())
        .contains("Started a run of <strong>app</strong>");
    String after = untilFinished();
    assertThat(after).contains("1 copied, 0 skipped, 0 failed");
    assertThat(after).containsPattern("<time datetime=\"20[0-9-]+T[0-9:]+Z\">");
    assertThat(after).containsPattern("\\(([0-9]+ s ago|now)\\)");
    assertThat(
            fixture
                .get(
                    "/v2/team/synced/app/manifests/1",
                    "Accept",
                    String.join(",", MediaTypes.MANIFEST_TYPES))
                .statusCode())
        .as("the run copied the image")
        .isEqualTo(200);
  }

  @Test
  void aPostWithoutTheTokenOrWithAnotherRunsNothing() throws Exception {
    fixture = new StatusFixture(dir);
    String token = token(page());

    HttpResponse<String> none = fixture.postForm("/ui/sync", "rule=app");
    HttpResponse<String> wrong = fixture.postForm("/ui/sync", "csrf=x" + token + "&rule=app");
    HttpResponse<String> empty = fixture.postForm("/ui/sync", "csrf=&rule=app");

    assertThat(none.statusCode()).isEqualTo(403);
    assertThat(none.body()).contains("Form expired");
    assertThat(wrong.statusCode()).isEqualTo(403);
    assertThat(empty.statusCode()).isEqualTo(403);
    assertNothingRan();
  }

  @Test
  void withAuthAVisitorWhoHasNotSignedInIsAskedToAndRunsNothing() throws Exception {
    fixture = new StatusFixture(dir, true);

    HttpResponse<String> page = fixture.get("/ui/sync");
    HttpResponse<String> dashboard = fixture.get("/ui/mirror");
    HttpResponse<String> post = fixture.postForm("/ui/sync", "csrf=&rule=app");

    assertThat(page.statusCode()).isEqualTo(401);
    assertThat(page.body()).contains("href=\"/ui/signin\"").doesNotContain("data-rule");
    assertThat(dashboard.statusCode()).isEqualTo(401);
    assertThat(post.statusCode()).isEqualTo(401);
    Thread.sleep(500);
    HttpResponse<String> status =
        fixture.get(
            "/api/v1/sync/app/status",
            "Authorization",
            "Basic " + Base64.getEncoder().encodeToString("root:pw".getBytes(UTF_8)));
    assertThat(status.statusCode()).isEqualTo(200);
    assertThat(status.body()).as("no run started").contains("\"lastStarted\":null");
  }

  private void assertNothingRan() throws Exception {
    Thread.sleep(500);
    String page = page();
    assertThat(page).contains("none yet").doesNotContain("Running");
    assertThat(row(page)).contains(">never<");
  }

  private String page() throws Exception {
    HttpResponse<String> r = fixture.get("/ui/sync");
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private static String token(String page) {
    Matcher m = CSRF.matcher(page);
    assertThat(m.find()).as("a CSRF token in %s", page).isTrue();
    return m.group(1);
  }

  private static String row(String page) {
    int start = page.indexOf("data-rule=\"app\"");
    return page.substring(start, page.indexOf("</tr>", start));
  }

  /** The page once the rule's run has finished (up to a minute). */
  private String untilFinished() throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (true) {
      String page = page();
      if (!row(page).contains("none yet") || System.nanoTime() > deadline) {
        return page;
      }
      Thread.sleep(200);
    }
  }
}
