package dev.hoist.accelerator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.mirror.Upstream;
import dev.hoist.oci.Digest;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import dev.hoist.server.StorageConfig;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import dev.hoist.testkit.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Hoist nodes in one JVM on one PostgreSQL schema, each with its own data directory and port,
 * both mirroring one Distribution registry: what a console user and a tenant see is the same
 * whichever node answers.
 */
class ClusterAcceleratorIT {
  static final String PASSWORD = "correct horse battery";
  static final long QUOTA = 1_000_000;

  @TempDir Path dir;
  TestPostgres db;
  DockerRegistryProcess upstream;
  RandomImages.ImageLayout image;
  long layer; // the first layer's exact size
  HoistServer a;
  HoistServer b;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    db = TestPostgres.newSchema("cluster accelerator");
    upstream = DockerRegistryProcess.builder().workDir(dir.resolve("upstream")).start();
    Skopeo skopeo = Skopeo.create(dir.resolve("skopeo"));
    image = RandomImages.writeLayout(dir.resolve("layout"), "1", 7, 300_000, 20_000);
    skopeo.copy(image.ociReference(), "docker://" + upstream.hostPort() + "/library/app:1");
    layer =
        Files.size(image.dir().resolve("blobs/sha256/" + image.layerDigests().get(0).encoded()));
    startBoth();
  }

  private void startBoth() {
    a = node("a");
    b = node("b");
  }

  private HoistServer node(String name) {
    return HoistServer.start(
        ServerConfig.builder()
            .disk(DiskConfig.off())
            .listen("127.0.0.1", 0)
            .dataDir(dir.resolve("node-" + name))
            .storage(StorageConfig.defaults().withMetadata("storage.metadata", db.url()))
            .mirror(
                MirrorConfig.of(
                    List.of(
                        Upstream.known("docker.io")
                            .orElseThrow()
                            .withUrl(URI.create(upstream.url())))))
            .accelerator(
                AcceleratorConfig.builder()
                    .defaultQuotaBytes(QUOTA)
                    .flushInterval(Duration.ofMillis(200))
                    .build())
            .build());
  }

  private void stopBoth() {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
  }

  @AfterEach
  void stop() {
    stopBoth();
    if (upstream != null) {
      upstream.close();
    }
    if (db != null) {
      db.close();
    }
  }

  /** A client of {@code node} carrying {@code user}'s session cookie and CSRF token. */
  private static ApiClient sameSession(HoistServer node, ApiClient user) {
    ApiClient other = new ApiClient(node.url());
    other.session = user.session;
    other.csrf = user.csrf;
    return other;
  }

  private int me(ApiClient client) throws Exception {
    return client.send("GET", "/api/v1/me", null).statusCode();
  }

  @Test
  void aConsoleLoginOnOneNodeIsValidOnTheOtherAndALogoutOnEitherEndsIt() throws Exception {
    ApiClient onA = new ApiClient(a.url());
    onA.signup("alice@example.com", PASSWORD, null);
    onA.login("alice", PASSWORD);
    ApiClient onB = sameSession(b, onA);

    JsonNode me = onB.ok("GET", "/api/v1/me", null);
    assertThat(me.get("email").asText()).isEqualTo("alice@example.com");
    // A change on B with the CSRF token A handed out.
    String tenant = onB.start();
    assertThat(onA.ok("GET", "/api/v1/accelerator", null).get("tenantId").asText())
        .isEqualTo(tenant);

    assertThat(onB.send("POST", "/api/v1/logout", null).statusCode()).isEqualTo(204);
    assertThat(me(onA)).as("logged out on B, so on A too").isEqualTo(401);
  }

  @Test
  void sessionsSurviveARestartOfEveryNode() throws Exception {
    ApiClient onA = new ApiClient(a.url());
    onA.signup("alice@example.com", PASSWORD, null);

    stopBoth();
    startBoth();

    assertThat(me(sameSession(a, onA))).isEqualTo(200);
    assertThat(me(sameSession(b, onA))).isEqualTo(200);
  }

  @Test
  void theStoreKeepsOnlyAHashOfTheSessionTokenWhichIsNoCookie() throws Exception {
    ApiClient onA = new ApiClient(a.url());
    onA.signup("alice@example.com", PASSWORD, null);
    String stored;
    try (Connection c = db.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT token_hash FROM sessions")) {
      assertThat(rs.next()).isTrue();
      stored = rs.getString(1);
      assertThat(rs.next()).as("one session").isFalse();
    }

    assertThat(stored).isNotEqualTo(onA.session).isEqualTo(Sessions.key(onA.session));
    ApiClient thief = new ApiClient(b.url());
    thief.session = stored;
    thief.csrf = onA.csrf;
    assertThat(me(thief)).as("what the table holds does not sign anyone in").isEqualTo(401);
    assertThat(me(sameSession(b, onA))).isEqualTo(200);
  }

  @Test
  void anExpiredSessionIsRefusedOnTheOtherNode() throws Exception {
    ApiClient onA = new ApiClient(a.url());
    onA.signup("alice@example.com", PASSWORD, null);
    assertThat(me(sameSession(b, onA))).isEqualTo(200);

    db.execute("UPDATE sessions SET expires = " + (System.currentTimeMillis() - 1000));

    assertThat(me(sameSession(b, onA))).isEqualTo(401);
    assertThat(me(onA)).isEqualTo(401);
  }

  @Test
  void failedLoginsOnBothNodesAddUpToOneLockout() throws Exception {
    new ApiClient(a.url()).signup("alice@example.com", PASSWORD, null);
    ApiClient onA = new ApiClient(a.url());
    ApiClient onB = new ApiClient(b.url());
    Map<String, String> wrong = Map.of("email", "alice", "password", "not the password");
    for (int i = 0; i < 3; i++) {
      assertThat(onA.send("POST", "/api/v1/login", wrong).statusCode()).isEqualTo(401);
    }
    for (int i = 0; i < 2; i++) {
      assertThat(onB.send("POST", "/api/v1/login", wrong).statusCode()).isEqualTo(401);
    }

    // Five failures in all: now even the right password waits, on either node.
    Map<String, String> right = Map.of("email", "alice", "password", PASSWORD);
    HttpResponse<String> onALocked = onA.send("POST", "/api/v1/login", right);
    assertThat(onALocked.statusCode()).isEqualTo(429);
    assertThat(onALocked.headers().firstValue("Retry-After")).isPresent();
    assertThat(onB.send("POST", "/api/v1/login", right).statusCode()).isEqualTo(429);
  }

  @Test
  void aTenantsQuotaHoldsAcrossBothNodesOverrunByAtMostOneTransfer() throws Exception {
    ApiClient alice = new ApiClient(a.url());
    alice.signup("alice@example.com", PASSWORD, null);
    String tenant = alice.start();
    String path = "/m/" + tenant + "/v2/library/app/blobs/" + image.layerDigests().get(0);
    List<HoistServer> nodes = List.of(a, b);

    int requests = 40;
    ExecutorService pool = Executors.newFixedThreadPool(16);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<HttpResponse<byte[]>>> all = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      HoistServer node = nodes.get(i % 2);
      all.add(
          pool.submit(
              () -> {
                go.await();
                return http.send(
                    HttpRequest.newBuilder(URI.create(node.url() + path))
                        .timeout(Duration.ofSeconds(60))
                        .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
              }));
    }
    go.countDown();
    int served = 0;
    long bodies = 0;
    for (Future<HttpResponse<byte[]>> f : all) {
      HttpResponse<byte[]> r = f.get();
      bodies += r.body().length;
      if (r.statusCode() == 200) {
        served++;
        assertThat(Digest.sha256(r.body())).isEqualTo(image.layerDigests().get(0));
      } else {
        assertThat(r.statusCode()).isEqualTo(429);
      }
    }
    pool.shutdown();

    // Admitted while used + held < quota: 0, L, 2L, 3L are under 1 000 000 for L near 300 000.
    long admissible = (QUOTA + layer - 1) / layer;
    assertThat(served).isEqualTo((int) admissible);
    assertThat(served * layer)
        .as("over the quota by less than one transfer")
        .isGreaterThanOrEqualTo(QUOTA)
        .isLessThan(QUOTA + layer);
    // Both nodes refuse from now on, and every body byte was charged once, whichever node sent it.
    for (HoistServer node : nodes) {
      HttpResponse<byte[]> refused =
          http.send(
              HttpRequest.newBuilder(URI.create(node.url() + path)).build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(refused.statusCode()).isEqualTo(429);
      bodies += refused.body().length;
    }
    Thread.sleep(1000); // both nodes flush every 200 ms
    assertThat(alice.used()).isEqualTo(bodies);
    assertThat(sameSession(b, alice).used()).isEqualTo(bodies);
  }
}
