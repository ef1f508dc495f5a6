package dev.hoist.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import dev.hoist.testkit.TamperingProxy;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tampering proxy between Hoist and a real upstream: nothing wrong is ever cached or served as a
 * complete response, and the next request refetches.
 */
class MirrorFaultsIT {
  private static final int LAYER = 1_500_000;

  @TempDir Path dir;
  DockerRegistryProcess upstream;
  TamperingProxy proxy;
  HoistServer hoist;
  RandomImages.ImageLayout image;
  Digest layer;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() {
    upstream = DockerRegistryProcess.builder().workDir(dir.resolve("up")).start();
    image = RandomImages.writeLayout(dir.resolve("layout"), "1", 31, LAYER);
    Skopeo.create(dir.resolve("skopeo"))
        .copy(image.ociReference(), "docker://" + upstream.hostPort() + "/library/app:1");
    layer = image.layerDigests().get(0);
    proxy = TamperingProxy.start(upstream.url());
    hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(dir.resolve("hoist"))
                .mirror(
                    MirrorConfig.of(
                        List.of(
                            Upstream.known("docker.io")
                                .orElseThrow()
                                .withUrl(URI.create(proxy.url())))))
                .build());
  }

  @AfterEach
  void stop() {
    hoist.close();
    proxy.close();
    upstream.close();
  }

  private HttpResponse<byte[]> getBlob() throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(hoist.url() + "/v2/library/app/blobs/" + layer))
            .timeout(Duration.ofSeconds(60))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private String blobPath() {
    return "/v2/library/app/blobs/" + layer;
  }

  @Test
  void aFlippedByteIsNeverServedCompleteNorCachedAndTheNextRequestRefetches() throws Exception {
    proxy.on("GET", blobPath()).once().flipByte(LAYER / 2);
    // Either the fill fails while the client streams it (the connection is cut before the held-back
    // tail), or, when the whole fill ran first, the client gets an error status: never a 200.
    var answer = new java.util.concurrent.atomic.AtomicReference<HttpResponse<byte[]>>();
    Throwable failure = catchThrowable(() -> answer.set(getBlob()));
    if (failure == null) {
      assertThat(answer.get().statusCode())
          .as("the client must not receive a complete 200 of wrong bytes")
          .isNotEqualTo(200);
    }
    assertThat(hoist.dataDir().resolve("blobs/sha256").resolve(layer.encoded().substring(0, 2)))
        .doesNotExist();

    HttpResponse<byte[]> again = getBlob();
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(Digest.sha256(again.body())).isEqualTo(layer);
    assertThat(again.headers().firstValue("X-Hoist-Cache")).hasValue("MISS");
    assertThat(proxy.requestCount("GET", blobPath())).isEqualTo(2);
  }

  @Test
  void aClientReadingAFillWhenTheServerStopsGetsEveryByteAndTheFillIsCommitted() throws Exception {
    // About 2.3 s for the layer: the server is asked to stop while the fill is still running.
    proxy.on("GET", blobPath()).always().trickle(32 * 1024, Duration.ofMillis(50));
    URI uri = URI.create(hoist.url() + "/v2/library/app/blobs/" + layer);
    HttpResponse<InputStream> download =
        http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(download.statusCode()).isEqualTo(200);
    CompletableFuture<Void> stopping;
    try (InputStream in = download.body()) {
      byte[] first = in.readNBytes(100_000);
      stopping = CompletableFuture.runAsync(hoist::close);
      byte[] rest = in.readAllBytes();
      assertThat(Digest.sha256(concat(first, rest))).isEqualTo(layer);
    }
    stopping.get(30, TimeUnit.SECONDS);
    assertThat(proxy.requestCount("GET", blobPath())).isEqualTo(1);
    assertThat(
            hoist
                .dataDir()
                .resolve("blobs/sha256")
                .resolve(layer.encoded().substring(0, 2))
                .resolve(layer.encoded()))
        .exists();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  @Test
  void aTruncatedUpstreamTransferResumesWithRangeAndTheClientGetsEveryByte() throws Exception {
    proxy.on("GET", blobPath()).once().truncateAfter(LAYER / 3);
    HttpResponse<byte[]> r = getBlob();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(Digest.sha256(r.body())).isEqualTo(layer);
    assertThat(proxy.requestCount("GET", blobPath())).isEqualTo(2);
    assertThat(getBlob().headers().firstValue("X-Hoist-Cache")).hasValue("HIT");
  }

  @Test
  void aSlowTrickleStillArrivesWhole() throws Exception {
    proxy.on("GET", blobPath()).once().trickle(256 * 1024, Duration.ofMillis(50));
    HttpResponse<byte[]> r = getBlob();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(Digest.sha256(r.body())).isEqualTo(layer);
  }

  @Test
  void aRepositoryWhoseUpstreamLacksTheBlobCannotReadItFromAnotherRepositorysFillOrCache()
      throws Exception {
    proxy.on("GET", blobPath()).once().trickle(64 * 1024, Duration.ofMillis(100));
    // The answer's headers arrive once the fill is under way; its body takes seconds more.
    HttpResponse<java.io.InputStream> first =
        http.send(
            HttpRequest.newBuilder(URI.create(hoist.url() + blobPath())).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    String elsewhere = hoist.url() + "/v2/library/other/blobs/" + layer;

    HttpResponse<String> during =
        http.send(
            HttpRequest.newBuilder(URI.create(elsewhere)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(during.statusCode()).isEqualTo(404);
    assertThat(during.body()).contains("BLOB_UNKNOWN");

    assertThat(first.statusCode()).isEqualTo(200);
    try (java.io.InputStream body = first.body()) {
      assertThat(Digest.sha256(body.readAllBytes())).isEqualTo(layer);
    }
    HttpResponse<String> after =
        http.send(
            HttpRequest.newBuilder(URI.create(elsewhere)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(after.statusCode()).isEqualTo(404);
    assertThat(proxy.requestCount("GET", blobPath())).isEqualTo(1);
    assertThat(proxy.requestCount("HEAD", "/v2/library/other/blobs/.*")).isEqualTo(2);
  }

  @Test
  void readersOfABlobStillArrivingGetItsBytesAsTheyComeRangesIncludedAndAllAreCounted()
      throws Exception {
    byte[] expected =
        java.nio.file.Files.readAllBytes(image.dir().resolve("blobs/sha256/" + layer.encoded()));
    proxy.on("GET", blobPath()).once().trickle(64 * 1024, Duration.ofMillis(50));
    HttpResponse<java.io.InputStream> whole =
        http.send(
            HttpRequest.newBuilder(URI.create(hoist.url() + blobPath())).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(whole.statusCode()).isEqualTo(200);
    Path stored = hoist.dataDir().resolve("blobs/sha256").resolve(layer.encoded().substring(0, 2));
    try (java.io.InputStream body = whole.body()) {
      byte[] start = body.readNBytes(100_000);
      assertThat(start).isEqualTo(java.util.Arrays.copyOf(expected, 100_000));
      assertThat(stored).as("the first bytes come before the blob is complete").doesNotExist();

      HttpResponse<byte[]> range =
          http.send(
              HttpRequest.newBuilder(URI.create(hoist.url() + blobPath()))
                  .header("Range", "bytes=1000000-1099999")
                  .timeout(Duration.ofSeconds(60))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(range.statusCode()).isEqualTo(206);
      assertThat(range.body())
          .isEqualTo(java.util.Arrays.copyOfRange(expected, 1_000_000, 1_100_000));

      byte[] rest = body.readAllBytes();
      assertThat(rest).isEqualTo(java.util.Arrays.copyOfRange(expected, 100_000, expected.length));
    }
    assertThat(proxy.requestCount("GET", blobPath())).isEqualTo(1);
    String metrics =
        http.send(
                HttpRequest.newBuilder(URI.create(hoist.url() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    double served =
        metrics
            .lines()
            .filter(line -> line.startsWith("hoist_served_bytes_total "))
            .mapToDouble(line -> Double.parseDouble(line.substring(line.indexOf(' ') + 1)))
            .findFirst()
            .orElseThrow();
    assertThat(served).isGreaterThanOrEqualTo(expected.length + 100_000);
  }

  @Test
  void throttlingWithRetryAfterIsHonouredThenTheRequestSucceeds() throws Exception {
    proxy.on("GET", "/v2/library/app/manifests/.*").once().tooManyRequests(Duration.ofSeconds(1));
    proxy.on("HEAD", "/v2/library/app/manifests/.*").once().tooManyRequests(Duration.ofSeconds(1));
    HttpResponse<byte[]> r =
        http.send(
            HttpRequest.newBuilder(URI.create(hoist.url() + "/v2/library/app/manifests/1"))
                .header("Accept", String.join(",", MediaTypes.MANIFEST_TYPES))
                .timeout(Duration.ofSeconds(60))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(Digest.sha256(r.body())).isEqualTo(image.manifestDigest());
  }

  @Test
  void serverErrorsAreRetriedAndNothingBrokenIsCached() throws Exception {
    proxy.on("GET", blobPath()).times(2).respond(500);
    HttpResponse<byte[]> r = getBlob();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(Digest.sha256(r.body())).isEqualTo(layer);
  }

  @Test
  void anUpstreamThatKeepsFailingGivesAClearErrorAndStoresNothing() throws Exception {
    proxy.on("GET", blobPath()).always().respond(503);
    HttpResponse<byte[]> r;
    try {
      r = getBlob();
    } catch (IOException e) {
      throw new AssertionError("expected an error response, not a broken connection", e);
    }
    assertThat(r.statusCode()).isIn(502, 503);
    assertThat(new String(r.body())).contains("upstream docker.io");
    assertThat(hoist.dataDir().resolve("blobs/sha256").resolve(layer.encoded().substring(0, 2)))
        .doesNotExist();
  }
}
