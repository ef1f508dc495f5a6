package dev.hoist.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.mirror.Upstream;
import dev.hoist.oci.MediaTypes;
import dev.hoist.pipeline.RouteKind;
import dev.hoist.sync.SyncConfig;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard against a real server's {@code /metrics}: after a mirrored pull through a
 * Distribution upstream, a push, a sync run and an upstream that stopped answering, every metric
 * any panel's query names is exported, and the new meters say what happened.
 */
class DashboardMetricsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path DASHBOARD = Path.of("../docs/grafana/hoist-dashboard.json");
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)");

  @TempDir Path dir;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private DockerRegistryProcess upstream;
  private HoistServer hoist;

  @AfterEach
  void stop() {
    if (hoist != null) {
      hoist.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  @Test
  void everyMetricTheDashboardQueriesIsExported() throws Exception {
    upstream = DockerRegistryProcess.builder().workDir(dir.resolve("upstream")).start();
    Skopeo skopeo = Skopeo.create(dir.resolve("skopeo"));
    RandomImages.ImageLayout image =
        RandomImages.writeLayout(dir.resolve("image"), "1", 7, 400_000, 30_000);
    skopeo.copy(image.ociReference(), "docker://" + upstream.hostPort() + "/library/app:1");
    hoist = startHoist();
    String hoistHost = "127.0.0.1:" + hoist.port();

    // A mirrored pull, twice: the second comes from the cache.
    skopeo.copy("docker://" + hoistHost + "/library/app:1", "oci:" + dir.resolve("pull1") + ":1");
    skopeo.copy("docker://" + hoistHost + "/library/app:1", "oci:" + dir.resolve("pull2") + ":1");
    // A push to a hosted name.
    skopeo.copy(image.ociReference(), "docker://" + hoistHost + "/team/app:1");
    // A sync run of the rule configured.
    HttpResponse<String> run = post("/api/v1/sync/app/run?wait=true");
    assertThat(run.statusCode()).as(run.body()).isEqualTo(200);
    assertThat(get("/readyz").statusCode()).isEqualTo(200);
    // The upstream stops answering: a tag never cached fails with no answer at all.
    upstream.stop();
    HttpResponse<String> failed =
        get("/v2/library/app/manifests/2", "Accept", String.join(",", MediaTypes.MANIFEST_TYPES));
    assertThat(failed.statusCode()).isGreaterThanOrEqualTo(500);
    // A collection, so that the collector's pause timer exists.
    System.gc();

    Map<String, List<Sample>> exported = scrapeUntil("jvm_gc_pause_seconds_count");
    Map<String, Set<String>> queried = dashboardMetrics();

    assertThat(queried.keySet())
        .as("the dashboard's queries, as parsed")
        .contains(
            "hoist_http_requests_seconds_bucket",
            "hoist_mirror_served_bytes_total",
            "hoist_upstream_circuit_state",
            "hoist_tenant_bytes_total",
            "jvm_memory_used_bytes");
    Map<String, Set<String>> missing = new HashMap<>(queried);
    missing.keySet().removeAll(exported.keySet());
    assertThat(missing)
        .as("metrics a panel queries (with its panels) that /metrics lacks")
        .isEmpty();

    // What the meters say about what happened.
    assertThat(
            sum(
                exported,
                "hoist_http_requests_seconds_count",
                "route=\"manifest\"",
                "status=\"200\""))
        .isPositive();
    assertThat(sum(exported, "hoist_http_requests_seconds_count", "route=\"blob_upload\""))
        .isPositive();
    assertThat(sum(exported, "hoist_http_requests_seconds_count", "route=\"health\"")).isPositive();
    assertThat(sum(exported, "hoist_http_requests_seconds_count", "route=\"api\"")).isPositive();
    Set<String> routes = labelValues(exported, "hoist_http_requests_seconds_count", "route");
    assertThat(routes)
        .as("route labels are kinds, never paths")
        .isSubsetOf(Arrays.stream(RouteKind.values()).map(RouteKind::tag).toList());
    double served = sum(exported, "hoist_mirror_served_bytes_total");
    double fetched = sum(exported, "hoist_upstream_bytes_total");
    assertThat(sum(exported, "hoist_mirror_served_bytes_total", "result=\"miss\""))
        .isGreaterThanOrEqualTo(430_000);
    assertThat(sum(exported, "hoist_mirror_served_bytes_total", "result=\"hit\""))
        .isGreaterThanOrEqualTo(430_000);
    assertThat(served - fetched).as("bytes saved by the second pull").isGreaterThan(400_000);
    assertThat(sum(exported, "hoist_upstream_failures_total", "upstream=\"docker.io\""))
        .isPositive();
    assertThat(labelValues(exported, "hoist_upstream_circuit_state", "upstream"))
        .containsExactly("docker.io");
    assertThat(sum(exported, "hoist_sync_runs_total", "rule=\"app\"")).isEqualTo(1);
    assertThat(sum(exported, "hoist_mirror_fills_total", "outcome=\"committed\"")).isPositive();
  }

  private HoistServer startHoist() {
    return HoistServer.start(
        ServerConfig.builder()
            .disk(DiskConfig.off())
            .listen("127.0.0.1", 0)
            .dataDir(dir.resolve("hoist"))
            .mirror(
                MirrorConfig.builder()
                    .upstreams(
                        List.of(
                            Upstream.known("docker.io")
                                .orElseThrow()
                                .withUrl(URI.create(upstream.url()))))
                    .hostedPrefixes(List.of("team"))
                    .build())
            .sync(
                SyncConfig.builder()
                    .rules(
                        List.of(
                            """
                            {"name": "app", "upstream": "docker.io",
                             "repositories": ["library/app"],
                             "destination": {"type": "hosted", "from": "library/*",
                                             "to": "team/synced/*"}}
                            """))
                    .build())
            .build());
  }

  /** Every metric name in every panel's queries, with the titles of the panels using it. */
  private static Map<String, Set<String>> dashboardMetrics() throws Exception {
    JsonNode dashboard = JSON.readTree(Files.readString(DASHBOARD));
    assertThat(dashboard.path("schemaVersion").asInt()).isGreaterThanOrEqualTo(36);
    assertThat(dashboard.path("templating").path("list").findValuesAsText("type"))
        .contains("datasource");
    List<JsonNode> panels = new ArrayList<>();
    collectPanels(dashboard.path("panels"), panels);
    Map<String, Set<String>> names = new HashMap<>();
    int queries = 0;
    for (JsonNode panel : panels) {
      for (JsonNode target : panel.path("targets")) {
        String expr = target.path("expr").asText();
        assertThat(expr).as("panel %s has a query", panel.path("title")).isNotBlank();
        queries++;
        for (String name : PromQl.metricNames(expr)) {
          names.computeIfAbsent(name, n -> new TreeSet<>()).add(panel.path("title").asText());
        }
      }
    }
    assertThat(queries).isGreaterThan(20);
    return names;
  }

  private static void collectPanels(JsonNode list, List<JsonNode> into) {
    for (JsonNode panel : list) {
      into.add(panel);
      collectPanels(panel.path("panels"), into);
    }
  }

  private record Sample(String labels, double value) {}

  /** The samples of {@code /metrics} by name, once {@code name} is among them (up to 10 s). */
  private Map<String, List<Sample>> scrapeUntil(String name) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      Map<String, List<Sample>> samples = scrape();
      if (samples.containsKey(name) || System.nanoTime() > deadline) {
        return samples;
      }
      Thread.sleep(200);
    }
  }

  private Map<String, List<Sample>> scrape() throws Exception {
    HttpResponse<String> r = get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    Map<String, List<Sample>> samples = new HashMap<>();
    for (String line : r.body().lines().toList()) {
      Matcher m = SAMPLE.matcher(line);
      if (!line.startsWith("#") && m.find()) {
        samples
            .computeIfAbsent(m.group(1), n -> new ArrayList<>())
            .add(new Sample(m.group(2) == null ? "" : m.group(2), Double.parseDouble(m.group(3))));
      }
    }
    return samples;
  }

  private static double sum(Map<String, List<Sample>> samples, String name, String... labels) {
    return samples.getOrDefault(name, List.of()).stream()
        .filter(s -> Arrays.stream(labels).allMatch(s.labels()::contains))
        .mapToDouble(Sample::value)
        .sum();
  }

  private static Set<String> labelValues(
      Map<String, List<Sample>> samples, String name, String label) {
    Pattern value = Pattern.compile("[{,]" + label + "=\"([^\"]*)\"");
    return samples.getOrDefault(name, List.of()).stream()
        .map(s -> value.matcher(s.labels()))
        .filter(Matcher::find)
        .map(m -> m.group(1))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(hoist.url() + path)).timeout(Duration.ofMinutes(1));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(hoist.url() + path))
            .timeout(Duration.ofMinutes(3))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
