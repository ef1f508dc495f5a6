package dev.hoist.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.mirror.Upstream;
import dev.hoist.oci.Digest;
import dev.hoist.oci.Digester;
import dev.hoist.oci.MediaTypes;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mirror capped at {@code mirror.cache.maxSize} = 300 MiB, fed about 1 GiB of distinct images by
 * four skopeo pulls at a time: the data directory stays near the cap all along, every pull is
 * correct, the least recently pulled images go and the most recent stay, and hosted content is
 * never touched.
 */
class CacheEvictionIT {
  private static final long MIB = 1L << 20;
  private static final long CAP = 300 * MIB;
  private static final int IMAGES = 16;
  private static final int PARALLEL = 4;
  // About 64 MiB per image, in three layers of random (incompressible, distinct) bytes.
  private static final long[] LAYERS = {28 * MIB, 20 * MIB, 16 * MIB};
  private static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private DockerRegistryProcess upstream;
  private HoistServer hoist;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @AfterEach
  void stopAll() {
    if (hoist != null) {
      hoist.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void aCappedMirrorStaysNearItsCapWhileAGibibytePassesThrough() throws Exception {
    long t0 = System.nanoTime();
    upstream = DockerRegistryProcess.builder().workDir(dir.resolve("upstream")).start();
    Skopeo skopeo = Skopeo.create(dir.resolve("skopeo"));
    List<RandomImages.Image> images = pushImagesToUpstream(skopeo);
    long pushed = System.nanoTime();

    Path dataDir = dir.resolve("hoist");
    DiskConfig disk =
        new DiskConfig(
            CAP,
            DiskConfig.FreeSpace.NONE,
            null,
            CHECK_INTERVAL,
            Duration.ofHours(1),
            Duration.ZERO,
            0,
            Duration.ofDays(7),
            false);
    hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(disk)
                .listen("127.0.0.1", 0)
                .dataDir(dataDir)
                .mirror(
                    MirrorConfig.builder()
                        .upstreams(
                            List.of(
                                Upstream.known("docker.io")
                                    .orElseThrow()
                                    .withUrl(URI.create(upstream.url()))))
                        .hostedPrefixes(List.of("team"))
                        .build())
                .build());
    String host = "127.0.0.1:" + hoist.port();

    RandomImages.ImageLayout hosted =
        RandomImages.writeLayout(dir.resolve("hosted-layout"), "1", 999, 6 * MIB, 2 * MIB);
    long imageBytes = LAYERS[0] + LAYERS[1] + LAYERS[2];
    // When each pull started and finished (0: not yet), for the bound below.
    AtomicLongArray started = new AtomicLongArray(IMAGES);
    AtomicLongArray ended = new AtomicLongArray(IMAGES);
    long window = Eviction.RECENT.plus(CHECK_INTERVAL).plusSeconds(1).toNanos();

    // The data directory's size, sampled every 100 ms while the pulls run, against what may be on
    // disk at that moment: the cap, plus the images of the pulls in flight (four at a time, each
    // fetching its layers in parallel: spooled, then committed), plus the images whose pull
    // finished less than Eviction.RECENT ago (what was stored that recently is never evicted, by
    // design) and one check interval and a second for the round that evicts them. Manifests,
    // configs, hoist.db and the hosted image are the rest.
    AtomicBoolean sampling = new AtomicBoolean(true);
    AtomicLong peak = new AtomicLong();
    List<String> samples = new ArrayList<>();
    List<String> violations = new ArrayList<>();
    Thread sampler =
        Thread.ofPlatform()
            .name("du")
            .start(
                () -> {
                  while (sampling.get()) {
                    long now = System.nanoTime();
                    long size = du(dataDir);
                    int active = 0;
                    for (int i = 0; i < IMAGES; i++) {
                      long end = ended.get(i);
                      if (started.get(i) != 0 && (end == 0 || now - end <= window)) {
                        active++;
                      }
                    }
                    long bound = CAP + active * imageBytes + hostedBytes(hosted) + 8 * MIB;
                    peak.accumulateAndGet(size, Math::max);
                    String sample = size / MIB + "/" + bound / MIB;
                    synchronized (samples) {
                      samples.add(sample);
                      if (size > bound) {
                        violations.add(sample);
                      }
                    }
                    try {
                      Thread.sleep(100);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });

    ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
    List<Integer> finished = new ArrayList<>();
    try {
      List<Future<Integer>> pulls = new ArrayList<>();
      for (int i = 0; i < IMAGES; i++) {
        int n = i;
        pulls.add(
            pool.submit(
                () -> {
                  Path out = dir.resolve("pull-" + n);
                  started.set(n, System.nanoTime());
                  skopeo.copy("docker://" + host + "/library/img" + n + ":1", "dir:" + out);
                  ended.set(n, System.nanoTime());
                  synchronized (finished) {
                    finished.add(n);
                  }
                  assertPulled(out, images.get(n));
                  deleteTree(out);
                  return n;
                }));
      }
      // Hosted content pushed once the cache has passed its cap, while it is being evicted.
      pulls.get(PARALLEL).get(150, TimeUnit.SECONDS);
      skopeo.copy(hosted.ociReference(), "docker://" + host + "/team/app:1");
      for (Future<Integer> pull : pulls) {
        pull.get(150, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
      sampling.set(false);
      sampler.join();
    }
    long pulledAt = System.nanoTime();
    System.out.printf(
        "CacheEvictionIT: push %.1fs, pulls %.1fs, peak %d MiB; MiB on disk/bound: %s%n",
        (pushed - t0) / 1e9, (pulledAt - pushed) / 1e9, peak.get() / MIB, samples);
    assertThat(violations).as("samples (MiB on disk/bound) above the bound").isEmpty();

    // Once nothing is pulled any more, the scheduled check takes the cache back under its cap.
    JsonNode status = awaitCacheWithinCap();
    assertThat(status.path("cache").path("maxSize").asLong()).isEqualTo(CAP);
    assertThat(du(dataDir.resolve("blobs"))).isLessThanOrEqualTo(CAP + hostedBytes(hosted));

    // The most recently pulled image is still cached: every part of it is a hit.
    int last = finished.get(finished.size() - 1);
    RandomImages.Image recent = images.get(last);
    assertThat(cacheStatus("/v2/library/img" + last + "/manifests/1")).isEqualTo("HIT");
    for (RandomImages.Blob blob : blobsOf(recent)) {
      assertThat(getBlob("library/img" + last, blob)).as("img%d %s", last, blob).isEqualTo("HIT");
    }

    // An early one was evicted: the mirror fetches it again, correctly.
    int first = finished.get(0);
    RandomImages.Image early = images.get(first);
    assertThat(cacheStatus("/v2/library/img" + first + "/manifests/1")).isEqualTo("MISS");
    for (RandomImages.Blob layer : early.layers()) {
      assertThat(getBlob("library/img" + first, layer)).isEqualTo("MISS");
    }

    // Hosted content is never the cache's: intact.
    Path hostedOut = dir.resolve("hosted-out");
    skopeo.copy("docker://" + host + "/team/app:1", "dir:" + hostedOut);
    assertPulled(hostedOut, hosted.image());

    String metrics = get("/metrics").body();
    assertThat(metricValue(metrics, "hoist_cache_evicted_bytes_total")).isPositive();
    assertThat(metricValue(metrics, "hoist_cache_evicted_images_total")).isPositive();
    System.out.printf(
        "CacheEvictionIT: total %.1fs, evicted %.0f MiB%n",
        (System.nanoTime() - t0) / 1e9,
        metricValue(metrics, "hoist_cache_evicted_bytes_total") / MIB);
  }

  /** Writes the images (two at a time, one per core) and pushes them to the upstream. */
  private List<RandomImages.Image> pushImagesToUpstream(Skopeo skopeo) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<RandomImages.Image>> pushes = new ArrayList<>();
      for (int i = 0; i < IMAGES; i++) {
        int n = i;
        pushes.add(
            pool.submit(
                () -> {
                  Path layoutDir = dir.resolve("layout-" + n);
                  RandomImages.ImageLayout layout =
                      RandomImages.writeLayout(layoutDir, "1", 1000 + n, LAYERS);
                  skopeo.copy(
                      layout.ociReference(),
                      "docker://" + upstream.hostPort() + "/library/img" + n + ":1");
                  deleteTree(layoutDir);
                  return layout.image();
                }));
      }
      List<RandomImages.Image> images = new ArrayList<>();
      for (Future<RandomImages.Image> push : pushes) {
        images.add(push.get(120, TimeUnit.SECONDS));
      }
      return images;
    } finally {
      pool.shutdownNow();
    }
  }

  private JsonNode awaitCacheWithinCap() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    JsonNode status;
    while (true) {
      HttpResponse<String> r = get("/api/v1/admin/disk");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      status = JSON.readTree(r.body());
      if (status.path("cache").path("bytes").asLong() <= CAP || System.nanoTime() > deadline) {
        break;
      }
      Thread.sleep(250);
    }
    assertThat(status.path("cache").path("bytes").asLong())
        .as("cache bytes in %s", status)
        .isLessThanOrEqualTo(CAP)
        .isPositive();
    return status;
  }

  private static List<RandomImages.Blob> blobsOf(RandomImages.Image image) {
    List<RandomImages.Blob> blobs = new ArrayList<>();
    blobs.add(image.config());
    blobs.addAll(image.layers());
    return blobs;
  }

  private static long hostedBytes(RandomImages.ImageLayout hosted) {
    return blobsOf(hosted.image()).stream().mapToLong(RandomImages.Blob::size).sum()
        + hosted.image().manifest().size();
  }

  /** A {@code dir:} copy holds the upstream's manifest and every blob, byte for byte. */
  static void assertPulled(Path out, RandomImages.Image image) throws IOException {
    assertThat(Digest.sha256(Files.readAllBytes(out.resolve("manifest.json"))))
        .isEqualTo(image.manifestDigest());
    for (RandomImages.Blob blob : blobsOf(image)) {
      Path file = out.resolve(blob.digest().encoded());
      assertThat(Files.size(file)).isEqualTo(blob.size());
      assertThat(digestOf(file)).isEqualTo(blob.digest());
    }
  }

  private static Digest digestOf(Path file) throws IOException {
    Digester digester = Digester.forAlgorithm(Digest.SHA256);
    byte[] buffer = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        digester.update(buffer, 0, n);
      }
    }
    return digester.digest();
  }

