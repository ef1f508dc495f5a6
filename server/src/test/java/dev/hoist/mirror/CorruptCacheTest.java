package dev.hoist.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.oci.Digest;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cached blob or manifest whose stored size is not the recorded one goes to the quarantine and is
 * fetched from the upstream again; no client gets the bad bytes. The upstream is a second Hoist on
 * loopback.
 */
class CorruptCacheTest {
  private static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";

  @TempDir Path dir;
  private HoistServer upstream;
  private HoistServer mirror;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private final byte[] config =
      "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
  private final byte[] layer = random(300_000, 7);
  private byte[] manifest;

  @BeforeEach
  void start() throws Exception {
    upstream =
        HoistServer.start(
            ServerConfig.builder().listen("127.0.0.1", 0).dataDir(dir.resolve("up")).build());
    pushBlob(config);
    pushBlob(layer);
    manifest = manifest().getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> put =
        http.send(
            HttpRequest.newBuilder(URI.create(upstream.url() + "/v2/library/app/manifests/1"))
                .header("Content-Type", MANIFEST_TYPE)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    mirror =
        HoistServer.start(
            ServerConfig.builder()
                .listen("127.0.0.1", 0)
                .dataDir(dir.resolve("mirror"))
                .mirror(
                    MirrorConfig.of(
                        List.of(
                            Upstream.known("docker.io")
                                .orElseThrow()
                                .withUrl(URI.create(upstream.url())))))
                .build());
  }

  @AfterEach
  void stop() {
    if (mirror != null) {
      mirror.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  @Test
  void aCachedBlobOfAnotherSizeIsQuarantinedAndFetchedAgain() throws Exception {
    Digest digest = Digest.sha256(layer);
    HttpResponse<byte[]> first = get("/v2/library/app/blobs/" + digest);
    assertThat(first.statusCode()).isEqualTo(200);
    Path cached = cachedFile(digest);
    awaitStored(cached, layer.length);
    try (var channel = Files.newByteChannel(cached, StandardOpenOption.WRITE)) {
      channel.truncate(100_000);
    }

    HttpResponse<byte[]> again = get("/v2/library/app/blobs/" + digest);

    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.body()).isEqualTo(layer);
    assertThat(again.headers().firstValue("X-Hoist-Cache")).hasValue("MISS");
    assertThat(quarantined()).singleElement().satisfies(p -> assertThat(p).hasSize(100_000));
    awaitStored(cached, layer.length);
    assertThat(cached).hasBinaryContent(layer);
    HttpResponse<byte[]> hit = get("/v2/library/app/blobs/" + digest);
    assertThat(hit.body()).isEqualTo(layer);
    assertThat(hit.headers().firstValue("X-Hoist-Cache")).hasValue("HIT");
  }

  @Test
  void aCachedManifestOfAnotherSizeIsQuarantinedAndFetchedAgain() throws Exception {
    Digest digest = Digest.sha256(manifest);
    String path = "/v2/library/app/manifests/" + digest;
    assertThat(get(path, "Accept", MANIFEST_TYPE).statusCode()).isEqualTo(200);
    awaitStored(cachedFile(digest), manifest.length);
    Files.write(cachedFile(digest), new byte[] {' '}, StandardOpenOption.APPEND);

    HttpResponse<byte[]> again = get(path, "Accept", MANIFEST_TYPE);

    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.body()).isEqualTo(manifest);
    assertThat(quarantined()).hasSize(1);
    HttpResponse<byte[]> byTag = get("/v2/library/app/manifests/1", "Accept", MANIFEST_TYPE);
    assertThat(byTag.body()).isEqualTo(manifest);
  }

  private HttpResponse<byte[]> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(mirror.url() + path)).timeout(Duration.ofSeconds(30));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private void pushBlob(byte[] bytes) throws Exception {
    HttpResponse<String> started =
        http.send(
            HttpRequest.newBuilder(URI.create(upstream.url() + "/v2/library/app/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
    String location = started.headers().firstValue("Location").orElseThrow();
    URI put =
        URI.create(upstream.url())
            .resolve(
                location + (location.contains("?") ? "&" : "?") + "digest=" + Digest.sha256(bytes));
    HttpResponse<String> done =
        http.send(
            HttpRequest.newBuilder(put)
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(done.statusCode()).as(done.body()).isEqualTo(201);
  }

  private String manifest() {
    return "{\"schemaVersion\":2,\"mediaType\":\""
        + MANIFEST_TYPE
        + "\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
        + "\"digest\":\""
        + Digest.sha256(config)
        + "\",\"size\":"
        + config.length
        + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
        + "\"digest\":\""
        + Digest.sha256(layer)
        + "\",\"size\":"
        + layer.length
        + "}]}";
  }

  /** A fill answers before it commits (fsync, rename): waits for the blob in the store. */
  private static void awaitStored(Path file, long size) throws Exception {
    for (int i = 0; i < 500 && !(Files.exists(file) && Files.size(file) == size); i++) {
      Thread.sleep(10);
    }
  }

  private Path cachedFile(Digest digest) {
    String hex = digest.encoded();
    return dir.resolve("mirror/blobs/sha256").resolve(hex.substring(0, 2)).resolve(hex);
  }

  private List<Path> quarantined() throws Exception {
    Path quarantine = dir.resolve("mirror/quarantine");
    if (!Files.isDirectory(quarantine)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(quarantine)) {
      return files.toList();
    }
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }
}
