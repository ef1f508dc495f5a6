package dev.hoist.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import dev.hoist.testkit.TokenServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tag freshness, stale serving, isolation between upstreams, and token-authenticated upstreams. */
class MirrorFreshnessIT {
  private static final String ACCEPT = String.join(", ", MediaTypes.MANIFEST_TYPES);

  @TempDir Path dir;
  DockerRegistryProcess upstream;
  DockerRegistryProcess secondUpstream;
  TokenServer tokens;
  HoistServer hoist;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stopAll() {
    if (hoist != null) {
      hoist.close();
    }
    for (AutoCloseable c : new AutoCloseable[] {upstream, secondUpstream, tokens}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception ignored) {
        // best effort
      }
    }
  }

  private Skopeo skopeo() {
    return Skopeo.create(dir.resolve("skopeo"));
  }

  private RandomImages.ImageLayout push(
      DockerRegistryProcess registry, String repository, String tag, long seed) {
    RandomImages.ImageLayout layout =
        RandomImages.writeLayout(dir.resolve("layout-" + seed), tag, seed, 50_000);
    skopeo()
        .copy(
            layout.ociReference(),
            "docker://" + registry.hostPort() + "/" + repository + ":" + tag);
    return layout;
  }

  private void startHoist(MirrorConfig mirror) {
    hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(dir.resolve("hoist"))
                .mirror(mirror)
                .build());
  }

  private static MirrorConfig mirrorOf(DockerRegistryProcess registry, Duration fresh) {
    return MirrorConfig.builder()
        .upstreams(
            List.of(Upstream.known("docker.io").orElseThrow().withUrl(URI.create(registry.url()))))
        .freshnessRules(
            List.of(new FreshnessRule("**", "*", fresh, Duration.ZERO, Duration.ofDays(7))))
        .build();
  }

  private HttpResponse<byte[]> manifest(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(hoist.url() + path))
            .header("Accept", ACCEPT)
            .timeout(Duration.ofSeconds(60))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String cache(HttpResponse<?> r) {
    return r.headers().firstValue("X-Hoist-Cache").orElse("(none)");
  }

  /** Waits until the upstream has answered {@code n} GETs of the blob (the config prefetch). */
  private void awaitBlobGets(Digest blob, int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (upstream.requestCount("GET", "/v2/.+/blobs/" + blob) < n
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(upstream.requestCount("GET", "/v2/.+/blobs/" + blob)).isEqualTo(n);
  }

  @Test
  void theConfigIsFetchedWithItsManifestSoThePullThatAsksForItHitsIt() throws Exception {
    upstream = DockerRegistryProcess.builder().workDir(dir.resolve("up")).start();
    RandomImages.ImageLayout image = push(upstream, "library/app", "1", 1);
    startHoist(mirrorOf(upstream, Duration.ofHours(1)));

    assertThat(cache(manifest("/v2/library/app/manifests/1"))).isEqualTo("MISS");
    awaitBlobGets(image.configDigest(), 1);

    HttpResponse<byte[]> config =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(hoist.url() + "/v2/library/app/blobs/" + image.configDigest()))
                .timeout(Duration.ofSeconds(60))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(config.statusCode()).isEqualTo(200);
    assertThat(cache(config)).isEqualTo("HIT");
    assertThat(Digest.sha256(config.body())).isEqualTo(image.configDigest());
    assertThat(upstream.requestCount("GET", "/v2/.+/blobs/" + image.configDigest()))
        .as("fetched once, by the prefetch")
        .isEqualTo(1);
    assertThat(upstream.requestCount("GET", "/v2/.+/blobs/" + image.layerDigests().get(0)))
        .as("layers are not prefetched: a client may have them")
        .isZero();
  }

  @Test
  void aFreshTagIsServedWithoutAskingTheUpstream() throws Exception {
    upstream = DockerRegistryProcess.builder().workDir(dir.resolve("up")).start();
    RandomImages.ImageLayout image = push(upstream, "library/app", "1", 1);
    startHoist(mirrorOf(upstream, Duration.ofHours(1)));
    assertThat(cache(manifest("/v2/library/app/manifests/1"))).isEqualTo("MISS");
    awaitBlobGets(image.configDigest(), 1); // the config prefetch, done before the log is cleared
    upstream.clearAccessLog();
    for (int i = 0; i < 5; i++) {
      HttpResponse<byte[]> r = manifest("/v2/library/app/manifests/1");
      assertThat(cache(r)).isEqualTo("HIT");
      assertThat(Digest.sha256(r.body())).isEqualTo(image.manifestDigest());
    }
    assertThat(upstream.accessLog()).isEmpty();
  }

  @Test
  void aMovedTagIsServedOnceItsFreshTimeEndsAndTheOldDigestStaysPullable() throws Exception {
    upstream = DockerRegistryProcess.builder().workDir(dir.resolve("up")).start();
    RandomImages.ImageLayout first = push(upstream, "library/app", "1", 1);
    startHoist(mirrorOf(upstream, Duration.ZERO));
    assertThat(Digest.sha256(manifest("/v2/library/app/manifests/1").body()))
        .isEqualTo(first.manifestDigest());
    assertThat(upstream.requestCount("HEAD", "/v2/library/app/manifests/.*"))
        .as("a tag seen for the first time is fetched with one GET, no HEAD before it")
        .isZero();
    assertThat(upstream.requestCount("GET", "/v2/library/app/manifests/1")).isEqualTo(1);
    HttpResponse<byte[]> same = manifest("/v2/library/app/manifests/1");
    assertThat(cache(same)).isEqualTo("REVALIDATED");
    assertThat(upstream.requestCount("HEAD", "/v2/library/app/manifests/1")).isGreaterThan(0);
    assertThat(upstream.requestCount("GET", "/v2/library/app/manifests/.*"))
        .as("revalidation uses HEAD, not GET")
        .isEqualTo(1);

    RandomImages.ImageLayout second = push(upstream, "library/app", "1", 2);
    HttpResponse<byte[]> moved = manifest("/v2/library/app/manifests/1");
    assertThat(cache(moved)).isEqualTo("MISS");
    assertThat(Digest.sha256(moved.body())).isEqualTo(second.manifestDigest());
    HttpResponse<byte[]> old = manifest("/v2/library/app/manifests/" + first.manifestDigest());
    assertThat(old.statusCode()).isEqualTo(200);
    assertThat(cache(old)).isEqualTo("HIT");
  }

  @Test
  void cachedTagsArePulledStaleWhenTheUpstreamIsDownAndUncachedOnesFailClearly() throws Exception {
    upstream = DockerRegistryProcess.builder().workDir(dir.resolve("up")).start();
    RandomImages.ImageLayout image = push(upstream, "library/app", "1", 1);
    push(upstream, "library/other", "1", 3);
    startHoist(mirrorOf(upstream, Duration.ZERO));
    skopeo()
        .copy(
            "docker://127.0.0.1:" + hoist.port() + "/library/app:1",
            "oci:" + dir.resolve("warm") + ":1");
    upstream.close();

    HttpResponse<byte[]> stale = manifest("/v2/library/app/manifests/1");
    assertThat(stale.statusCode()).isEqualTo(200);
    assertThat(cache(stale)).isEqualTo("STALE");
    assertThat(Digest.sha256(stale.body())).isEqualTo(image.manifestDigest());
    skopeo()
        .copy(
            "docker://127.0.0.1:" + hoist.port() + "/library/app:1",
            "oci:" + dir.resolve("while-down") + ":1");

    HttpResponse<byte[]> uncached = manifest("/v2/library/other/manifests/1");
    assertThat(uncached.statusCode()).isIn(502, 503);
    assertThat(new String(uncached.body())).contains("upstream docker.io");
  }

  @Test
  void aTagOfOneUpstreamIsNeverServedForAnother() throws Exception {
    upstream = DockerRegistryProcess.builder().workDir(dir.resolve("up")).start();
    secondUpstream = DockerRegistryProcess.builder().workDir(dir.resolve("up2")).start();
    RandomImages.ImageLayout fromHub = push(upstream, "org/app", "1", 1);
    RandomImages.ImageLayout fromGhcr = push(secondUpstream, "org/app", "1", 2);
    startHoist(
        MirrorConfig.of(
            List.of(
                Upstream.known("docker.io").orElseThrow().withUrl(URI.create(upstream.url())),
                Upstream.known("ghcr.io")
                    .orElseThrow()
                    .withUrl(URI.create(secondUpstream.url())))));
    assertThat(Digest.sha256(manifest("/v2/org/app/manifests/1").body()))
        .isEqualTo(fromHub.manifestDigest());
    assertThat(Digest.sha256(manifest("/v2/ghcr.io/org/app/manifests/1").body()))
        .isEqualTo(fromGhcr.manifestDigest());
    assertThat(Digest.sha256(manifest("/v2/org/app/manifests/1?ns=ghcr.io").body()))
        .isEqualTo(fromGhcr.manifestDigest());
    assertThat(Digest.sha256(manifest("/v2/org/app/manifests/1?ns=docker.io").body()))
        .isEqualTo(fromHub.manifestDigest());
    HttpResponse<byte[]> crossed =
        manifest("/v2/ghcr.io/org/app/manifests/" + fromHub.manifestDigest());
    assertThat(crossed.statusCode())
        .as("ghcr.io does not have docker.io's manifest")
        .isEqualTo(404);
  }

  @Test
  void pullsAnonymouslyThroughAnUpstreamThatUsesTokenAuth() throws Exception {
    tokens =
        TokenServer.builder().user("alice", "s3cret", "pull", "push").anonymousPull(true).start();
    upstream =
        DockerRegistryProcess.builder()
            .workDir(dir.resolve("up"))
            .tokenAuth(tokens.realm(), tokens.service(), tokens.issuer(), tokens.certificatePem())
            .start();
    RandomImages.ImageLayout layout =
        RandomImages.writeLayout(dir.resolve("layout"), "1", 5, 70_000);
    skopeo()
        .copy(
            layout.ociReference(),
            "docker://" + upstream.hostPort() + "/library/secure:1",
            "--dest-creds",
            "alice:s3cret");
    startHoist(mirrorOf(upstream, Duration.ofMinutes(5)));
    skopeo()
        .copy(
            "docker://127.0.0.1:" + hoist.port() + "/library/secure:1",
            "oci:" + dir.resolve("out") + ":1");
    assertThat(java.nio.file.Files.readString(dir.resolve("out").resolve("index.json")))
        .contains(layout.manifestDigest().encoded());
  }
}