  /** GETs a blob through the mirror, checks its bytes, and returns its X-Hoist-Cache. */
  private String getBlob(String repository, RandomImages.Blob blob) throws Exception {
    HttpResponse<InputStream> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(hoist.url() + "/v2/" + repository + "/blobs/" + blob.digest()))
                .timeout(Duration.ofSeconds(60))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    Digester digester = Digester.forAlgorithm(Digest.SHA256);
    long size = 0;
    byte[] buffer = new byte[1 << 20];
    try (InputStream in = r.body()) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        digester.update(buffer, 0, n);
        size += n;
      }
    }
    assertThat(size).isEqualTo(blob.size());
    assertThat(digester.digest()).isEqualTo(blob.digest());
    return r.headers().firstValue("X-Hoist-Cache").orElse("(none)");
  }

  private String cacheStatus(String path) throws Exception {
    HttpResponse<byte[]> r =
        http.send(
            HttpRequest.newBuilder(URI.create(hoist.url() + path))
                .header("Accept", String.join(",", MediaTypes.MANIFEST_TYPES))
                .timeout(Duration.ofSeconds(60))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.headers().firstValue("X-Hoist-Cache").orElse("(none)");
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(hoist.url() + path))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static double metricValue(String scrape, String series) {
    for (String line : scrape.lines().toList()) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    throw new AssertionError("no series " + series + " in\n" + scrape);
  }

  /** The apparent size of every file under {@code root} (files may vanish while walking). */
  static long du(Path root) {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .mapToLong(
              p -> {
                try {
                  return Files.isRegularFile(p) ? Files.size(p) : 0;
                } catch (NoSuchFileException gone) {
                  return 0;
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              })
          .sum();
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof NoSuchFileException) {
        return du(root); // a directory vanished mid-walk: walk again
      }
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
