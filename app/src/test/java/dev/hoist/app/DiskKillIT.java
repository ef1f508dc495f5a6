package dev.hoist.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.oci.Digest;
import dev.hoist.oci.Digester;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged {@code hoist.jar serve}, a mirror with a small cache cap, killed with SIGKILL while
 * eviction deletes files and while garbage collection does, then started again on the same data
 * directory: its metadata and its files still agree, hosted content is intact, the mirror fetches
 * again whatever a kill cut short, and {@code hoist gc} tidies the stopped directory.
 */
class DiskKillIT {
  private static final Path JAR = Path.of("target", "hoist.jar").toAbsolutePath();
  private static final long MIB = 1L << 20;
  private static final long CAP = 20 * MIB;
  // About 6 MiB per image: four pulls pass the cap.
  private static final long[] LAYERS = {2 * MIB, 2 * MIB, 2 * MIB};
  private static final int PER_ROUND = 4;
  private static final int KILLS = 3;
  private static final int IMAGES = PER_ROUND * (KILLS + 1);

  /** Eviction.RECENT: what was pulled or stored this recently is never evicted. */
  private static final Duration RECENT = Duration.ofSeconds(5);

  private static final Pattern GC_LINE =
      Pattern.compile("hoist gc: deleted (\\d+) blobs \\(.*\\), \\d+ abandoned uploads, .*");

