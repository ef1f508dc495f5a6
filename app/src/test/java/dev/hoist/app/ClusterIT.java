package dev.hoist.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.oci.Digest;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.NginxBalancer;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.S3Server;
import dev.hoist.testkit.Skopeo;
import dev.hoist.testkit.TamperingProxy;
import dev.hoist.testkit.TestPostgres;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code hoist.jar serve} processes on one PostgreSQL schema and one S3 bucket (s3proxy, in
 * this JVM), behind Debian's nginx balancing round-robin, mirroring a Distribution upstream: the
 * cluster fetches each blob from the upstream once whichever node clients reach, an upload started
 * on one node completes on another, a node killed with SIGKILL while it fills a blob costs no
 * client its pull, and a restart of every node loses nothing.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ClusterIT {
  private static final Path JAR = Path.of("target", "hoist.jar").toAbsolutePath();
  private static final int NODES = 3;
  private static final long MIB = 1L << 20;

  @TempDir Path dir;

  private final List<Process> processes = new ArrayList<>();
  private final Process[] nodes = new Process[NODES];
  private final int[] ports = new int[NODES];
  private final Path[] configs = new Path[NODES];
  private int starts;
  private TestPostgres db;
  private S3Server s3;
  private String bucket;
  private DockerRegistryProcess upstream;
  private TamperingProxy proxy;
  private NginxBalancer nginx;
  private Skopeo skopeo;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @BeforeEach
  void startServices() throws Exception {
    db = TestPostgres.newSchema("cluster");
    s3 = S3Server.start(dir.resolve("s3"));
    bucket = s3.createBucket();
    upstream = DockerRegistryProcess.builder().workDir(dir.resolve("upstream")).start();
    // Blobs go through a proxy so that a test can slow them down and count their bytes.
    proxy = TamperingProxy.start(upstream.url());
    skopeo = Skopeo.create(dir.resolve("skopeo")).withTimeout(Duration.ofSeconds(120));
  }

  @AfterEach
  void stopAll() throws Exception {
    processes.forEach(Process::destroyForcibly);
    for (Process p : processes) {
      p.waitFor(10, TimeUnit.SECONDS);
    }
    if (nginx != null) {
      nginx.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    if (s3 != null) {
      s3.close();
    }
    if (db != null) {
      db.close();
    }
  }

  @Test
  void sixteenColdPullsThroughTheBalancerFetchEachBlobOnceAndARestartLosesNothing()
      throws Exception {
    RandomImages.ImageLayout image =
        RandomImages.writeLayout(dir.resolve("image"), "1", 71, 8 * MIB, 4 * MIB, 300_000);
    skopeo.copy(image.ociReference(), "docker://" + upstream.hostPort() + "/library/app:1");
    RandomImages.ImageLayout hosted =
        RandomImages.writeLayout(dir.resolve("hosted"), "1", 72, 2 * MIB, 100_000);
    startCluster();
    skopeo.copy(hosted.ociReference(), "docker://" + nginx.hostPort() + "/team/app:1");

    List<Skopeo.Result> pulls = pullConcurrently("library/app:1", 16);

    for (Skopeo.Result pull : pulls) {
      assertThat(pull.succeeded()).as("%s", pull.describe()).isTrue();
    }
    for (Digest blob : blobsOf(image)) {
      assertThat(upstream.requestCount("GET", "/v2/library/app/blobs/" + blob))
          .as("upstream GETs of %s", blob)
          .isEqualTo(1);
    }
    assertThat(requestsReaching(nginx.accessLog(), "/v2/library/app/blobs/"))
        .as("the clients' blob requests went through the balancer")
        .isGreaterThanOrEqualTo(16 * 3);

    // Every node restarted: the cache and the hosted image are still there.
    for (int i = 0; i < NODES; i++) {
      nodes[i].destroy();
      assertThat(nodes[i].waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    for (int i = 0; i < NODES; i++) {
      startNode(i);
    }
    upstream.clearAccessLog();
    for (Skopeo.Result pull : pullConcurrently("library/app:1", 3)) {
      assertThat(pull.succeeded()).as("%s", pull.describe()).isTrue();
    }
    for (Digest blob : blobsOf(image)) {
      assertThat(upstream.requestCount("GET", "/v2/library/app/blobs/" + blob))
          .as("after a restart, %s comes from the shared store", blob)
          .isZero();
    }
    Path back = dir.resolve("hosted-back");
    skopeo.copy("docker://" + nginx.hostPort() + "/team/app:1", "oci:" + back + ":1");
    assertThat(Digest.sha256(skopeo.inspectRaw("oci:" + back + ":1")))
        .isEqualTo(hosted.manifestDigest());
  }

  @Test
  void anUploadStartedOnOneNodeIsCompletedThroughAnother() throws Exception {
    startCluster();
    byte[] first = RandomImages.randomBytes(5, (int) (6 * MIB + 123));
    byte[] second = RandomImages.randomBytes(6, (int) (3 * MIB + 7));
    byte[] whole = new byte[first.length + second.length];
    System.arraycopy(first, 0, whole, 0, first.length);
    System.arraycopy(second, 0, whole, first.length, second.length);
    Digest digest = Digest.sha256(whole);

    HttpResponse<String> started = send(0, "POST", "/v2/team/upload/blobs/uploads/", null, null);
    assertThat(started.statusCode()).isEqualTo(202);
    String location = started.headers().firstValue("Location").orElseThrow();
    HttpResponse<String> patched = send(0, "PATCH", location, first, "0-" + (first.length - 1));
    assertThat(patched.statusCode()).as(patched.body()).isEqualTo(202);
    location = patched.headers().firstValue("Location").orElseThrow();
    HttpResponse<String> status = send(1, "GET", location, null, null);
    assertThat(status.statusCode()).as(status.body()).isEqualTo(204);
    assertThat(status.headers().firstValue("Range")).contains("0-" + (first.length - 1));
    HttpResponse<String> patchedOnB =
        send(1, "PATCH", location, second, first.length + "-" + (whole.length - 1));
    assertThat(patchedOnB.statusCode()).as(patchedOnB.body()).isEqualTo(202);
    location = patchedOnB.headers().firstValue("Location").orElseThrow();
    // Back to the first node, whose open handle of the upload is now stale.
    byte[] third = RandomImages.randomBytes(7, 1024);
    HttpResponse<String> patchedOnA =
        send(0, "PATCH", location, third, whole.length + "-" + (whole.length + third.length - 1));
    assertThat(patchedOnA.statusCode()).as(patchedOnA.body()).isEqualTo(202);
    location = patchedOnA.headers().firstValue("Location").orElseThrow();
    String sep = location.contains("?") ? "&" : "?";
    byte[] all = new byte[whole.length + third.length];
    System.arraycopy(whole, 0, all, 0, whole.length);
    System.arraycopy(third, 0, all, whole.length, third.length);
    digest = Digest.sha256(all);
    HttpResponse<String> committed =
        send(2, "PUT", location + sep + "digest=" + digest, null, null);
    assertThat(committed.statusCode()).as(committed.body()).isEqualTo(201);

    HttpResponse<byte[]> fetched =
        http.send(
            HttpRequest.newBuilder(URI.create(nodeUrl(0) + "/v2/team/upload/blobs/" + digest))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(fetched.statusCode()).isEqualTo(200);
    assertThat(Digest.sha256(fetched.body())).isEqualTo(digest);
  }

  @Test
  void aNodeKilledWhileItFillsABlobCostsNoClientItsPull() throws Exception {
    long layer = 24 * MIB;
    RandomImages.ImageLayout image =
        RandomImages.writeLayout(dir.resolve("image"), "1", 81, layer, 200_000);
    skopeo.copy(image.ociReference(), "docker://" + upstream.hostPort() + "/library/slow:1");
    Digest big = image.layerDigests().get(0);
    // About 6 MiB/s from the upstream: the fill of the big layer lasts four seconds.
    proxy.on("GET", "/v2/library/slow/blobs/.*").always().trickle(64 * 1024, Duration.ofMillis(10));
    startCluster();

    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<Skopeo.Result>> pulls = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        Path dest = dir.resolve("slow-" + i);
        // A client whose connection went to the killed node sees its download cut, and pulls
        // again, as the Docker daemon retries a layer; skopeo's own retries stop at a cut body.
        pulls.add(
            pool.submit(
                () -> {
                  Skopeo.Result result = null;
                  for (int attempt = 1; attempt <= 2; attempt++) {
                    result =
                        skopeo.run(
                            "copy",
                            "--src-tls-verify=false",
                            "--retry-times",
                            "3",
                            "docker://" + nginx.hostPort() + "/library/slow:1",
                            "dir:" + dest);
                    if (result.succeeded()) {
                      break;
                    }
                  }
                  return result;
                }));
      }
      String owner = awaitFillOwner(big, Duration.ofSeconds(30));
      awaitUpstreamBytes(layer / 4, Duration.ofSeconds(30));
      int index = Integer.parseInt(owner.substring("node-".length()));
      nodes[index].destroyForcibly(); // SIGKILL in the middle of the fill
      assertThat(nodes[index].waitFor(10, TimeUnit.SECONDS)).isTrue();

      for (Future<Skopeo.Result> pull : pulls) {
        Skopeo.Result result = pull.get(150, TimeUnit.SECONDS);
        assertThat(result.succeeded()).as("%s", result.describe()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
    for (int i = 0; i < 6; i++) {
      byte[] got = Files.readAllBytes(dir.resolve("slow-" + i).resolve(big.encoded()));
      assertThat(Digest.sha256(got)).as("client %d's copy of the big layer", i).isEqualTo(big);
    }
    long imageBytes = image.image().layers().stream().mapToLong(RandomImages.Blob::size).sum();
    assertThat(proxy.bytesSentFor("/v2/library/slow/blobs/"))
        .as("upstream bytes for the image's blobs")
        .isLessThanOrEqualTo(2 * imageBytes + image.image().config().size());
  }

  // The cluster.

  private void startCluster() throws Exception {
    String secret = UUID.randomUUID().toString();
    for (int i = 0; i < NODES; i++) {
      ports[i] = freePort();
    }
    for (int i = 0; i < NODES; i++) {
      configs[i] = dir.resolve("node-" + i + ".yaml");
      Files.writeString(
          configs[i],
          String.join(
              "\n",
              "listen: 127.0.0.1:" + ports[i],
              "dataDir: " + dir.resolve("node-" + i),
              "mirror:",
              "  upstreams:",
              "    - name: docker.io",
              "      url: " + proxy.url(),
              "  hosted: [team]",
              "  cache:",
              "    minFreeDisk: 0",
              "storage:",
              "  metadata: " + db.url(),
              "  metadataPool: 4",
              "  blobs: s3",
              "  s3:",
              "    endpoint: " + s3.endpoint(),
              "    region: " + S3Server.REGION,
              "    bucket: " + bucket,
              "    pathStyle: true",
              "    accessKey: " + s3.accessKey(),
              "    secretKey: " + s3.secretKey(),
              "cluster:",
              "  secret: " + secret,
              "  nodeId: node-" + i,
              "  leaseTtl: 3s",
              ""));
    }
    // One after the other: the first migrates the schema.
    for (int i = 0; i < NODES; i++) {
      startNode(i);
    }
    List<String> backends = new ArrayList<>();
    for (int port : ports) {
      backends.add("127.0.0.1:" + port);
    }
    nginx = NginxBalancer.start(dir.resolve("nginx"), backends);
  }

  private void startNode(int i) throws Exception {
    starts++;
    Path log = dir.resolve("node-" + i + "-" + starts + ".log");
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-Xmx256m");
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(List.of("serve", "--config", configs[i].toString()));
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    processes.add(p);
    nodes[i] = p;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      assertThat(p.isAlive()).as("node %d exited: %s", i, Files.readString(log)).isTrue();
      try {
        if (send(i, "GET", "/v2/", null, null).statusCode() == 200) {
          return;
        }
      } catch (ConnectException notYet) {
        // still starting
      }
      Thread.sleep(100);
    }
    throw new AssertionError("node " + i + " did not answer in 60 s: " + Files.readString(log));
  }

  private List<Skopeo.Result> pullConcurrently(String reference, int clients) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<Skopeo.Result>> pulls = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        Path dest = dir.resolve("pull-" + UUID.randomUUID());
        pulls.add(
            pool.submit(
                () ->
                    skopeo.run(
                        "copy",
                        "--src-tls-verify=false",
                        "docker://" + nginx.hostPort() + "/" + reference,
                        "dir:" + dest)));
      }
      List<Skopeo.Result> results = new ArrayList<>();
      for (Future<Skopeo.Result> pull : pulls) {
        results.add(pull.get(150, TimeUnit.SECONDS));
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  private String awaitFillOwner(Digest digest, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<String> owner = leaseOwner("fill:" + digest);
      if (owner.isPresent()) {
        return owner.get();
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no node took the fill lease of " + digest);
  }

  private Optional<String> leaseOwner(String name) throws Exception {
    try (Connection c = db.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT owner FROM leases WHERE name = '" + name + "'")) {
      return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
    } catch (java.sql.SQLException e) {
      return Optional.empty(); // the table is created by the first node's migration
    }
  }

  private void awaitUpstreamBytes(long bytes, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (proxy.bytesSentFor("/v2/library/slow/blobs/") < bytes) {
      assertThat(System.nanoTime()).as("upstream bytes reached %d", bytes).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private static List<Digest> blobsOf(RandomImages.ImageLayout image) {
    List<Digest> blobs = new ArrayList<>(image.layerDigests());
    blobs.add(image.configDigest());
    return blobs;
  }

  private static long requestsReaching(Path accessLog, String pathPart) throws IOException {
    try (var lines = Files.lines(accessLog)) {
      return lines.filter(l -> l.contains(pathPart)).count();
    }
  }

  private String nodeUrl(int i) {
    return "http://127.0.0.1:" + ports[i];
  }

  private HttpResponse<String> send(int node, String method, String path, byte[] body, String range)
      throws Exception {
    String url = path.startsWith("http") ? path : nodeUrl(node) + path;
    if (path.startsWith("http")) {
      // A Location from another node: the same path on this one.
      URI u = URI.create(path);
      url = nodeUrl(node) + u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    if (body != null) {
      request.header("Content-Type", "application/octet-stream");
    }
    if (range != null) {
      request.header("Content-Range", range);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
