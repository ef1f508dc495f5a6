package dev.hoist.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.oci.Digest;
import dev.hoist.testkit.TestPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /healthz} and {@code /readyz} on a real server, with stores that really fail. */
class HealthIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private HoistServer hoist;

  @AfterEach
  void stop() {
    if (hoist != null) {
      hoist.close();
    }
  }

  private static ServerConfig.Builder config(Path dataDir) {
    return ServerConfig.builder().disk(DiskConfig.off()).listen("127.0.0.1", 0).dataDir(dataDir);
  }

  @Test
  void aServerWhoseStoresAnswerIsAliveAndReady() throws Exception {
    hoist = HoistServer.start(config(dir).build());

    HttpResponse<String> live = get("/healthz");
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(live.body()).path("status").asText()).isEqualTo("ok");

    HttpResponse<String> ready = get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode body = JSON.readTree(ready.body());
    assertThat(body.path("status").asText()).isEqualTo("ready");
    assertThat(body.path("failed")).isEmpty();
    assertThat(body.path("checks").path("metadata").asText()).isEqualTo("ok");
    assertThat(body.path("checks").path("blobs").asText()).isEqualTo("ok");
  }

  @Test
  void readinessNamesTheBlobStoreWhileItsDirectoryIsGoneAndRecoversWhenItIsBack() throws Exception {
    hoist = HoistServer.start(config(dir).build());
    Path blobs = dir.resolve("blobs");
    assertThat(get("/readyz").statusCode()).isEqualTo(200);

    // Gone, and a file in its place: unusable even to root.
    deleteTree(blobs);
    Files.writeString(blobs, "not a directory");

    HttpResponse<String> ready = get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(503);
    JsonNode body = JSON.readTree(ready.body());
    assertThat(body.path("status").asText()).isEqualTo("not ready");
    assertThat(body.path("failed").toString()).isEqualTo("[\"blobs\"]");
    assertThat(body.path("checks").path("blobs").asText())
        .as("why stays in the log, not in an unauthenticated answer")
        .isEqualTo("failed");
    assertThat(body.toString()).doesNotContain(dir.toString());
    assertThat(body.path("checks").path("metadata").asText()).isEqualTo("ok");
    assertThat(get("/healthz").statusCode()).as("alive all the same").isEqualTo(200);

    Files.delete(blobs);
    Files.createDirectory(blobs);
    assertThat(get("/readyz").statusCode()).isEqualTo(200);
  }

  @Test
  void readinessNamesTheMetadataStoreOnceItsPostgresSchemaIsDropped() throws Exception {
    try (TestPostgres db = TestPostgres.newSchema("readiness")) {
      hoist =
          HoistServer.start(
              config(dir)
                  .storage(StorageConfig.defaults().withMetadata("storage.metadata", db.url()))
                  .build());
      assertThat(get("/readyz").statusCode()).isEqualTo(200);

      db.execute("DROP SCHEMA " + db.schema() + " CASCADE");

      HttpResponse<String> ready = get("/readyz");
      assertThat(ready.statusCode()).isEqualTo(503);
      JsonNode body = JSON.readTree(ready.body());
      assertThat(body.path("failed").toString()).isEqualTo("[\"metadata\"]");
      assertThat(body.path("checks").path("metadata").asText()).isEqualTo("failed");
      assertThat(body.path("checks").path("blobs").asText()).isEqualTo("ok");
      hoist.close();
      hoist = null;
    }
  }

  @Test
  void aStoppingServerAnswersNotReadyWhileItStillServesThenClosesItsPort() throws Exception {
    hoist =
        HoistServer.start(
            config(dir)
                .shutdownGrace(Duration.ofSeconds(20))
                .health(new HealthConfig(Duration.ofSeconds(2), Duration.ofSeconds(3)))
                .build());
    byte[] blob = new byte[32 * 1024 * 1024];
    new Random(18).nextBytes(blob);
    Digest digest = Digest.sha256(blob);
    HttpResponse<String> pushed =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(hoist.url() + "/v2/health/blobs/uploads/?digest=" + digest))
                .POST(HttpRequest.BodyPublishers.ofByteArray(blob))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(pushed.statusCode()).isEqualTo(201);
    HttpClient other = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<InputStream> download =
        other.send(
            HttpRequest.newBuilder(URI.create(hoist.url() + "/v2/health/blobs/" + digest)).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(download.statusCode()).isEqualTo(200);
    String url = hoist.url();
    CompletableFuture<Void> closing;
    try (InputStream in = download.body()) {
      byte[] first = in.readNBytes(1024 * 1024);
      HoistServer stopping = hoist;
      hoist = null;
      closing = CompletableFuture.runAsync(stopping::close);

      // Not ready at once, while new connections are still accepted and served.
      HttpResponse<String> ready = awaitStatus(url + "/readyz", 503, Duration.ofSeconds(2));
      assertThat(JSON.readTree(ready.body()).path("status").asText()).isEqualTo("stopping");
      assertThat(send(fresh(), url + "/healthz").statusCode()).isEqualTo(200);
      assertThat(send(fresh(), url + "/v2/").statusCode()).isEqualTo(200);

      // After the drain delay the port closes; the download in flight still gets every byte.
      awaitRefused(url + "/healthz", Duration.ofSeconds(10));
      byte[] rest = in.readAllBytes();
      assertThat(first.length + rest.length).isEqualTo(blob.length);
      byte[] whole = new byte[blob.length];
      System.arraycopy(first, 0, whole, 0, first.length);
      System.arraycopy(rest, 0, whole, first.length, rest.length);
      assertThat(Digest.sha256(whole)).isEqualTo(digest);
    }
    closing.join();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send(http, hoist.url() + path);
  }

  /** A client of its own, so that every request opens a new connection. */
  private static HttpClient fresh() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  private static HttpResponse<String> send(HttpClient client, String url) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> awaitStatus(String url, int status, Duration within)
      throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      HttpResponse<String> r = send(fresh(), url);
      if (r.statusCode() == status || System.nanoTime() > deadline) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return r;
      }
      Thread.sleep(20);
    }
  }

  private static void awaitRefused(String url, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        send(fresh(), url);
      } catch (IOException refusedOrDropped) {
        // Refused, or accepted in the instant the port closed and dropped without an answer.
        return;
      }
      Thread.sleep(50);
    }
    assertThatThrownBy(() -> send(fresh(), url)).isInstanceOf(IOException.class);
  }

  private static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
