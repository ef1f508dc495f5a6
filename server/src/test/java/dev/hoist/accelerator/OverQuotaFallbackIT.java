package dev.hoist.accelerator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.mirror.Upstream;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import dev.hoist.testkit.DockerDaemon;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tenant over its quota, as real clients see it: Hoist refuses the manifest request with 429 and
 * a Retry-After of a few seconds, so a Docker daemon whose {@code registry-mirrors} is the tenant's
 * address, and containerd ({@code ctr}) with the tenant's path address in its {@code hosts.toml},
 * pull from the origin at once, and skopeo fails within seconds (it used to wait minutes behind
 * {@code Retry-After: 86400}).
 *
 * <p>The origin stands in for Docker Hub on loopback: Debian's docker-registry serving TLS with a
 * self-signed certificate for {@code registry-1.docker.io}, which the daemon trusts through {@code
 * SSL_CERT_FILE} and reaches through {@code HTTPS_PROXY}, a proxy in this test that sends every
 * {@code CONNECT} there. The same proxy ({@code HTTP_PROXY}) carries the daemon's plain-HTTP mirror
 * requests for {@code <tenant>.localhost} to Hoist, so the tenant is found by its Host as in
 * production, without touching {@code /etc/hosts}.
 */
class OverQuotaFallbackIT {
  static final String PASSWORD = "correct horse battery";

  @TempDir Path dir;
  Process origin;
  int originPort;
  HoistServer hoist;
  ForwardProxy proxy;
  RandomImages.ImageLayout image;
  String tenant;

