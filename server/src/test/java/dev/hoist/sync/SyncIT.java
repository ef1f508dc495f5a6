package dev.hoist.sync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.mirror.FreshnessRule;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.mirror.Upstream;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Referrers;
import dev.hoist.testkit.Skopeo;
import dev.hoist.testkit.TamperingProxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sync rules run against a real Distribution registry, driven through {@code /api/v1/sync}. */
class SyncIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  DockerRegistryProcess upstream;
  TamperingProxy proxy;
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
    proxy = TamperingProxy.start(upstream.url());
    skopeo = Skopeo.create(dir.resolve("skopeo"));
  }

  @AfterEach
  void stopAll() {
    if (hoist != null) {
      hoist.close();
    }
    proxy.close();
    upstream.close();
  }

  private void startHoist(List<FreshnessRule> freshness) {
    startHoist(proxy.url(), freshness, SYNC);
  }

  private static final SyncConfig SYNC =
      SyncConfig.builder()
          .tick(Duration.ofMillis(200))
          .prewarmTopK(5)
          .prewarmWindow(Duration.ofHours(1))
          .prewarmLead(Duration.ofSeconds(30))
          .build();

  private void startHoist(String upstreamUrl, List<FreshnessRule> freshness, SyncConfig sync) {
    MirrorConfig mirror =
        MirrorConfig.builder()
            .upstreams(
                List.of(Upstream.known("docker.io").orElseThrow().withUrl(URI.create(upstreamUrl))))
            .hostedPrefixes(List.of("mirror", "kept"))
            .build();
    if (!freshness.isEmpty()) {
      mirror = mirror.toBuilder().freshnessRules(freshness).build();
    }
    hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(dir.resolve("hoist"))
                .mirror(mirror)
                .sync(sync)
                .build());
  }

  private RandomImages.ImageLayout push(String repository, String tag, long seed, long... sizes) {
    RandomImages.ImageLayout layout =
        RandomImages.writeLayout(dir.resolve("layout-" + seed), tag, seed, sizes);
    skopeo.copy(
        layout.ociReference(), "docker://" + upstream.hostPort() + "/" + repository + ":" + tag);
    return layout;
  }

  private HttpResponse<String> api(String method, String path, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(hoist.url() + "/api/v1/sync" + path))
            .timeout(Duration.ofMinutes(3));
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private void createRule(String json) throws Exception {
    HttpResponse<String> r = api("POST", "", json);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }

  private JsonNode run(String rule) throws Exception {
    HttpResponse<String> r = api("POST", "/" + rule + "/run?wait=true", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private HttpResponse<byte[]> manifest(String repository, String reference) throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create(hoist.url() + "/v2/" + repository + "/manifests/" + reference))
            .header("Accept", String.join(",", MediaTypes.MANIFEST_TYPES))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private String digestOf(HttpResponse<?> r) {
    return r.headers().firstValue("Docker-Content-Digest").orElse("(none)");
  }

  /** Distribution writes its access log asynchronously: let it catch up. */
  private void settle() throws InterruptedException {
    Thread.sleep(500);
  }

  private static final String APP_RULE =
      """
      {"name": "app", "upstream": "docker.io", "repositories": ["library/app"],
       "tags": {"semver": ">=1.0 <2"},
       "destination": {"type": "hosted", "from": "library/*", "to": "mirror/library/*"},
       "vanished": "delete"}
      """;

  @Test
  void aRuleCopiesTheSelectedTagsAndASecondRunTransfersNoBlobBytes() throws Exception {
    RandomImages.ImageLayout one = push("library/app", "1.0", 1, 200_000, 3_000);
    RandomImages.ImageLayout oneOne = push("library/app", "1.1", 2, 150_000);
    push("library/app", "2.0", 3, 10_000);
    push("library/app", "latest", 3, 10_000);
    startHoist(List.of());
    createRule(APP_RULE);

    JsonNode first = run("app");
    assertThat(first.get("copiedImages").asLong()).isEqualTo(2);
    assertThat(first.get("failedImages").asLong()).isZero();
    assertThat(first.get("copiedBytes").asLong()).isGreaterThan(350_000);
    assertThat(first.get("lastError").isNull()).isTrue();
    assertThat(digestOf(manifest("mirror/library/app", "1.0")))
        .isEqualTo(one.manifestDigest().toString());
    assertThat(digestOf(manifest("mirror/library/app", "1.1")))
        .isEqualTo(oneOne.manifestDigest().toString());
    assertThat(manifest("mirror/library/app", "2.0").statusCode()).isEqualTo(404);
    assertThat(manifest("mirror/library/app", "latest").statusCode()).isEqualTo(404);
    // Any client can pull the copy.
    skopeo.copy(
        "docker://127.0.0.1:" + hoist.port() + "/mirror/library/app:1.0",
        "oci:" + dir.resolve("pulled") + ":1.0");
    assertThat(Files.readString(dir.resolve("pulled").resolve("index.json")))
        .contains(one.manifestDigest().encoded());

    settle();
    upstream.clearAccessLog();
    JsonNode second = run("app");
    settle();
    assertThat(second.get("copiedImages").asLong()).isZero();
    assertThat(second.get("skippedImages").asLong()).isEqualTo(2);
    assertThat(second.get("copiedBytes").asLong()).isZero();
    assertThat(upstream.bytesServedFor("/blobs/")).isZero();
    assertThat(upstream.requestCount("GET", ".*/manifests/.*")).isZero();
    assertThat(upstream.requestCount("HEAD", ".*/manifests/1\\.[01]")).isEqualTo(2);
    // Referrers: the API is asked once per run (Distribution 2.8 lacks it), then a HEAD of each
    // image's referrers tag, which is absent.
    assertThat(upstream.requestCount("GET", ".*/referrers/.*")).isEqualTo(1);
    assertThat(upstream.requestCount("HEAD", ".*/manifests/sha256-[0-9a-f]{64}")).isEqualTo(2);
    assertThat(upstream.requestCount(null, ".*")).isEqualTo(6);

    HttpResponse<String> status = api("GET", "/app/status", null);
    assertThat(JSON.readTree(status.body()).get("skippedImages").asLong()).isEqualTo(2);
    HttpResponse<String> metrics =
        http.send(
            HttpRequest.newBuilder(URI.create(hoist.url() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.body())
        .contains("hoist_sync_images_total{result=\"copied\",rule=\"app\"} 2.0");
  }

  @Test
  void aMovedTagIsUpdatedAndAVanishedTagIsDeletedOrKeptPerPolicy() throws Exception {
    push("library/app", "1.0", 1, 20_000);
    push("library/app", "1.1", 2, 20_000);
    startHoist(List.of());
    createRule(APP_RULE);
    createRule(
        """
        {"name": "kept", "upstream": "docker.io", "repositories": ["library/app"],
         "destination": {"type": "hosted", "from": "library/*", "to": "kept/library/*"},
         "vanished": "keep"}
        """);
    run("app");
    run("kept");

    RandomImages.ImageLayout moved = push("library/app", "1.1", 22, 30_000);
    skopeo.delete("docker://" + upstream.hostPort() + "/library/app:1.0");

    JsonNode again = run("app");
    assertThat(again.get("copiedImages").asLong()).isEqualTo(1);
    assertThat(digestOf(manifest("mirror/library/app", "1.1")))
        .isEqualTo(moved.manifestDigest().toString());
    assertThat(manifest("mirror/library/app", "1.0").statusCode()).isEqualTo(404);

    run("kept");
    assertThat(digestOf(manifest("kept/library/app", "1.1")))
        .isEqualTo(moved.manifestDigest().toString());
    assertThat(manifest("kept/library/app", "1.0").statusCode()).isEqualTo(200);
  }

  @Test
  void anInterruptedRunLeavesNoPartialImageAndTheNextRunCompletesIt() throws Exception {
    push("library/app", "1.0", 1, 50_000);
    RandomImages.ImageLayout broken = push("library/app", "1.1", 2, 400_000);
    startHoist(List.of());
    createRule(APP_RULE);
    // The upstream goes away in the middle of the big layer of 1.1, every time it is asked.
    TamperingProxy.Rule cut =
        proxy.on("GET", ".*/blobs/" + broken.layerDigests().get(0)).always().truncateAfter(100_000);

    JsonNode interrupted = run("app");
    assertThat(interrupted.get("copiedImages").asLong()).isEqualTo(1);
    assertThat(interrupted.get("failedImages").asLong()).isEqualTo(1);
    assertThat(interrupted.get("lastError").asText()).contains("1.1");
    // Nothing of 1.1 is visible: no tag, no manifest by digest.
    assertThat(manifest("mirror/library/app", "1.1").statusCode()).isEqualTo(404);
    assertThat(manifest("mirror/library/app", broken.manifestDigest().toString()).statusCode())
        .isEqualTo(404);

    cut.remove();
    settle();
    upstream.clearAccessLog();
    JsonNode resumed = run("app");
    settle();
    assertThat(resumed.get("copiedImages").asLong()).isEqualTo(1);
    assertThat(resumed.get("skippedImages").asLong()).isEqualTo(1);
    assertThat(resumed.get("failedImages").asLong()).isZero();
    assertThat(digestOf(manifest("mirror/library/app", "1.1")))
        .isEqualTo(broken.manifestDigest().toString());
    // The config blob that arrived before the cut is not fetched again.
    assertThat(upstream.requestCount("GET", ".*/blobs/" + broken.configDigest())).isZero();
  }

  @Test
  void aThrottledRunSlowsDownThenCompletes() throws Exception {
    for (int i = 0; i < 4; i++) {
      push("library/app", "1." + i, 10 + i, 5_000);
    }
    startHoist(List.of());
    createRule(APP_RULE);
    TamperingProxy.Rule throttle = proxy.throttle(4, Duration.ofSeconds(2));

    long started = System.nanoTime();
    JsonNode status = run("app");
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(status.get("copiedImages").asLong()).isEqualTo(4);
    assertThat(status.get("failedImages").asLong()).isZero();
    assertThat(throttle.fired()).isPositive();
    // 1 tag list + 4 x (HEAD, GET manifest, 2 blobs) = 17 requests at 4 per 2 s.
    assertThat(took).isGreaterThan(Duration.ofSeconds(4));
    for (int i = 0; i < 4; i++) {
      assertThat(manifest("mirror/library/app", "1." + i).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aTagWarmedIntoTheMirrorCacheIsAHitWithNoUpstreamRequest() throws Exception {
    RandomImages.ImageLayout x = push("library/x", "1", 5, 100_000);
    startHoist(List.of());
    createRule(
        """
        {"name": "warm-x", "upstream": "docker.io", "repositories": ["library/x"],
         "tags": {"include": "1"}, "destination": {"type": "mirror"}}
        """);
    JsonNode warmed = run("warm-x");
    assertThat(warmed.get("copiedImages").asLong()).isEqualTo(1);

    settle();
    upstream.clearAccessLog();
    int proxied = proxy.requestCount();
    HttpResponse<byte[]> tag = manifest("library/x", "1");
    assertThat(tag.statusCode()).isEqualTo(200);
    assertThat(tag.headers().firstValue("X-Hoist-Cache")).contains("HIT");
    assertThat(digestOf(tag)).isEqualTo(x.manifestDigest().toString());
    skopeo.copy(
        "docker://127.0.0.1:" + hoist.port() + "/library/x:1", "oci:" + dir.resolve("x") + ":1");
    settle();
    assertThat(proxy.requestCount()).isEqualTo(proxied);
    assertThat(upstream.accessLog()).isEmpty();
  }

  @Test
  void aClientPullingWhileARunCopiesIntoTheMirrorCacheSharesEachBlobsOneUpstreamTransfer()
      throws Exception {
    RandomImages.ImageLayout x = push("library/shared", "1", 7, 1_000_000);
    Digest layer = x.layerDigests().get(0);
    String layerPath = ".*/blobs/" + layer;
    // About 1.6 s for the layer: the run is still copying it when the client asks.
    TamperingProxy.Rule slow =
        proxy.on("GET", layerPath).always().trickle(64 * 1024, Duration.ofMillis(100));
    startHoist(List.of());
    createRule(
        """
        {"name": "warm-shared", "upstream": "docker.io", "repositories": ["library/shared"],
         "tags": {"include": "1"}, "destination": {"type": "mirror"}}
        """);
    var running =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return run("warm-shared");
              } catch (Exception e) {
                throw new CompletionException(e);
              }
            });
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (slow.fired() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(slow.fired()).as("the run is copying the layer").isEqualTo(1);

    skopeo.copy(
        "docker://127.0.0.1:" + hoist.port() + "/library/shared:1",
        "oci:" + dir.resolve("shared") + ":1");
    JsonNode ran = running.get(1, TimeUnit.MINUTES);

    assertThat(ran.get("copiedImages").asLong()).isEqualTo(1);
    assertThat(ran.get("failedImages").asLong()).isZero();
    assertThat(slow.fired()).isEqualTo(1);
    assertThat(proxy.requestCount("GET", layerPath)).isEqualTo(1);
    assertThat(Files.readAllBytes(blobFile(dir.resolve("shared"), layer)))
        .isEqualTo(Files.readAllBytes(blobFile(x.dir(), layer)));
    // The cache holds it: the next pull is served without the upstream.
    HttpResponse<byte[]> tag = manifest("library/shared", "1");
    assertThat(tag.headers().firstValue("X-Hoist-Cache")).contains("HIT");
  }

  private static Path blobFile(Path layout, Digest digest) {
    return layout.resolve("blobs").resolve(digest.algorithm()).resolve(digest.encoded());
  }

  @Test
  void aRunIntoTheMirrorCacheOfAnUpstreamNamedWithAPortLandsWhereTheMirrorServesIt()
      throws Exception {
    RandomImages.ImageLayout x = push("library/x", "1", 8, 10_000);
    String name = upstream.hostPort(); // 127.0.0.1:<port>, cached as 127.0.0.1-<port>/...
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
                                .withUrl(URI.create(proxy.url())),
                            new Upstream(name, URI.create(upstream.url()), null, null, null))))
                .sync(SYNC)
                .build());
    createRule(
        """
        {"name": "ported", "upstream": "%s", "repositories": ["library/x"],
         "tags": {"include": "1"}, "destination": {"type": "mirror"}}
        """
            .formatted(name));
    JsonNode ran = run("ported");
    assertThat(ran.get("copiedImages").asLong()).as(ran.toString()).isEqualTo(1);

    settle();
    upstream.clearAccessLog();
    HttpResponse<byte[]> tag = manifest("library/x", "1?ns=" + name);
    assertThat(tag.statusCode()).isEqualTo(200);
    assertThat(tag.headers().firstValue("X-Hoist-Cache")).contains("HIT");
    assertThat(digestOf(tag)).isEqualTo(x.manifestDigest().toString());
    settle();
    assertThat(upstream.accessLog()).isEmpty();
  }

  @Test
  void aHotMirroredTagIsRevalidatedBeforeItsFreshTimeEnds() throws Exception {
    push("library/hot", "1", 6, 10_000);
    // Fresh for 2 s; pre-warming starts 30 s before the end, so at once after each pull.
    startHoist(
        List.of(
            new FreshnessRule(
                "docker.io/library/hot",
                "*",
                Duration.ofSeconds(2),
                Duration.ZERO,
                Duration.ofDays(7))));
    HttpResponse<byte[]> miss = manifest("library/hot", "1");
    assertThat(miss.headers().firstValue("X-Hoist-Cache")).contains("MISS");

    RandomImages.ImageLayout moved = push("library/hot", "1", 66, 12_000);
    // The pre-warmer sees the hot tag and fetches the moved image in the background.
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    HttpResponse<byte[]> later = manifest("library/hot", "1");
    while (!digestOf(later).equals(moved.manifestDigest().toString())
        && System.nanoTime() < deadline) {
      Thread.sleep(200);
      later = manifest("library/hot", "1");
    }
    assertThat(digestOf(later)).isEqualTo(moved.manifestDigest().toString());
    assertThat(later.headers().firstValue("X-Hoist-Cache")).contains("HIT");
  }

  @Test
  void theApiListsUpdatesAndDeletesRulesAndRejectsBadOnes() throws Exception {
    startHoist(List.of());
    createRule(APP_RULE);
    HttpResponse<String> twice = api("POST", "", APP_RULE);
    assertThat(twice.statusCode()).isEqualTo(409);
    assertError(twice, "RULE_EXISTS", "rule app exists");
    HttpResponse<String> bad =
        api(
            "POST",
            "",
            "{\"name\": \"bad\", \"upstream\": \"docker.io\", \"repositories\": [\"a\"],"
                + " \"tags\": {\"semver\": \">=x\"}}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertError(bad, "RULE_INVALID", "not a version");
    HttpResponse<String> badInterval =
        api(
            "POST",
            "",
            "{\"name\": \"later\", \"upstream\": \"docker.io\", \"repositories\": [\"a\"],"
                + " \"schedule\": {\"interval\": \"soon\"}}");
    assertThat(badInterval.statusCode()).isEqualTo(400);
    assertError(
        badInterval,
        "RULE_INVALID",
        "schedule.interval: 'soon' is not a duration (e.g. 500ms, 10s, 30m, 24h, 7d, PT1H)");
    HttpResponse<String> notJson = api("POST", "", "{\"name\": ");
    assertThat(notJson.statusCode()).isEqualTo(400);
    assertError(notJson, "BODY_INVALID", "the body is not JSON");
    HttpResponse<String> mirrored =
        api(
            "POST",
            "",
            "{\"name\": \"m\", \"upstream\": \"docker.io\", \"repositories\": [\"a\"]}");
    assertThat(mirrored.statusCode()).isEqualTo(400);
    assertError(mirrored, "RULE_INVALID", "mirror.hosted");

    HttpResponse<String> put =
        api(
            "PUT",
            "/app",
            "{\"upstream\": \"docker.io\", \"repositories\": [\"library/app\"],"
                + " \"destination\": {\"type\": \"hosted\", \"to\": \"mirror/app\"},"
                + " \"schedule\": {\"cron\": \"0 3 * * *\"}}");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    JsonNode list = JSON.readTree(api("GET", "", null).body());
    assertThat(list.get("rules")).hasSize(1);
    JsonNode rule = list.get("rules").get(0);
    assertThat(rule.get("destination").get("to").asText()).isEqualTo("mirror/app");
    assertThat(rule.get("status").get("nextRun").asText()).endsWith("T03:00:00Z");

    assertThat(api("DELETE", "/app", null).statusCode()).isEqualTo(204);
    HttpResponse<String> gone = api("GET", "/app", null);
    assertThat(gone.statusCode()).isEqualTo(404);
    assertError(gone, "RULE_UNKNOWN", "no sync rule app");
    assertThat(api("POST", "/app/run", null).statusCode()).isEqualTo(404);
    HttpResponse<String> nowhere = api("GET", "/app/history", null);
    assertThat(nowhere.statusCode()).isEqualTo(404);
    assertError(nowhere, "NOT_FOUND", "no such endpoint");
    HttpResponse<String> patch = api("PATCH", "", "{}");
    assertThat(patch.statusCode()).isEqualTo(405);
    assertError(patch, "METHOD_NOT_ALLOWED", "method not allowed");
  }

  /** The one error shape of /api/v1: {"errors":[{"code","message"}]}, as JSON. */
  private static void assertError(HttpResponse<String> r, String code, String message)
      throws Exception {
    assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.fieldNames()).toIterable().containsExactly("errors");
    assertThat(body.get("errors")).hasSize(1);
    assertThat(body.get("errors").get(0).get("code").asText()).isEqualTo(code);
    assertThat(body.get("errors").get(0).get("message").asText()).contains(message);
  }

  private JsonNode referrers(String repository, String digest) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(hoist.url() + "/v2/" + repository + "/referrers/" + digest))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private static List<String> digests(JsonNode index) {
    List<String> out = new java.util.ArrayList<>();
    index.get("manifests").forEach(m -> out.add(m.get("digest").asText()));
    return out;
  }

  private long manifestSize(RandomImages.ImageLayout layout) throws Exception {
    return Files.size(
        layout.dir().resolve("blobs/sha256").resolve(layout.manifestDigest().encoded()));
  }

  @Test
  void referrersComeFromTheReferrersTagOfAnUpstreamWithoutTheApiAndLaterOnesFollow()
      throws Exception {
    RandomImages.ImageLayout app = push("library/app", "1.0", 1, 20_000);
    Digest subject = app.manifestDigest();
    Referrers.Artifact signature =
        Referrers.pushArtifact(
            upstream.url(), "library/app", subject, manifestSize(app), "signed by alice");
    Referrers.pushReferrersTag(upstream.url(), "library/app", subject, List.of(signature));
    startHoist(List.of());
    createRule(APP_RULE);

    JsonNode first = run("app");

    assertThat(first.get("copiedImages").asLong()).isEqualTo(1);
    assertThat(first.get("failedImages").asLong()).as(first.toString()).isZero();
    JsonNode listed = referrers("mirror/library/app", subject.toString());
    assertThat(digests(listed)).containsExactly(signature.digest().toString());
    assertThat(listed.get("manifests").get(0).get("artifactType").asText())
        .isEqualTo(Referrers.ARTIFACT_TYPE);
    assertThat(manifest("mirror/library/app", signature.digest().toString()).statusCode())
        .isEqualTo(200);
    // The referrers tag is how the upstream lists them, not an image to copy.
    assertThat(skopeo.listTags("docker://127.0.0.1:" + hoist.port() + "/mirror/library/app"))
        .containsExactly("1.0");

    // A signature added after the image was copied arrives with the next run.
    Referrers.Artifact second =
        Referrers.pushArtifact(
            upstream.url(), "library/app", subject, manifestSize(app), "signed by bob");
    Referrers.pushReferrersTag(upstream.url(), "library/app", subject, List.of(signature, second));
    JsonNode again = run("app");
    assertThat(again.get("copiedImages").asLong()).isEqualTo(1);
    assertThat(digests(referrers("mirror/library/app", subject.toString())))
        .containsExactlyInAnyOrder(signature.digest().toString(), second.digest().toString());
  }

  @Test
  void referrersComeFromTheReferrersApiOfAnUpstreamThatHasIt() throws Exception {
    try (HoistServer source =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(dir.resolve("source"))
                .build())) {
      RandomImages.ImageLayout app =
          RandomImages.writeLayout(dir.resolve("layout-api"), "1.0", 4, 20_000);
      skopeo.copy(app.ociReference(), "docker://127.0.0.1:" + source.port() + "/library/app:1.0");
      Digest subject = app.manifestDigest();
      Referrers.Artifact signature =
          Referrers.pushArtifact(
              source.url(), "library/app", subject, manifestSize(app), "signed by carol");
      startHoist(source.url(), List.of(), SYNC);
      createRule(APP_RULE);

      JsonNode status = run("app");

      assertThat(status.get("copiedImages").asLong()).as(status.toString()).isEqualTo(1);
      assertThat(digests(referrers("mirror/library/app", subject.toString())))
          .containsExactly(signature.digest().toString());
      // The source has no referrers tag: the referrer can only have come from its API.
      assertThat(skopeo.listTags("docker://127.0.0.1:" + source.port() + "/library/app"))
          .containsExactly("1.0");
    }
  }

  @Test
  void vanishedDeleteIntoTheMirrorCacheDropsTheCachedTagOfAVanishedUpstreamTag() throws Exception {
    push("library/x", "1", 7, 10_000);
    push("library/x", "2", 8, 10_000);
    startHoist(List.of());
    createRule(
        """
        {"name": "warm-x", "upstream": "docker.io", "repositories": ["library/x"],
         "destination": {"type": "mirror"}, "vanished": "delete"}
        """);
    run("warm-x");
    assertThat(manifest("library/x", "2").headers().firstValue("X-Hoist-Cache")).contains("HIT");

    skopeo.delete("docker://" + upstream.hostPort() + "/library/x:2");
    run("warm-x");

    settle();
    upstream.clearAccessLog();
    // Without the policy, tag 2 would still be a fresh HIT (and served STALE once the upstream
    // fails); now the mirror knows it is gone and answers 404 without asking.
    assertThat(manifest("library/x", "2").statusCode()).isEqualTo(404);
    assertThat(manifest("library/x", "1").headers().firstValue("X-Hoist-Cache")).contains("HIT");
    settle();
    assertThat(upstream.requestCount(null, ".*/manifests/.*")).isZero();
  }

  @Test
  void aRunCutOffByAnUpstreamThatStopsLeavesNoPartialImageAndTheNextRunCompletesIt()
      throws Exception {
    // Newest first: 1.1 is copied whole, then the upstream stops during 1.0.
    push("library/app", "1.1", 1, 50_000);
    RandomImages.ImageLayout big = push("library/app", "1.0", 2, 2_000_000);
    // About one request a second after a burst of ten, so the run is still going when the
    // upstream is stopped; no proxy: the registry process itself goes away.
    startHoist(
        upstream.url(),
        List.of(),
        SYNC.toBuilder()
            .concurrency(4)
            .requestsPerMinute(60)
            .maxBackoff(Duration.ofSeconds(5))
            .build());
    createRule(APP_RULE);
    CompletableFuture<HttpResponse<String>> running =
        http.sendAsync(
            HttpRequest.newBuilder(URI.create(hoist.url() + "/api/v1/sync/app/run?wait=true"))
                .timeout(Duration.ofMinutes(3))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    // Stop once the config blob of 1.0 is stored, before its layer is asked for.
    Path config =
        dir.resolve("hoist/blobs/sha256")
            .resolve(big.configDigest().encoded().substring(0, 2))
            .resolve(big.configDigest().encoded());
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!Files.exists(config) && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(config).exists();
    upstream.stop();

    JsonNode interrupted = JSON.readTree(running.get(3, TimeUnit.MINUTES).body());
    assertThat(interrupted.get("copiedImages").asLong()).as(interrupted.toString()).isEqualTo(1);
    assertThat(interrupted.get("failedImages").asLong()).isEqualTo(1);
    assertThat(interrupted.get("lastError").asText()).contains("1.0");
    assertThat(manifest("mirror/library/app", "1.1").statusCode()).isEqualTo(200);
    // Nothing of 1.0 is visible: no tag, no manifest by digest, no half-written layer.
    assertThat(manifest("mirror/library/app", "1.0").statusCode()).isEqualTo(404);
    assertThat(manifest("mirror/library/app", big.manifestDigest().toString()).statusCode())
        .isEqualTo(404);
    assertThat(
            Files.exists(
                dir.resolve("hoist/blobs/sha256")
                    .resolve(big.layerDigests().get(0).encoded().substring(0, 2))
                    .resolve(big.layerDigests().get(0).encoded())))
        .isFalse();

    upstream.restart();
    upstream.clearAccessLog();
    JsonNode resumed = run("app");
    settle();
    assertThat(resumed.get("copiedImages").asLong()).as(resumed.toString()).isEqualTo(1);
    assertThat(resumed.get("skippedImages").asLong()).isEqualTo(1);
    assertThat(resumed.get("failedImages").asLong()).isZero();
    assertThat(digestOf(manifest("mirror/library/app", "1.0")))
        .isEqualTo(big.manifestDigest().toString());
    // What arrived before the stop is not fetched again.
    assertThat(upstream.requestCount("GET", ".*/blobs/" + big.configDigest())).isZero();
    assertThat(upstream.requestCount("GET", ".*/blobs/" + big.layerDigests().get(0))).isEqualTo(1);
  }
}