  @TempDir Path dir;
  private final List<Process> processes = new ArrayList<>();
  private DockerRegistryProcess upstream;
  private Process hoist;
  private int port;
  private int starts;
  private Path dataDir;
  private Skopeo skopeo;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @AfterEach
  void stopAll() {
    processes.forEach(Process::destroyForcibly);
    if (upstream != null) {
      upstream.close();
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void killedDuringEvictionAndGarbageCollectionItComesBackConsistent() throws Exception {
    long t0 = System.nanoTime();
    upstream = DockerRegistryProcess.builder().workDir(dir.resolve("upstream")).start();
    skopeo = Skopeo.create(dir.resolve("skopeo")).withTimeout(Duration.ofSeconds(60));
    List<RandomImages.Image> images = pushToUpstream();
    RandomImages.ImageLayout hosted =
        RandomImages.writeLayout(dir.resolve("hosted"), "1", 77, MIB, 512 * 1024);
    Set<String> hostedFiles = new HashSet<>();
    for (Digest d : digestsOf(hosted.image())) {
      hostedFiles.add(d.encoded());
    }

    dataDir = dir.resolve("data");
    port = freePort();
    Path config = dir.resolve("hoist.yaml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "listen: 127.0.0.1:" + port,
            "dataDir: " + dataDir,
            "mirror:",
            "  upstreams:",
            "    - name: docker.io",
            "      url: " + upstream.url(),
            "  hosted: [team]",
            "  cache:",
            "    maxSize: " + CAP,
            "    minFreeDisk: 0",
            "    checkInterval: 250ms",
            "storage:",
            "  gc: {grace: 1s, interval: 0s}",
            ""));
    start(config);
    skopeo.copy(hosted.ociReference(), "docker://" + host() + "/team/app:1");
    // A full cache to begin with.
    for (Future<Skopeo.Result> pull : pull(images, 0)) {
      assertThat(pull.get().succeeded()).as("%s", pull.get().describe()).isTrue();
    }
    long quiet = System.nanoTime();

    for (int round = 1; round <= KILLS; round++) {
      // What is cached now is old enough to be evicted once the next pulls pass the cap.
      sleepUntil(quiet + RECENT.plusMillis(700).toNanos());
      List<Path> cached = blobFiles(f -> !hostedFiles.contains(f.getFileName().toString()));
      List<Future<Skopeo.Result>> pulls = pull(images, round * PER_ROUND);
      Path evicted = awaitFirstGone(cached, Duration.ofSeconds(30));
      hoist.destroyForcibly(); // SIGKILL, while the eviction round deletes files
      assertThat(hoist.waitFor(10, TimeUnit.SECONDS)).isTrue();
      System.out.printf("DiskKillIT: round %d killed after %s was evicted%n", round, evicted);
      checkConsistency(hostedFiles);

      start(config);
      assertPulls("team/app:1", hosted.image());
      for (Future<Skopeo.Result> pull : pulls) {
        pull.get(60, TimeUnit.SECONDS); // cut by the kill, or finished after the restart
      }
      // An image whose pull the kill cut short comes through whole: the mirror fetches again
      // what it had only begun to fetch.
      int cut = round * PER_ROUND;
      assertPulls("library/img" + cut + ":1", images.get(cut));
      quiet = System.nanoTime();
    }

    // Garbage collection killed while it deletes the blobs of a deleted hosted image.
    long[] many = new long[40];
    Arrays.fill(many, 32 * 1024);
    RandomImages.ImageLayout junk = RandomImages.writeLayout(dir.resolve("junk"), "1", 78, many);
    skopeo.copy(junk.ociReference(), "docker://" + host() + "/team/junk:1");
    HttpResponse<String> deleted =
        send("DELETE", "/v2/team/junk/manifests/" + junk.manifestDigest());
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(202);
    Thread.sleep(1500); // storage.gc.grace
    List<Path> garbage = new ArrayList<>();
    for (Digest d : digestsOf(junk.image())) {
      garbage.add(blobFile(d));
    }
    CompletableFuture<HttpResponse<String>> gc =
        http.sendAsync(
            HttpRequest.newBuilder(URI.create(base() + "/api/v1/admin/gc"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Path collected = awaitFirstGone(garbage, Duration.ofSeconds(30));
    hoist.destroyForcibly();
    assertThat(hoist.waitFor(10, TimeUnit.SECONDS)).isTrue();
    long left = garbage.stream().filter(Files::exists).count();
    // The POST is cut by the kill, unless the collection ended in the moment before it.
    String answer =
        gc.handle((r, e) -> e == null ? "answered " + r.statusCode() : "cut")
            .get(10, TimeUnit.SECONDS);
    System.out.printf(
        "DiskKillIT: gc killed after %s was collected, %d of %d files left, request %s%n",
        collected, left, garbage.size(), answer);
    checkConsistency(hostedFiles);

    start(config);
    assertPulls("team/app:1", hosted.image());
    hoist.destroy(); // SIGTERM: a clean stop, then the stopped server's gc
    assertThat(hoist.waitFor(30, TimeUnit.SECONDS)).isTrue();

    Process gcCommand =
        hoistCommand(
            dir.resolve("gc.log"), "gc", "--data-dir", dataDir.toString(), "--grace", "1s");
    assertThat(gcCommand.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String output = Files.readString(dir.resolve("gc.log"));
    assertThat(gcCommand.exitValue()).as(output).isZero();
    Matcher line = GC_LINE.matcher(output.strip());
    assertThat(line.find()).as(output).isTrue();
    System.out.printf("DiskKillIT: %s%n", output.strip());
    checkConsistency(hostedFiles);
    try (Connection db = openReadOnly()) {
      // Collected with no grace left: no record is of a blob nothing uses, and none lacks its bytes
      // unless it is a layer a cached manifest names that the mirror has not fetched yet.
      assertThat(
              strings(
                  db,
                  "SELECT b.digest FROM blobs b WHERE NOT EXISTS"
                      + " (SELECT 1 FROM manifests m WHERE m.digest = b.digest)"
                      + " AND NOT EXISTS (SELECT 1 FROM manifest_refs r WHERE r.child = b.digest)"))
          .as("blob records no manifest uses, after hoist gc")
          .isEmpty();
      Set<String> recorded = new HashSet<>(strings(db, "SELECT digest FROM blobs"));
      long unrecorded =
          blobFiles(f -> true).stream()
              .filter(f -> !recorded.contains("sha256:" + f.getFileName()))
              .count();
      // Bytes whose record a kill removed before their file: nothing refers to them, and no
      // collection (which works from records) will ever delete them.
      System.out.printf("DiskKillIT: %d blob files without a record%n", unrecorded);
    }
    System.out.printf("DiskKillIT: total %.1fs%n", (System.nanoTime() - t0) / 1e9);
  }

  // The server and the commands.

  private void start(Path config) throws Exception {
    starts++;
    hoist =
        hoistCommand(
            dir.resolve("serve-" + starts + ".log"), "serve", "--config", config.toString());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      assertThat(hoist.isAlive()).as("hoist serve exited: %s", log()).isTrue();
      try {
        if (send("GET", "/v2/").statusCode() == 200) {
          return;
        }
      } catch (ConnectException notYet) {
        // still starting
      }
      Thread.sleep(50);
    }
    throw new AssertionError("hoist serve did not answer in 30 s: " + log());
  }

  private String log() throws IOException {
    return Files.readString(dir.resolve("serve-" + starts + ".log"));
  }

  private Process hoistCommand(Path log, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    processes.add(p);
    return p;
  }

  private String base() {
    return "http://127.0.0.1:" + port;
  }

  private String host() {
    return "127.0.0.1:" + port;
  }

  private HttpResponse<String> send(String method, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base() + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  // Images.

  private List<RandomImages.Image> pushToUpstream() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<RandomImages.Image>> pushes = new ArrayList<>();
      for (int i = 0; i < IMAGES; i++) {
        int n = i;
        pushes.add(
            pool.submit(
                () -> {
                  RandomImages.ImageLayout layout =
                      RandomImages.writeLayout(dir.resolve("layout-" + n), "1", 500 + n, LAYERS);
                  skopeo.copy(
                      layout.ociReference(),
                      "docker://" + upstream.hostPort() + "/library/img" + n + ":1");
                  return layout.image();
                }));
      }
      List<RandomImages.Image> images = new ArrayList<>();
      for (Future<RandomImages.Image> push : pushes) {
        images.add(push.get(60, TimeUnit.SECONDS));
      }
      return images;
    } finally {
      pool.shutdownNow();
    }
  }

  /** Starts {@link #PER_ROUND} pulls through the mirror, from image {@code first} on. */
  private List<Future<Skopeo.Result>> pull(List<RandomImages.Image> images, int first) {
    ExecutorService pool = Executors.newFixedThreadPool(PER_ROUND);
    List<Future<Skopeo.Result>> pulls = new ArrayList<>();
    for (int i = first; i < first + PER_ROUND; i++) {
      Path out = dir.resolve("pull-" + i + "-" + starts);
      String ref = "docker://" + host() + "/library/img" + i + ":1";
      pulls.add(pool.submit(() -> skopeo.run("copy", "--src-tls-verify=false", ref, "dir:" + out)));
    }
    pool.shutdown();
    return pulls;
  }

  private void assertPulls(String reference, RandomImages.Image image) throws IOException {
    Path out = dir.resolve("check-" + reference.replace('/', '_').replace(':', '_') + "-" + starts);
    skopeo.copy("docker://" + host() + "/" + reference, "dir:" + out);
    assertThat(Digest.sha256(Files.readAllBytes(out.resolve("manifest.json"))))
        .isEqualTo(image.manifestDigest());
    for (Digest d : digestsOf(image)) {
      if (d.equals(image.manifestDigest())) {
        continue;
      }
      assertThat(digestOf(out.resolve(d.encoded()))).as("%s of %s", d, reference).isEqualTo(d);
    }
  }

  private static List<Digest> digestsOf(RandomImages.Image image) {
    List<Digest> digests = new ArrayList<>();
    digests.add(image.manifestDigest());
    digests.add(image.configDigest());
    digests.addAll(image.layerDigests());
    return digests;
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

  // The data directory.

  /** Where the filesystem blob store keeps a blob: blobs/sha256/ab/abcdef… */
  private Path blobFile(Digest digest) {
    String hex = digest.encoded();
    return dataDir
        .resolve("blobs")
        .resolve(digest.algorithm())
        .resolve(hex.substring(0, 2))
        .resolve(hex);
  }

  private interface FileFilter {
    boolean test(Path file);
  }

  private List<Path> blobFiles(FileFilter filter) throws IOException {
    try (Stream<Path> files = Files.walk(dataDir.resolve("blobs"))) {
      return files.filter(Files::isRegularFile).filter(filter::test).toList();
    }
  }

  /** Polls until one of {@code files} is deleted, and returns it. */
  private Path awaitFirstGone(List<Path> files, Duration timeout) throws Exception {
    assertThat(files).isNotEmpty();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (Path f : files) {
        if (!Files.exists(f)) {
          return f;
        }
      }
      assertThat(hoist.isAlive()).as("hoist serve exited: %s", log()).isTrue();
      Thread.sleep(1);
    }
    throw new AssertionError("nothing of " + files.size() + " files was deleted: " + log());
  }

  /**
   * What must hold whatever a kill interrupted, read from SQLite after the process died: every
   * manifest's bytes are stored; a hosted manifest's references are linked in its repository and
   * stored; every blob a hosted repository links is stored. A cached manifest may name layers the
   * mirror has not stored (it stores a manifest first and its layers as they are pulled, and a kill
   * may cut a pull), so for the cache only its manifests' own bytes are checked here, and the
   * images the kill cut are pulled whole after the restart.
   */
  private void checkConsistency(Set<String> hostedFiles) throws Exception {
    try (Connection db = openReadOnly()) {
      List<String> missing = new ArrayList<>();
      for (String digest : strings(db, "SELECT DISTINCT digest FROM manifests")) {
        if (!Files.exists(blobFile(Digest.parse(digest)))) {
          missing.add("manifest " + digest);
        }
      }
      for (String row :
          strings(
              db,
              "SELECT r.repo || ' ' || r.child || ' ' || (EXISTS (SELECT 1 FROM blob_links l"
                  + " WHERE l.repo = r.repo AND l.digest = r.child) OR EXISTS (SELECT 1 FROM"
                  + " manifests m WHERE m.repo = r.repo AND m.digest = r.child))"
                  + " FROM manifest_refs r WHERE r.repo NOT LIKE 'docker.io/%'")) {
        String[] f = row.split(" ");
        if (!Files.exists(blobFile(Digest.parse(f[1])))) {
          missing.add("hosted reference " + row);
        }
        if (!f[2].equals("1")) {
          missing.add("hosted reference not linked " + row);
        }
      }
      for (String digest :
          strings(db, "SELECT DISTINCT digest FROM blob_links WHERE repo NOT LIKE 'docker.io/%'")) {
        if (!Files.exists(blobFile(Digest.parse(digest)))) {
          missing.add("hosted link " + digest);
        }
      }
      assertThat(missing).as("records whose bytes are missing").isEmpty();
      assertThat(strings(db, "SELECT COUNT(*) FROM manifests WHERE repo = 'team/app'"))
          .containsExactly("1");
    }
    assertThat(hostedFiles)
        .allSatisfy(f -> assertThat(blobFile(Digest.parse("sha256:" + f))).exists());
  }

  private Connection openReadOnly() throws SQLException {
    org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
    config.setReadOnly(true);
    return DriverManager.getConnection(
        "jdbc:sqlite:" + dataDir.resolve("hoist.db"), config.toProperties());
  }

  private static List<String> strings(Connection db, String query) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement st = db.createStatement();
        ResultSet rs = st.executeQuery(query)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    long wait = nanoTime - System.nanoTime();
    if (wait > 0) {
      TimeUnit.NANOSECONDS.sleep(wait);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
