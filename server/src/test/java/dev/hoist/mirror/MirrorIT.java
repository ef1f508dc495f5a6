package dev.hoist.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Referrers;
import dev.hoist.testkit.Skopeo;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hoist as a pull-through cache of a real Distribution registry, pulled through by skopeo. */
class MirrorIT {
  @TempDir Path dir;
  DockerRegistryProcess upstream;
  Skopeo skopeo;
  HoistServer hoist;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void startUpstream() {
    upstream =
        DockerRegistryProcess.builder()
            .deleteEnabled(true)
            .workDir(dir.resolve("upstream"))
            .start();
    skopeo = Skopeo.create(dir.resolve("skopeo"));
  }

  @AfterEach
  void stopAll() {
    if (hoist != null) {
      hoist.close();
    }
    upstream.close();
  }

  private HoistServer startHoist(MirrorConfig mirror) {
    hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(dir.resolve("hoist"))
                .mirror(mirror)
                .build());
    return hoist;
  }

  private MirrorConfig mirrorOfUpstream() {
    return MirrorConfig.of(
        List.of(Upstream.known("docker.io").orElseThrow().withUrl(URI.create(upstream.url()))));
  }

  private RandomImages.ImageLayout pushToUpstream(
      String repository, String tag, long seed, long... sizes) {
    RandomImages.ImageLayout layout =
        RandomImages.writeLayout(dir.resolve("layout-" + seed), tag, seed, sizes);
    skopeo.copy(
        layout.ociReference(), "docker://" + upstream.hostPort() + "/" + repository + ":" + tag);
    return layout;
  }

  private String hoistHost() {
    return "127.0.0.1:" + hoist.port();
  }

  private HttpResponse<byte[]> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(hoist.url() + path)).timeout(Duration.ofSeconds(60));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** JSON bodies. */
  private static final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    static JsonNode read(byte[] body) throws java.io.IOException {
      return MAPPER.readTree(body);
    }
  }

  private static String cache(HttpResponse<?> r) {
    return r.headers().firstValue("X-Hoist-Cache").orElse("(none)");
  }

  @Test
  void everyAddressingFormPullsTheSameImageFromOneCacheEntry() throws Exception {
    RandomImages.ImageLayout image = pushToUpstream("library/app", "1", 11, 300_000, 20_000);
    startHoist(mirrorOfUpstream());

    // The Docker daemon's form: library/ added by the client, no registry in the path.
    skopeo.copy("docker://" + hoistHost() + "/library/app:1", "oci:" + dir.resolve("out1") + ":1");
    // A single-component name: Hoist adds library/.
    skopeo.copy("docker://" + hoistHost() + "/app:1", "oci:" + dir.resolve("out2") + ":1");
    // Path-prefix form.
    skopeo.copy(
        "docker://" + hoistHost() + "/docker.io/library/app:1",
        "oci:" + dir.resolve("out3") + ":1");
    for (String out : List.of("out1", "out2", "out3")) {
      assertThat(Files.readString(dir.resolve(out).resolve("index.json")))
          .contains(image.manifestDigest().encoded());
    }
    // containerd's form: ?ns=docker.io.
    HttpResponse<byte[]> ns =
        get(
            "/v2/library/app/manifests/1?ns=docker.io",
            "Accept",
            String.join(",", MediaTypes.MANIFEST_TYPES));
    assertThat(ns.statusCode()).isEqualTo(200);
    assertThat(Digest.sha256(ns.body())).isEqualTo(image.manifestDigest());
    assertThat(cache(ns)).isEqualTo("HIT");

    // Each blob and the manifest came from the upstream once, however many routes asked.
    for (Digest layer : image.layerDigests()) {
      assertThat(upstream.requestCount("GET", "/v2/library/app/blobs/" + layer)).isEqualTo(1);
    }
    assertThat(upstream.requestCount("GET", "/v2/library/app/manifests/.*")).isEqualTo(1);
  }

  @Test
  void theDockerDaemonsRequestSequenceWorksAndSaysMissThenHit() throws Exception {
    RandomImages.ImageLayout image = pushToUpstream("library/web", "latest", 12, 100_000);
    startHoist(mirrorOfUpstream());
    String accept = String.join(", ", MediaTypes.MANIFEST_TYPES);
    assertThat(get("/v2/").statusCode()).isEqualTo(200);
    HttpResponse<byte[]> head =
        http.send(
            HttpRequest.newBuilder(URI.create(hoist.url() + "/v2/library/web/manifests/latest"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Accept", accept)
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(cache(head)).isEqualTo("MISS");
    assertThat(head.headers().firstValue("Docker-Content-Digest"))
        .hasValue(image.manifestDigest().toString());
    HttpResponse<byte[]> manifest =
        get("/v2/library/web/manifests/" + image.manifestDigest(), "Accept", accept);
    assertThat(manifest.statusCode()).isEqualTo(200);
    assertThat(cache(manifest)).isEqualTo("HIT");
    for (Digest blob : List.of(image.configDigest(), image.layerDigests().get(0))) {
      HttpResponse<byte[]> first = get("/v2/library/web/blobs/" + blob);
      assertThat(first.statusCode()).isEqualTo(200);
      if (blob.equals(image.configDigest())) {
        // Storing the manifest started a prefetch of its config, which may have finished first.
        assertThat(cache(first)).isIn("MISS", "HIT");
      } else {
        assertThat(cache(first)).isEqualTo("MISS");
      }
      assertThat(Digest.sha256(first.body())).isEqualTo(blob);
      HttpResponse<byte[]> again = get("/v2/library/web/blobs/" + blob);
      assertThat(cache(again)).isEqualTo("HIT");
      assertThat(Digest.sha256(again.body())).isEqualTo(blob);
    }
    HttpResponse<byte[]> tagAgain = get("/v2/library/web/manifests/latest", "Accept", accept);
    assertThat(cache(tagAgain)).isEqualTo("HIT");
  }

  @Test
  void referrersOfAMirroredImageComeFromTheUpstreamAndTheirManifestsThroughTheCache()
      throws Exception {
    RandomImages.ImageLayout image = pushToUpstream("library/signed", "1", 14, 50_000);
    Digest subject = image.manifestDigest();
    long subjectSize = Files.size(image.dir().resolve("blobs/sha256").resolve(subject.encoded()));
    startHoist(mirrorOfUpstream());
    String path = "/v2/library/signed/referrers/" + subject;

    // None yet: an empty index, as the spec asks.
    HttpResponse<byte[]> none = get(path);
    assertThat(none.statusCode()).isEqualTo(200);
    assertThat(Json.read(none.body()).get("manifests")).isEmpty();

    // A signature pushed later (Distribution 2.8 has no referrers API: the referrers tag).
    Referrers.Artifact signature =
        Referrers.pushArtifact(upstream.url(), "library/signed", subject, subjectSize, "alice");
    Referrers.pushReferrersTag(upstream.url(), "library/signed", subject, List.of(signature));

    HttpResponse<byte[]> listed = get(path);
    assertThat(listed.statusCode()).isEqualTo(200);
    assertThat(listed.headers().firstValue("Content-Type")).hasValue(MediaTypes.OCI_INDEX);
    JsonNode manifests = Json.read(listed.body()).get("manifests");
    assertThat(manifests).hasSize(1);
    assertThat(manifests.get(0).get("digest").asText()).isEqualTo(signature.digest().toString());
    assertThat(manifests.get(0).get("artifactType").asText()).isEqualTo(Referrers.ARTIFACT_TYPE);

    HttpResponse<byte[]> filtered = get(path + "?artifactType=application/vnd.other");
    assertThat(filtered.headers().firstValue("OCI-Filters-Applied")).hasValue("artifactType");
    assertThat(Json.read(filtered.body()).get("manifests")).isEmpty();

    // The referrer itself is fetched by digest through the mirror, and cached.
    HttpResponse<byte[]> manifest =
        get(
            "/v2/library/signed/manifests/" + signature.digest(),
            "Accept",
            MediaTypes.OCI_MANIFEST);
    assertThat(manifest.statusCode()).isEqualTo(200);
    assertThat(Digest.sha256(manifest.body())).isEqualTo(signature.digest());
    assertThat(cache(get("/v2/library/signed/manifests/" + signature.digest()))).isEqualTo("HIT");

    // Only configured upstreams, and only real digests.
    assertThat(get("/v2/library/signed/referrers/sha256:nothex").statusCode()).isEqualTo(400);
  }

  @Test
  void sixteenConcurrentColdPullsFetchEachBlobFromTheUpstreamOnce() throws Exception {
    RandomImages.ImageLayout image = pushToUpstream("library/big", "1", 13, 8_000_000, 2_000_000);
    startHoist(mirrorOfUpstream());
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<Path>> pulls = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        Path out = dir.resolve("pull-" + i);
        Callable<Path> pull =
            () -> {
              skopeo.copy("docker://" + hoistHost() + "/library/big:1", "dir:" + out);
              return out;
            };
        pulls.add(pool.submit(pull));
      }
      List<Path> outs = new ArrayList<>();
      for (Future<Path> f : pulls) {
        outs.add(f.get());
      }
      for (Digest layer : image.layerDigests()) {
        assertThat(upstream.requestCount("GET", "/v2/library/big/blobs/" + layer))
            .as(
                "upstream GETs of %s; its access log: %s",
                layer,
                upstream.accessLog().stream()
                    .filter(e -> e.path().contains(layer.encoded()))
                    .toList())
            .isEqualTo(1);
        byte[] first = Files.readAllBytes(outs.get(0).resolve(layer.encoded()));
        assertThat(Digest.sha256(first)).isEqualTo(layer);
        for (Path out : outs) {
          assertThat(Files.readAllBytes(out.resolve(layer.encoded()))).isEqualTo(first);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void mutationsOnMirroredNamesAreRefusedAndOnlyConfiguredUpstreamsAreReachable() throws Exception {
    startHoist(mirrorOfUpstream());
    HttpResponse<String> push =
        http.send(
            HttpRequest.newBuilder(URI.create(hoist.url() + "/v2/library/app/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(push.statusCode()).isEqualTo(405);
    assertThat(push.body()).contains("UNSUPPORTED");
    HttpResponse<byte[]> metadataService =
        get("/v2/latest/meta-data/manifests/x?ns=169.254.169.254");
    assertThat(metadataService.statusCode()).isEqualTo(403);
    assertThat(new String(metadataService.body())).contains("DENIED");
  }

  @Test
  void aTwoPlatformIndexAndADockerSchema2ImagePullThrough() throws Exception {
    RandomImages.IndexLayout index =
        RandomImages.writeIndexLayout(dir.resolve("index-layout"), "multi", 21, 40_000);
    skopeo.copy(
        index.ociReference(), "docker://" + upstream.hostPort() + "/library/multi:multi", "--all");
    RandomImages.ImageLayout v2 =
        RandomImages.writeLayout(dir.resolve("v2-layout"), "v2", 22, 30_000);
    skopeo.copy(
        v2.ociReference(),
        "docker://" + upstream.hostPort() + "/library/v2:v2",
        "--format",
        "v2s2");
    startHoist(mirrorOfUpstream());

    skopeo.copy(
        "docker://" + hoistHost() + "/library/multi:multi",
        "oci:" + dir.resolve("multi-out") + ":multi",
        "--all");
    assertThat(Files.readString(dir.resolve("multi-out").resolve("index.json")))
        .contains(index.indexDigest().encoded());
    for (RandomImages.Image platform : index.manifests()) {
      assertThat(dir.resolve("multi-out/blobs/sha256").resolve(platform.manifestDigest().encoded()))
          .exists();
    }

    byte[] upstreamRaw = skopeo.inspectRaw("docker://" + upstream.hostPort() + "/library/v2:v2");
    byte[] mirroredRaw = skopeo.inspectRaw("docker://" + hoistHost() + "/library/v2:v2");
    assertThat(mirroredRaw).isEqualTo(upstreamRaw);
    assertThat(new String(mirroredRaw)).contains(MediaTypes.DOCKER_MANIFEST);
    skopeo.copy("docker://" + hoistHost() + "/library/v2:v2", "dir:" + dir.resolve("v2-out"));
  }

  @Test
  void metricsCountHitsMissesUpstreamRequestsAndBytes() throws Exception {
    RandomImages.ImageLayout image = pushToUpstream("library/m", "1", 23, 200_000);
    startHoist(mirrorOfUpstream());
    skopeo.copy("docker://" + hoistHost() + "/library/m:1", "oci:" + dir.resolve("m1") + ":1");
    skopeo.copy("docker://" + hoistHost() + "/library/m:1", "oci:" + dir.resolve("m2") + ":1");
    String metrics = new String(get("/metrics").body());
    // The layer is a miss on the first pull; the config is one too, unless the prefetch that
    // follows its manifest stored it before skopeo asked; the second pull hits both.
    double blobMisses =
        metricValue(metrics, "hoist_mirror_requests_total{kind=\"blob\",result=\"miss\"}");
    double blobHits =
        metricValue(metrics, "hoist_mirror_requests_total{kind=\"blob\",result=\"hit\"}");
    assertThat(blobMisses).isBetween(1.0, 2.0);
    assertThat(blobHits).isGreaterThanOrEqualTo(2);
    assertThat(blobMisses + blobHits).isEqualTo(4);
    assertThat(metricValue(metrics, "hoist_mirror_fill_bytes_total"))
        .isGreaterThanOrEqualTo(200_000);
    assertThat(metrics).contains("hoist_upstream_requests_seconds_count{method=\"GET\"");
    assertThat(metrics).contains("hoist_mirror_fills_in_flight");
    assertThat(metricValue(metrics, "hoist_served_bytes_total")).isGreaterThan(400_000);
    assertThat(image.layerDigests()).isNotEmpty();
  }

  private static double metricValue(String scrape, String series) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    throw new AssertionError("no series " + series + " in\n" + scrape);
  }

  @Test
  void prefetchingSiblingPlatformsMakesTheOtherPlatformAHit() throws Exception {
    RandomImages.IndexLayout index =
        RandomImages.writeIndexLayout(dir.resolve("prefetch-layout"), "p", 24, 60_000);
    skopeo.copy(index.ociReference(), "docker://" + upstream.hostPort() + "/library/p:p", "--all");
    startHoist(mirrorOfUpstream().toBuilder().prefetchSiblings(true).build());
    HttpResponse<byte[]> indexResponse =
        get("/v2/library/p/manifests/p", "Accept", String.join(",", MediaTypes.MANIFEST_TYPES));
    assertThat(cache(indexResponse)).isEqualTo("MISS");
    RandomImages.Image arm = index.image("linux/arm64");
    Digest armLayer = arm.layerDigests().get(0);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (upstream.requestCount("GET", "/v2/library/p/blobs/" + armLayer) == 0
        && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    Thread.sleep(300);
    HttpResponse<byte[]> manifest = get("/v2/library/p/manifests/" + arm.manifestDigest());
    assertThat(cache(manifest)).isEqualTo("HIT");
    HttpResponse<byte[]> layer = get("/v2/library/p/blobs/" + armLayer);
    assertThat(cache(layer)).isEqualTo("HIT");
    assertThat(Digest.sha256(layer.body())).isEqualTo(armLayer);
  }
}
