package dev.hoist.sync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.mirror.Upstream;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import dev.hoist.server.StorageConfig;
import dev.hoist.storage.MetadataStore;
import dev.hoist.storage.SyncRuleRecord;
import dev.hoist.storage.SyncStatus;
import dev.hoist.storage.sql.PostgresMetadataStore;
import dev.hoist.storage.sql.PostgresUrl;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import dev.hoist.testkit.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two Hoist nodes on one PostgreSQL schema run a scheduled sync rule once per due time. */
class ClusterSyncIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RULE =
      """
      {"name": "app", "upstream": "docker.io", "repositories": ["library/app"],
       "destination": {"type": "hosted", "from": "library/*", "to": "mirror/library/*"},
       "schedule": {"interval": "1h"}}
      """;

  @TempDir Path dir;
  TestPostgres db;
  DockerRegistryProcess upstream;
  HoistServer a;
  HoistServer b;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() {
    db = TestPostgres.newSchema("cluster sync");
    upstream = DockerRegistryProcess.builder().workDir(dir.resolve("upstream")).start();
    Skopeo skopeo = Skopeo.create(dir.resolve("skopeo"));
    RandomImages.ImageLayout image =
        RandomImages.writeLayout(dir.resolve("layout"), "1.0", 3, 50_000);
    skopeo.copy(image.ociReference(), "docker://" + upstream.hostPort() + "/library/app:1.0");
  }

  @AfterEach
  void stop() {
    for (HoistServer node : new HoistServer[] {a, b}) {
      if (node != null) {
        node.close();
      }
    }
    upstream.close();
    db.close();
  }

  private HoistServer node(String name) {
    return HoistServer.start(
        ServerConfig.builder()
            .disk(DiskConfig.off())
            .listen("127.0.0.1", 0)
            .dataDir(dir.resolve("node-" + name))
            .storage(StorageConfig.defaults().withMetadata("storage.metadata", db.url()))
            .mirror(
                MirrorConfig.builder()
                    .upstreams(
                        List.of(
                            Upstream.known("docker.io")
                                .orElseThrow()
                                .withUrl(URI.create(upstream.url()))))
                    .hostedPrefixes(List.of("mirror"))
                    .build())
            .sync(SyncConfig.builder().tick(Duration.ofMillis(100)).build())
            .build());
  }

  private JsonNode status(HoistServer node) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(node.url() + "/api/v1/sync/app/status")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  @Test
  void aRuleDueAtTheSameTimeOnBothNodesRunsOnce() throws Exception {
    // The rule last ran an hour ago, less a few seconds: both nodes find it due at the same time.
    Instant lastStarted =
        Instant.now().minus(Duration.ofHours(1)).plusSeconds(8).truncatedTo(ChronoUnit.MILLIS);
    Instant due = lastStarted.plus(Duration.ofHours(1));
    try (MetadataStore store =
        PostgresMetadataStore.open(PostgresUrl.parse(db.url()), 2, InstantSource.system())) {
      store.write(
          tx -> {
            tx.sync().putRule(new SyncRuleRecord("app", RULE, lastStarted));
            tx.sync()
                .putStatus(new SyncStatus("app", lastStarted, lastStarted, due, 0, 0, 0, 0, null));
            return null;
          });
    }
    a = node("a");
    b = node("b");
    assertThat(Instant.now()).as("both nodes started before the due time").isBefore(due);

    // Wait for the run, then long enough for any second run to have started.
    Instant deadline = due.plusSeconds(60);
    JsonNode done = status(a);
    while (done.get("lastFinished").isNull()
        || !Instant.parse(done.get("lastStarted").asText()).isAfter(lastStarted)
        || done.get("running").asBoolean()) {
      assertThat(Instant.now()).as("the run ended in time").isBefore(deadline);
      Thread.sleep(200);
      done = status(a);
    }
    Thread.sleep(3000);
    Thread.sleep(500); // Distribution writes its access log asynchronously

    assertThat(upstream.requestCount("GET", ".*/tags/list.*"))
        .as("one run listed the tags")
        .isEqualTo(1);
    JsonNode onB = status(b);
    assertThat(onB.get("lastStarted").asText()).isEqualTo(done.get("lastStarted").asText());
    assertThat(Instant.parse(done.get("lastStarted").asText())).isAfterOrEqualTo(due);
    assertThat(done.get("copiedImages").asLong()).isEqualTo(1);
    assertThat(done.get("lastError").isNull()).isTrue();
    assertThat(Instant.parse(onB.get("nextRun").asText()))
        .as("both nodes scheduled the next run an hour on")
        .isAfter(due.plus(Duration.ofMinutes(59)));
    assertThat(Instant.parse(status(a).get("nextRun").asText()))
        .isAfter(due.plus(Duration.ofMinutes(59)));
  }
}