  @BeforeEach
  void start() throws Exception {
    Path cert = dir.resolve("origin.crt");
    Path key = dir.resolve("origin.key");
    run(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=registry-1.docker.io",
        "-addext",
        "subjectAltName=DNS:registry-1.docker.io,IP:127.0.0.1",
        "-keyout",
        key.toString(),
        "-out",
        cert.toString());
    originPort = freePort();
    Path config = dir.resolve("origin.yml");
    Files.writeString(
        config,
        "version: 0.1\n"
            + "storage:\n  filesystem:\n    rootdirectory: "
            + dir.resolve("origin-root")
            + "\nhttp:\n  addr: 127.0.0.1:"
            + originPort
            + "\n  tls:\n    certificate: "
            + cert
            + "\n    key: "
            + key
            + "\n");
    origin =
        new ProcessBuilder("/usr/bin/docker-registry", "serve", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("origin.log").toFile())
            .start();
    awaitPort(originPort);
    image = RandomImages.writeLayout(dir.resolve("img"), "1", 5, 300_000);
    Skopeo.create(dir.resolve("skopeo-push"))
        .copy(
            image.ociReference(),
            "docker://127.0.0.1:" + originPort + "/library/app:1",
            "--dest-tls-verify=false");

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
                                .withUrl(URI.create("https://127.0.0.1:" + originPort)))))
                // A quota of nothing: every tenant is exhausted from the start.
                .accelerator(
                    AcceleratorConfig.builder()
                        .baseDomain("localhost")
                        .defaultQuotaBytes(0)
                        .build())
                .build());
    ApiClient alice = new ApiClient(hoist.url());
    alice.signup("alice@example.com", PASSWORD, null);
    tenant = alice.start();
    proxy = new ForwardProxy(originPort, hoist.port());
  }

  @AfterEach
  void stop() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    if (hoist != null) {
      hoist.close();
    }
    if (origin != null) {
      origin.destroy();
      origin.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theDockerDaemonFallsBackToTheOriginAtOnceWhenTheTenantIsOverQuota() throws Exception {
    String mirrorHost = tenant + ".localhost:" + hoist.port();
    try (DockerDaemon docker =
        DockerDaemon.builder()
            .registryMirror("http://" + mirrorHost)
            .insecureRegistry(mirrorHost)
            .environment("HTTP_PROXY", proxy.url())
            .environment("HTTPS_PROXY", proxy.url())
            .environment("SSL_CERT_FILE", dir.resolve("origin.crt").toString())
            .debug(true)
            .start()) {
      long started = System.nanoTime();
      DockerDaemon.Result pulled = docker.docker("pull", "app:1");
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      assertThat(pulled.succeeded()).as(pulled.describe() + "\n" + docker.log()).isTrue();
      assertThat(took)
          .as("the fallback waits for no Retry-After")
          .isLessThan(Duration.ofSeconds(30));
      assertThat(docker.inspect("app:1").get("Id").asText())
          .isEqualTo(image.configDigest().toString());
      // The mirror was asked first, refused for the quota, and the origin served the pull.
      assertThat(proxy.hosts()).contains(mirrorHost, "registry-1.docker.io:443");
      assertThat(docker.log()).contains("traffic quota used up");
    }
  }

  @Test
  void skopeoGivesUpWithinSecondsInsteadOfWaitingForTheReset() {
    Skopeo skopeo = Skopeo.create(dir.resolve("skopeo")).withTimeout(Duration.ofMinutes(2));
    long started = System.nanoTime();
    Skopeo.Result refused =
        skopeo.run(
            "inspect",
            "--tls-verify=false",
            "docker://127.0.0.1:" + hoist.port() + "/m/" + tenant + "/library/app:1");
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(refused.succeeded()).as(refused.describe()).isFalse();
    assertThat(refused.stderr()).containsAnyOf("quota", "429", "toomanyrequests");
    assertThat(took).as(refused.describe()).isLessThan(Duration.ofSeconds(30));
  }

  @Test
  void containerdFallsBackFromTheTenantsPathAddressToTheOriginAtOnce() throws Exception {
    Path hostsDir = dir.resolve("hosts.d");
    Files.createDirectories(hostsDir.resolve("docker.io"));
    String mirror = "http://127.0.0.1:" + hoist.port() + "/m/" + tenant;
    // What the console's containerd snippet says, with the path-prefix address.
    Files.writeString(
        hostsDir.resolve("docker.io").resolve("hosts.toml"),
        "server = \"https://registry-1.docker.io\"\n\n[host.\""
            + mirror
            + "/v2\"]\n  capabilities = [\"pull\", \"resolve\"]\n  override_path = true\n");
    try (Containerd containerd = Containerd.start(dir.resolve("containerd"))) {
      long started = System.nanoTime();
      Containerd.Run pulled =
          containerd.ctr(
              Map.of(
                  "HTTPS_PROXY",
                  proxy.url(),
                  "SSL_CERT_FILE",
                  dir.resolve("origin.crt").toString()),
              "images",
              "pull",
              "--hosts-dir",
              hostsDir.toString(),
              "--snapshotter",
              "native",
              "docker.io/library/app:1");
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      assertThat(pulled.succeeded()).as(pulled.describe()).isTrue();
      assertThat(took).as(pulled.describe()).isLessThan(Duration.ofSeconds(30));
      assertThat(proxy.hosts()).contains("registry-1.docker.io:443");
      assertThat(containerd.ctr(Map.of(), "images", "ls", "-q").stdout())
          .contains("docker.io/library/app:1");
    }
  }

  /**
   * A containerd of its own (Debian's {@code /usr/bin/containerd}, run as root here like the Docker
   * daemon) on a socket under the test's directory, without the CRI plugin; {@code ctr} talks to
   * it. Closing stops it.
   */
  static final class Containerd implements AutoCloseable {
    private final Path dir;
    private final Process process;

    private Containerd(Path dir, Process process) {
      this.dir = dir;
      this.process = process;
    }

    static Containerd start(Path dir) throws Exception {
      Files.createDirectories(dir);
      Path config = dir.resolve("config.toml");
      Files.writeString(
          config,
          "version = 2\nroot = \""
              + dir.resolve("root")
              + "\"\nstate = \""
              + dir.resolve("state")
              + "\"\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n[grpc]\n  address = \""
              + dir.resolve("c.sock")
              + "\"\n");
      Process p =
          new ProcessBuilder("/usr/bin/containerd", "--config", config.toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("log").toFile())
              .start();
      Containerd containerd = new Containerd(dir, p);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!containerd.ctr(Map.of(), "version").succeeded()) {
        if (System.nanoTime() > deadline || !p.isAlive()) {
          containerd.close();
          throw new IllegalStateException(
              "containerd did not start: " + Files.readString(dir.resolve("log")));
        }
        Thread.sleep(200);
      }
      return containerd;
    }

    /** What one {@code ctr} command did. */
    record Run(List<String> command, int exitCode, String stdout, String stderr) {
      boolean succeeded() {
        return exitCode == 0;
      }

      String describe() {
        return String.join(" ", command) + " -> " + exitCode + "\n" + stdout + "\n" + stderr;
      }
    }

    /** {@code ctr --address <socket> <args>} with {@code env} added, whatever its exit code. */
    Run ctr(Map<String, String> env, String... args) throws Exception {
      List<String> command = new java.util.ArrayList<>();
      command.add("/usr/bin/ctr");
      command.add("--address");
      command.add(dir.resolve("c.sock").toString());
      command.addAll(List.of(args));
      ProcessBuilder pb = new ProcessBuilder(command);
      pb.environment()
          .keySet()
          .removeIf(k -> k.toLowerCase(java.util.Locale.ROOT).endsWith("_proxy"));
      pb.environment().putAll(env);
      Path out = Files.createTempFile(dir, "ctr", ".out");
      Path err = Files.createTempFile(dir, "ctr", ".err");
      Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("ctr timed out: " + command);
      }
      return new Run(command, p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Override
    public void close() {
      process.destroy();
      try {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void awaitPort(int port) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
        return;
      } catch (IOException e) {
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("docker-registry did not listen on " + port);
  }

  /**
   * A forward proxy on loopback: {@code CONNECT} (to any host) is tunnelled to the origin's TLS
   * port, and plain HTTP requests (absolute-form, Host kept) go to Hoist. It remembers each target
   * it was asked for.
   */
  static final class ForwardProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int originPort;
    private final int hoistPort;
    private final Set<String> hosts = ConcurrentHashMap.newKeySet();

    ForwardProxy(int originPort, int hoistPort) throws IOException {
      this.originPort = originPort;
      this.hoistPort = hoistPort;
      this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread.ofVirtual().start(this::accept);
    }

    String url() {
      return "http://127.0.0.1:" + server.getLocalPort();
    }

    Set<String> hosts() {
      return hosts;
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket client = server.accept();
          Thread.ofVirtual().start(() -> serve(client));
        } catch (IOException e) {
          return;
        }
      }
    }

    private void serve(Socket client) {
      try (client) {
        InputStream in = client.getInputStream();
        byte[] head = readHead(in);
        String requestLine =
            new String(head, StandardCharsets.ISO_8859_1).lines().findFirst().orElse("");
        String[] parts = requestLine.split(" ", 3);
        if (parts.length < 2) {
          return;
        }
        if (parts[0].equals("CONNECT")) {
          hosts.add(parts[1]);
          try (Socket target = new Socket(InetAddress.getLoopbackAddress(), originPort)) {
            client
                .getOutputStream()
                .write(
                    "HTTP/1.1 200 Connection established\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
            pipe(client, target, new byte[0]);
          }
          return;
        }
        hosts.add(URI.create(parts[1]).getRawAuthority());
        try (Socket target = new Socket(InetAddress.getLoopbackAddress(), hoistPort)) {
          pipe(client, target, head);
        }
      } catch (IOException e) {
        // The client or the target went away: nothing to clean up beyond the sockets.
      }
    }

    /** The request's header block, up to and including the blank line. */
    private static byte[] readHead(InputStream in) throws IOException {
      java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
      int matched = 0;
      byte[] end = {'\r', '\n', '\r', '\n'};
      while (matched < 4) {
        int c = in.read();
        if (c < 0) {
          break;
        }
        b.write(c);
        matched = c == end[matched] ? matched + 1 : (c == '\r' ? 1 : 0);
      }
      return b.toByteArray();
    }

    /** Copies both ways until either side closes. */
    private static void pipe(Socket client, Socket target, byte[] first) throws IOException {
      OutputStream toTarget = target.getOutputStream();
      toTarget.write(first);
      toTarget.flush();
      Thread back =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      target.getInputStream().transferTo(client.getOutputStream());
                    } catch (IOException e) {
                      // closed
                    } finally {
                      try {
                        client.shutdownOutput();
                      } catch (IOException e) {
                        // closed already
                      }
                    }
                  });
      try {
        client.getInputStream().transferTo(toTarget);
        target.shutdownOutput();
        back.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
