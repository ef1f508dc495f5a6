package dev.hoist.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.client.CircuitBreaker;
import dev.hoist.pipeline.Pipeline;
import dev.hoist.storage.SyncStatus;
import dev.hoist.sync.SyncFeature.RuleOverview;
import dev.hoist.web.Layout;
import dev.hoist.web.Viewer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The status pages as routes of the "ui" stage alone, over loopback HTTP, with sync and the
 * upstreams faked: who may start a run, what a page of a missing part answers, and that outside
 * values are escaped.
 */
class StatusPagesIT {
  private static final String XSS = "<script>alert(1)</script>";
  private static final Instant NOW = Instant.parse("2026-12-08T03:00:00Z");

  private final Vertx vertx = Vertx.vertx();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<String> runs = new CopyOnWriteArrayList<>();
  private HttpServer server;

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** Sync with one rule whose name, repositories and last error carry markup. */
  private final SyncControl sync =
      new SyncControl() {
        @Override
        public List<RuleOverview> rules() {
          return List.of(
              new RuleOverview(
                  "r" + XSS,
                  "up" + XSS,
                  List.of("repo" + XSS),
                  "hosted" + XSS,
                  "on demand",
                  true,
                  false,
                  NOW.plusSeconds(300),
                  new SyncStatus(
                      "r",
                      NOW.minusSeconds(180),
                      NOW.minusSeconds(170),
                      null,
                      0,
                      0,
                      1,
                      0,
                      "upstream said " + XSS)));
        }

        @Override
        public boolean runNow(String rule) {
          runs.add(rule);
          return true;
        }
      };

  private URI start(Viewer viewer, boolean mirror, boolean withSync) throws Exception {
    DashboardData data =
        new DashboardData(
            new SimpleMeterRegistry(),
            () ->
                List.of(
                    new UpstreamState(
                        "\"><img src=x onerror=alert(1)>",
                        "http://" + XSS + "/",
                        CircuitBreaker.State.OPEN,
                        NOW.plusSeconds(25),
                        5)));
    Pages pages = new Pages(vertx, new Layout(List.of(new Layout.Section("Mirror", "/ui/mirror"))));
    StatusPages status =
        new StatusPages(
            pages, InstantSource.fixed(NOW), mirror ? data : null, withSync ? sync : null);
    Pipeline pipeline =
        Pipeline.builder()
            .stage(
                "ui", UiStage.of(request -> Future.succeededFuture(viewer), pages, status.routes()))
            .endpoint("rest", call -> call.response().setStatusCode(418).end());
    server =
        vertx
            .createHttpServer()
            .requestHandler(pipeline)
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    return URI.create("http://127.0.0.1:" + server.actualPort());
  }

  private HttpResponse<String> get(URI base, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(URI base, String form) throws Exception {
    return http.send(
        HttpRequest.newBuilder(base.resolve("/ui/sync"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aSignedInUserWhoIsNotAnAdminSeesTheRulesButCannotStartARun() throws Exception {
    URI base = start(new Viewer("bob", false, "bob-token"), true, true);

    HttpResponse<String> page = get(base, "/ui/sync");
    HttpResponse<String> post = post(base, "csrf=bob-token&rule=r");

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("Only admins may start runs").doesNotContain("Run now");
    assertThat(post.statusCode()).isEqualTo(403);
    assertThat(post.body()).contains("Only admins");
    assertThat(runs).isEmpty();
  }

  @Test
  void anAdminsFormWithTheirTokenStartsTheRunItNames() throws Exception {
    URI base = start(new Viewer("root", true, "root-token"), true, true);

    HttpResponse<String> other = post(base, "csrf=bob-token&rule=r");
    HttpResponse<String> ok = post(base, "csrf=root-token&rule=r");

    assertThat(other.statusCode()).isEqualTo(403);
    assertThat(ok.statusCode()).isEqualTo(303);
    assertThat(runs).containsExactly("r");
  }

  @Test
  void outsideValuesAreEscapedOnBothPages() throws Exception {
    URI base = start(new Viewer("root", true, "t\"><b>"), true, true);

    String syncPage = get(base, "/ui/sync").body();
    String dashboard = get(base, "/ui/mirror").body();
    String notice = get(base, "/ui/sync?started=" + "%3Cscript%3E").body();

    assertThat(syncPage)
        .doesNotContain("<script>alert")
        .contains("r&lt;script&gt;alert(1)&lt;/script&gt;")
        .contains("upstream said &lt;script&gt;")
        .contains("value=\"t&quot;&gt;&lt;b&gt;\"");
    assertThat(syncPage)
        .contains("<time datetime=\"2026-12-08T02:57:00Z\">2026-12-08T02:57:00Z</time>")
        .contains("(3 min ago)")
        .contains("(in 5 min)");
    assertThat(dashboard)
        .doesNotContain("<script>alert")
        .doesNotContain("<img src=x")
        .contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;")
        .contains("data-health=open")
        .contains("(in 25 s)");
    assertThat(notice).doesNotContain("<script>").contains("&lt;script&gt;");
  }

  @Test
  void aPartTheServerDoesNotHaveIsANotFoundPageAndOtherPathsPassOn() throws Exception {
    URI base = start(Viewer.OPEN, false, false);

    assertThat(get(base, "/ui/mirror").statusCode()).isEqualTo(404);
    assertThat(get(base, "/ui/sync").statusCode()).isEqualTo(404);
    assertThat(get(base, "/ui/mirrors").statusCode()).isEqualTo(404);
    assertThat(get(base, "/v2/").statusCode()).isEqualTo(418);
    assertThat(get(base, "/ui/sync").body()).contains("Sync is off");
  }
}
