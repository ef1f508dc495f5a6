package dev.hoist.accelerator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.mirror.Upstream;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenants pulling through their personal addresses from a Hoist that mirrors a real Distribution
 * registry: metering to the byte, quotas, and addresses that cannot be spoofed.
 */
class AcceleratorIT {
  static final String DOMAIN = "m.test";
  static final long LAYER = 300_000;

  @TempDir Path dir;
  DockerRegistryProcess upstream;
  Skopeo skopeo;
  HoistServer hoist;
  RandomImages.ImageLayout image;
  long layer; // the first layer's exact size
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void startUpstream() {
    upstream = DockerRegistryProcess.builder().workDir(dir.resolve("upstream")).start();
    skopeo = Skopeo.create(dir.resolve("skopeo"));
    image = RandomImages.writeLayout(dir.resolve("layout"), "1", 7, LAYER, 20_000);
    skopeo.copy(image.ociReference(), "docker://" + upstream.hostPort() + "/library/app:1");
    try {
      layer =
          Files.size(image.dir().resolve("blobs/sha256/" + image.layerDigests().get(0).encoded()));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @AfterEach
  void stopAll() {
    if (hoist != null) {
      hoist.close();
    }
    upstream.close();
  }

  private AcceleratorConfig accelerator(long quota) {
    return AcceleratorConfig.builder()
        .baseDomain(DOMAIN)
        .defaultQuotaBytes(quota)
        .inviteBonusBytes(1000)
        .period(QuotaPeriod.MONTHLY)
        .trustedProxies(List.of("10.9.9.9"))
        .admins(List.of("admin@example.com"))
        .flushInterval(Duration.ofMillis(200))
        .build();
  }

  private void startHoist(AcceleratorConfig accelerator) {
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
                                .withUrl(URI.create(upstream.url())))))
                .accelerator(accelerator)
                .build());
  }

  private ApiClient newTenant(String email) throws Exception {
    ApiClient user = new ApiClient(hoist.url());
    user.signup(email, "correct horse battery", null);
    return user;
  }

  private HttpResponse<byte[]> get(String path, String... headers) throws Exception {
    return send("GET", path, headers);
  }

  private HttpResponse<byte[]> send(String method, String path, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(hoist.url() + path))
            .timeout(Duration.ofSeconds(60))
            .method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private String layerPath(String tenant) {
    return "/m/" + tenant + "/v2/library/app/blobs/" + image.layerDigests().get(0);
  }

  @Test
  void skopeoPullsThroughThePersonalAddressAndUsageMovesByTheBytesServed() throws Exception {
    startHoist(accelerator(AcceleratorConfig.GIB));
    ApiClient alice = newTenant("alice@example.com");
    String tenant = alice.start();
    assertThat(tenant).matches("[a-z2-7]{16}");
    assertThat(alice.used()).isZero();

    skopeo.copy(
        "docker://127.0.0.1:" + hoist.port() + "/m/" + tenant + "/library/app:1",
        "oci:" + dir.resolve("out") + ":1");
    assertThat(Files.readString(dir.resolve("out").resolve("index.json")))
        .contains(image.manifestDigest().encoded());
    long afterSkopeo = alice.used();
    // Both layers and the config at least once, plus the manifest; nothing is charged twice.
    assertThat(afterSkopeo).isGreaterThanOrEqualTo(layer + 20_000).isLessThan(3 * (layer + 30_000));

    // Exactly: a manifest, a blob, a range of it, and a HEAD (free).
    HttpResponse<byte[]> manifest =
        get(
            "/m/" + tenant + "/v2/library/app/manifests/1",
            "Accept",
            String.join(",", MediaTypes.MANIFEST_TYPES));
    assertThat(manifest.statusCode()).isEqualTo(200);
    HttpResponse<byte[]> blob = get(layerPath(tenant));
    assertThat(blob.statusCode()).isEqualTo(200);
    assertThat(Digest.sha256(blob.body())).isEqualTo(image.layerDigests().get(0));
    HttpResponse<byte[]> range = get(layerPath(tenant), "Range", "bytes=100-1099");
    assertThat(range.statusCode()).isEqualTo(206);
    assertThat(send("HEAD", layerPath(tenant)).statusCode()).isEqualTo(200);
    long expected = afterSkopeo + manifest.body().length + layer + 1000;
    assertThat(alice.used()).isEqualTo(expected);

    // Another tenant's traffic is its own.
    ApiClient bob = newTenant("bob@example.com");
    String bobs = bob.start();
    assertThat(get(layerPath(bobs)).statusCode()).isEqualTo(200);
    assertThat(bob.used()).isEqualTo(layer);
    assertThat(alice.used()).isEqualTo(expected);

    // The daily series has today's traffic, and it all survives a restart.
    JsonNode daily = alice.usage().get("daily");
    assertThat(daily).hasSize(30);
    assertThat(daily.get(29).get("bytes").asLong()).isEqualTo(expected);
    hoist.close();
    startHoist(accelerator(AcceleratorConfig.GIB));
    ApiClient again = new ApiClient(hoist.url());
    again.login("alice@example.com", "correct horse battery");
    assertThat(again.used()).isEqualTo(expected);
  }

  @Test
  void overQuotaManifestAndBlobGetsAre429WithRetryAfterWhileHeadAndBaseStayFree() throws Exception {
    startHoist(accelerator(400_000));
    ApiClient alice = newTenant("alice@example.com");
    String tenant = alice.start();
    assertThat(get(layerPath(tenant)).statusCode()).isEqualTo(200); // 300 000 of 400 000
    // This one crosses the limit: it completes, and then the tenant is over.
    HttpResponse<byte[]> crossing = get(layerPath(tenant));
    assertThat(crossing.statusCode()).isEqualTo(200);
    assertThat(crossing.body()).hasSize((int) layer);
    assertThat(alice.used()).isEqualTo(2 * layer);

    HttpResponse<byte[]> refused = get(layerPath(tenant));
    assertThat(refused.statusCode()).isEqualTo(429);
    long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
    assertThat(retryAfter)
        .as("a few seconds: clients that honour it must not hang")
        .isBetween(1L, 5L);
    JsonNode error = ApiClient.JSON.readTree(refused.body()).get("errors").get(0);
    assertThat(error.get("code").asText()).isEqualTo("TOOMANYREQUESTS");
    assertThat(error.get("detail").get("limit").asLong()).isEqualTo(400_000);
    assertThat(error.get("detail").get("used").asLong()).isEqualTo(2 * layer);
    assertThat(get("/m/" + tenant + "/v2/library/app/manifests/1").statusCode()).isEqualTo(429);
    assertThat(get(layerPath(tenant), "Range", "bytes=0-9").statusCode()).isEqualTo(429);

    assertThat(send("HEAD", layerPath(tenant)).statusCode()).isEqualTo(200);
    assertThat(send("HEAD", "/m/" + tenant + "/v2/library/app/manifests/1").statusCode())
        .isEqualTo(200);
    assertThat(get("/m/" + tenant + "/v2/").statusCode()).isEqualTo(200);

    // Other tenants are unaffected; an admin raising the quota lets the tenant pull again.
    ApiClient bob = newTenant("bob@example.com");
    assertThat(get(layerPath(bob.start())).statusCode()).isEqualTo(200);
    ApiClient admin = newTenant("admin@example.com");
    String aliceId = alice.ok("GET", "/api/v1/me", null).get("id").asText();
    admin.ok("PATCH", "/api/v1/admin/accounts/" + aliceId, Map.of("quotaBytes", 10_000_000));
    assertThat(get(layerPath(tenant)).statusCode()).isEqualTo(200);
  }

  @Test
  void sixteenParallelGetsCannotExceedTheQuotaByMoreThanOneTransfer() throws Exception {
    long limit = 1_000_000;
    startHoist(accelerator(limit));
    ApiClient warm = newTenant("warm@example.com");
    assertThat(get(layerPath(warm.start())).statusCode()).isEqualTo(200); // fills the cache
    ApiClient alice = newTenant("alice@example.com");
    String tenant = alice.start();

    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<Callable<Integer>> calls = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      boolean ranged = i % 2 == 0;
      calls.add(
          () ->
              ranged
                  ? get(layerPath(tenant), "Range", "bytes=0-" + (layer - 2)).statusCode()
                  : get(layerPath(tenant)).statusCode());
    }
    int served = 0;
    for (Future<Integer> f : pool.invokeAll(calls)) {
      int status = f.get();
      assertThat(status).isIn(200, 206, 429);
      if (status != 429) {
        served++;
      }
    }
    pool.shutdown();
    long used = alice.used();
    assertThat(served).isBetween(1, 4);
    assertThat(used).isLessThan(limit + layer);
    assertThat(get(layerPath(tenant)).statusCode()).isIn(200, 429);
    assertThat(alice.used()).isLessThan(limit + layer);
  }

  @Test
  void tenantAddressesCannotBeSpoofedThroughForwardedHostFromAnUntrustedAddress() throws Exception {
    startHoist(accelerator(AcceleratorConfig.GIB).toBuilder().serveWithoutTenant(false).build());
    ApiClient victim = newTenant("victim@example.com");
    String victims = victim.start();
    String blob = "/v2/library/app/blobs/" + image.layerDigests().get(0);

    // From 127.0.0.1, which is no trusted proxy: X-Forwarded-Host is ignored.
    ApiClient.RawResponse spoofed =
        ApiClient.raw(
            hoist.port(),
            "GET",
            blob,
            "Host",
            "127.0.0.1",
            "X-Forwarded-Host",
            victims + "." + DOMAIN);
    assertThat(spoofed.status()).isEqualTo(403);
    assertThat(spoofed.body()).contains("DENIED");
    assertThat(victim.used()).isZero();

    // Naming the tenant in the Host is the address itself; a conflicting path is refused.
    ApiClient.RawResponse byHost =
        ApiClient.raw(hoist.port(), "GET", blob, "Host", victims + "." + DOMAIN + ":5000");
    assertThat(byHost.status()).isEqualTo(200);
    assertThat(byHost.bodyLength()).isEqualTo(layer);
    assertThat(victim.used()).isEqualTo(layer);
    ApiClient.RawResponse conflict =
        ApiClient.raw(hoist.port(), "GET", "/m/" + victims + blob, "Host", "other." + DOMAIN);
    assertThat(conflict.status()).isEqualTo(404);

    // Unknown and disabled addresses get a clear registry error.
    ApiClient.RawResponse unknown =
        ApiClient.raw(hoist.port(), "GET", "/m/aaaaaaaaaaaaaaaa" + blob, "Host", "127.0.0.1");
    assertThat(unknown.status()).isEqualTo(403);
    assertThat(unknown.body()).contains("no such accelerator address");
    ApiClient admin = newTenant("admin@example.com");
    String victimId = victim.ok("GET", "/api/v1/me", null).get("id").asText();
    admin.ok("PATCH", "/api/v1/admin/accounts/" + victimId, Map.of("disabled", true));
    ApiClient.RawResponse disabled =
        ApiClient.raw(hoist.port(), "GET", "/m/" + victims + blob, "Host", "127.0.0.1");
    assertThat(disabled.status()).isEqualTo(403);
    assertThat(disabled.body()).contains("disabled");
  }
}
