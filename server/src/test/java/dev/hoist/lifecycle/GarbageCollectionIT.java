package dev.hoist.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Garbage collection of a hosted registry on demand ({@code POST /api/v1/admin/gc}): what a deleted
 * manifest alone used goes once unused for the grace window, what anything still uses stays, and a
 * push that uploads its blobs before its manifest is never broken.
 */
class GarbageCollectionIT {
  /** Long enough for a push, a delete and a collection to fit in it on a busy machine. */
  private static final Duration GRACE = Duration.ofSeconds(4);

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private HoistServer hoist;
  private Skopeo skopeo;
  private Path dataDir;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @BeforeEach
  void startHoist() {
    dataDir = dir.resolve("hoist");
    hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off().withGc(GRACE, Duration.ZERO))
                .listen("127.0.0.1", 0)
                .dataDir(dataDir)
                .build());
    skopeo = Skopeo.create(dir.resolve("skopeo"));
  }

  @AfterEach
  void stopHoist() {
    if (hoist != null) {
      hoist.close();
    }
  }

  @Test
  void aDeletedImagesOwnBlobsGoAfterTheGraceAndWhatIsSharedStays() throws Exception {
    String host = "127.0.0.1:" + hoist.port();
    // The same seed and first layer size: both images have the same first layer.
    RandomImages.ImageLayout kept =
        RandomImages.writeLayout(dir.resolve("kept"), "kept", 41, 3_000_000);
    RandomImages.ImageLayout deleted =
        RandomImages.writeLayout(dir.resolve("deleted"), "deleted", 41, 3_000_000, 1_000_000);
    Digest shared = kept.layerDigests().get(0);
    assertThat(deleted.layerDigests().get(0)).isEqualTo(shared);
    skopeo.copy(kept.ociReference(), "docker://" + host + "/team/app:kept");
    skopeo.copy(deleted.ociReference(), "docker://" + host + "/team/app:deleted");

    HttpResponse<String> delete =
        send("DELETE", "/v2/team/app/manifests/" + deleted.manifestDigest(), null);
    assertThat(delete.statusCode()).as(delete.body()).isEqualTo(202);
    List<Digest> own =
        List.of(deleted.manifestDigest(), deleted.configDigest(), deleted.layerDigests().get(1));
    long ownBytes = 0;
    for (Digest d : own) {
      ownBytes += Files.size(blobFile(d));
    }

    // Within the grace window nothing goes: a push may be about to use these blobs.
    JsonNode early = gc(false);
    assertThat(early.path("blobs").asInt()).as("%s", early).isZero();
    assertThat(early.path("bytes").asLong()).isZero();
    own.forEach(d -> assertThat(blobFile(d)).exists());

    Thread.sleep(GRACE.plusMillis(500).toMillis());
    JsonNode dry = gc(true);
    assertThat(dry.path("dryRun").asBoolean()).isTrue();
    assertThat(dry.path("blobs").asInt()).as("%s", dry).isEqualTo(3);
    assertThat(dry.path("bytes").asLong()).isEqualTo(ownBytes);
    own.forEach(d -> assertThat(blobFile(d)).as("kept by a dry run").exists());

    JsonNode report = gc(false);
    assertThat(report.path("dryRun").asBoolean()).isFalse();
    assertThat(report.path("blobs").asInt()).as("%s", report).isEqualTo(3);
    assertThat(report.path("bytes").asLong()).isEqualTo(ownBytes);
    own.forEach(d -> assertThat(blobFile(d)).as("collected").doesNotExist());
    assertThat(
            send("GET", "/v2/team/app/blobs/" + deleted.layerDigests().get(1), null).statusCode())
        .isEqualTo(404);
    for (Digest d : List.of(kept.manifestDigest(), kept.configDigest(), shared)) {
      assertThat(blobFile(d)).as("still used: %s", d).exists();
    }

    // The other image, shared layer included, is intact.
    Path out = dir.resolve("kept-out");
    skopeo.copy("docker://" + host + "/team/app:kept", "dir:" + out);
    CacheEvictionIT.assertPulled(out, kept.image());

    // Nothing left to collect.
    assertThat(gc(false).path("blobs").asInt()).isZero();
  }

  @Test
  void aBlobPushedBeforeItsManifestSurvivesACollectionInTheGraceWindow() throws Exception {
    byte[] layer = RandomImages.randomBytes(42, 500_000);
    byte[] config =
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
            .getBytes(StandardCharsets.UTF_8);
    Digest layerDigest = upload("team/early", layer);
    Digest configDigest = upload("team/early", config);

    // A collection between the blobs and the manifest: the grace window keeps them.
    JsonNode report = gc(false);
    assertThat(report.path("blobs").asInt()).as("%s", report).isZero();
    assertThat(blobFile(layerDigest)).exists();

    byte[] manifest = manifest(configDigest, config.length, layerDigest, layer.length);
    HttpResponse<String> put =
        send(
            "PUT",
            "/v2/team/early/manifests/1",
            HttpRequest.BodyPublishers.ofByteArray(manifest),
            "Content-Type",
            MediaTypes.OCI_MANIFEST);
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    HttpResponse<byte[]> pulled = getBytes("/v2/team/early/blobs/" + layerDigest);
    assertThat(pulled.statusCode()).isEqualTo(200);
    assertThat(Digest.sha256(pulled.body())).isEqualTo(layerDigest);

    // Once referenced, no grace is needed to keep them.
    Thread.sleep(GRACE.plusMillis(500).toMillis());
    assertThat(gc(false).path("blobs").asInt()).isZero();
    HttpResponse<byte[]> manifestAgain = getBytes("/v2/team/early/manifests/1");
    assertThat(manifestAgain.statusCode()).isEqualTo(200);
    assertThat(manifestAgain.body()).isEqualTo(manifest);
    assertThat(blobFile(layerDigest)).exists();
    assertThat(blobFile(configDigest)).exists();
  }

  @Test
  void aBlobNeverReferencedGoesAfterTheGraceAndADryRunOnlyReportsIt() throws Exception {
    byte[] orphan = RandomImages.randomBytes(43, 700_000);
    Digest digest = upload("team/orphan", orphan);
    assertThat(gc(false).path("blobs").asInt()).isZero();

    Thread.sleep(GRACE.plusMillis(500).toMillis());
    JsonNode dry = gc(true);
    assertThat(dry.path("blobs").asInt()).as("%s", dry).isEqualTo(1);
    assertThat(dry.path("bytes").asLong()).isEqualTo(orphan.length);
    // (No GET here: serving a blob is a use, which would start its grace again.)
    assertThat(blobFile(digest)).exists();

    JsonNode report = gc(false);
    assertThat(report.path("blobs").asInt()).as("%s", report).isEqualTo(1);
    assertThat(report.path("bytes").asLong()).isEqualTo(orphan.length);
    assertThat(blobFile(digest)).doesNotExist();
    assertThat(getBytes("/v2/team/orphan/blobs/" + digest).statusCode()).isEqualTo(404);

    String metrics = send("GET", "/metrics", null).body();
    assertThat(CacheEvictionIT.metricValue(metrics, "hoist_gc_blobs_total")).isEqualTo(1);
    assertThat(CacheEvictionIT.metricValue(metrics, "hoist_gc_bytes_total"))
        .isEqualTo(orphan.length);
  }

  /** Where the filesystem blob store keeps a blob (storage.fs.package-info). */
  private Path blobFile(Digest digest) {
    String hex = digest.encoded();
    return dataDir
        .resolve("blobs")
        .resolve(digest.algorithm())
        .resolve(hex.substring(0, 2))
        .resolve(hex);
  }

  private JsonNode gc(boolean dryRun) throws Exception {
    HttpResponse<String> r =
        send(
            "POST",
            "/api/v1/admin/gc" + (dryRun ? "?dryRun=true" : ""),
            HttpRequest.BodyPublishers.noBody());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  /** A monolithic upload: POST for a session, then one PUT with the bytes and the digest. */
  private Digest upload(String repository, byte[] content) throws Exception {
    Digest digest = Digest.sha256(content);
    HttpResponse<String> start =
        send("POST", "/v2/" + repository + "/blobs/uploads/", HttpRequest.BodyPublishers.noBody());
    assertThat(start.statusCode()).as(start.body()).isEqualTo(202);
    String location = start.headers().firstValue("Location").orElseThrow();
    URI target = URI.create(hoist.url()).resolve(location);
    String put = target + (target.getRawQuery() == null ? "?" : "&") + "digest=" + digest;
    HttpResponse<String> done =
        http.send(
            HttpRequest.newBuilder(URI.create(put))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content))
                .header("Content-Type", "application/octet-stream")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(done.statusCode()).as(done.body()).isEqualTo(201);
    return digest;
  }

  private static byte[] manifest(Digest config, long configSize, Digest layer, long layerSize)
      throws Exception {
    ObjectNode m = JSON.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", MediaTypes.OCI_MANIFEST);
    m.putObject("config")
        .put("mediaType", MediaTypes.OCI_CONFIG)
        .put("digest", config.toString())
        .put("size", configSize);
    m.putArray("layers")
        .addObject()
        .put("mediaType", MediaTypes.OCI_LAYER_TAR_GZIP)
        .put("digest", layer.toString())
        .put("size", layerSize);
    return JSON.writeValueAsBytes(m);
  }

  private HttpResponse<byte[]> getBytes(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(hoist.url() + path))
            .header("Accept", MediaTypes.OCI_MANIFEST)
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpResponse<String> send(
      String method, String path, HttpRequest.BodyPublisher body, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(hoist.url() + path))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : body)
            .timeout(Duration.ofSeconds(30));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
