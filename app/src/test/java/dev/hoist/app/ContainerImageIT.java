package dev.hoist.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.testkit.DockerDaemon;
import dev.hoist.testkit.Skopeo;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image {@code ./mvnw verify} builds ({@code target/hoist-image.tar}, Jib on the base
 * from {@code scripts/build-base-image.sh}): its configuration as read from the tar, then the image
 * run by a real Docker daemon, serving pushes and pulls, itself included.
 */
class ContainerImageIT {
  private static final Path IMAGE = Path.of("target", "hoist-image.tar").toAbsolutePath();
  private static final Path JAR = Path.of("target", "hoist.jar").toAbsolutePath();
  private static final Path LAUNCHER = Path.of("..", "hoist").toAbsolutePath().normalize();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  /** The files of an image tar ({@code docker save} format), by name. */
  private static Map<String, byte[]> readTar(InputStream in) throws IOException {
    Map<String, byte[]> files = new HashMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        if (e.isFile()) {
          files.put(e.getName(), tar.readAllBytes());
        }
      }
    }
    return files;
  }

  /** The entries of a gzip layer, by path without a leading {@code ./} or {@code /}. */
  private static Map<String, TarArchiveEntry> layerEntries(
      byte[] gzipLayer, Map<String, byte[]> contentsWanted) throws IOException {
    Map<String, TarArchiveEntry> entries = new HashMap<>();
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(
            new GZIPInputStream(new BufferedInputStream(new ByteArrayInputStream(gzipLayer))))) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        String name = e.getName().replaceFirst("^\\./", "").replaceFirst("^/", "");
        name = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        entries.put(name, e);
        if (contentsWanted.containsKey(name) && e.isFile()) {
          contentsWanted.put(name, tar.readAllBytes());
        }
      }
    }
    return entries;
  }

  private static String version() throws IOException {
    try (JarFile jar = new JarFile(JAR.toFile())) {
      return jar.getManifest().getMainAttributes().getValue("Implementation-Version");
    }
  }

  private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static void assertImageBuilt() {
    assertThat(IMAGE)
        .as(
            "the image tar that `./mvnw verify` builds (jib:buildTar before the integration tests,"
                + " on the base made by scripts/build-base-image.sh)")
        .isRegularFile();
  }

  @Test
  void theImageRunsTheLauncherAsANonRootUserWithPortVolumeAndLabels() throws Exception {
    assertImageBuilt();
    Map<String, byte[]> files;
    try (InputStream in = Files.newInputStream(IMAGE)) {
      files = readTar(in);
    }
    JsonNode manifest = JSON.readTree(files.get("manifest.json")).get(0);
    assertThat(manifest.path("RepoTags").get(0).asText()).isEqualTo("hoist:" + version());
    JsonNode config = JSON.readTree(files.get(manifest.path("Config").asText()));
    JsonNode c = config.path("config");

    assertThat(config.path("os").asText()).isEqualTo("linux");
    assertThat(List.of(JSON.treeToValue(c.path("Entrypoint"), String[].class)))
        .containsExactly("/opt/hoist/hoist");
    assertThat(List.of(JSON.treeToValue(c.path("Cmd"), String[].class))).containsExactly("serve");
    String user = c.path("User").asText();
    assertThat(user).isEqualTo("65532:65532");
    assertThat(Integer.parseInt(user.substring(0, user.indexOf(':')))).as("uid").isNotZero();
    assertThat(c.path("ExposedPorts").has("5000/tcp")).as(c.toString()).isTrue();
    assertThat(c.path("Volumes").has("/var/lib/hoist")).as(c.toString()).isTrue();
    assertThat(List.of(JSON.treeToValue(c.path("Env"), String[].class)))
        .contains(
            "HOIST_LISTEN=0.0.0.0:5000", "HOIST_DATA_DIR=/var/lib/hoist", "JAVA_HOME=/opt/java");
    JsonNode labels = c.path("Labels");
    assertThat(labels.path("org.opencontainers.image.title").asText()).isEqualTo("Hoist");
    assertThat(labels.path("org.opencontainers.image.version").asText()).isEqualTo(version());
    assertThat(labels.path("org.opencontainers.image.description").asText()).isNotBlank();
    assertThat(labels.path("org.opencontainers.image.licenses").asText()).isEqualTo("Apache-2.0");
    // The project's own URL, not the app module's (Maven appends a module's name by default).
    assertThat(labels.path("org.opencontainers.image.source").asText())
        .isEqualTo("https://github.com/hoist-registry/hoist");

    // The layers: the base's Debian, Java runtime, user and data directory; then the launcher
    // and the jar of this build, byte for byte.
    Map<String, byte[]> wanted = new HashMap<>();
    wanted.put("opt/hoist/hoist", null);
    wanted.put("opt/hoist/hoist.jar", null);
    wanted.put("opt/java/release", null);
    wanted.put("etc/passwd", null);
    Map<String, TarArchiveEntry> entries = new HashMap<>();
    for (JsonNode layer : manifest.path("Layers")) {
      entries.putAll(layerEntries(files.get(layer.asText()), wanted));
    }
    for (String path : List.of("etc/debian_version", "usr/bin/bash", "opt/java/bin/java")) {
      assertThat(entries.containsKey(path)).as("%s in the image", path).isTrue();
    }
    assertThat(entries.get("opt/java/bin/java").getMode() & 0111).isNotZero();
    TarArchiveEntry data = entries.get("var/lib/hoist");
    assertThat(data.isDirectory()).isTrue();
    assertThat(data.getLongUserId()).isEqualTo(65532);
    assertThat(data.getLongGroupId()).isEqualTo(65532);
    assertThat(new String(wanted.get("etc/passwd"), StandardCharsets.UTF_8))
        .contains("hoist:x:65532:65532:");
    assertThat(new String(wanted.get("opt/java/release"), StandardCharsets.UTF_8))
        .containsPattern("JAVA_VERSION=\"(2[1-9]|[3-9][0-9])");
    assertThat(wanted.get("opt/hoist/hoist")).isEqualTo(Files.readAllBytes(LAUNCHER));
    assertThat(entries.get("opt/hoist/hoist").getMode() & 0755).isEqualTo(0755);
    assertThat(sha256(wanted.get("opt/hoist/hoist.jar")))
        .as("the image's hoist.jar is this build's")
        .isEqualTo(sha256(Files.readAllBytes(JAR)));
    assertThat(entries.containsKey("app"))
        .as("no second copy of the classes (Jib's /app)")
        .isFalse();
  }

  @Test
  void dockerRunsItServingPushesAndPullsOfItselfWithItsDataInAVolume() throws Exception {
    assertImageBuilt();
    String tag = "hoist:" + version();
    Skopeo skopeo = Skopeo.create(dir.resolve("skopeo"));
    try (DockerDaemon docker = DockerDaemon.builder().start()) {
      assertThat(docker.checked("load", "-i", IMAGE.toString()).stdout())
          .contains("Loaded image: " + tag);

      int port = freePort();
      String registry = "127.0.0.1:" + port;
      docker.checked(
          "run",
          "-d",
          "--name",
          "hoist-1",
          "--network",
          "host",
          "-v",
          "hoist-data:/var/lib/hoist",
          tag,
          "serve",
          "--listen",
          registry);
      awaitV2(docker, "hoist-1", registry);
      assertThat(logs(docker, "hoist-1"))
          .contains("listening on http://" + registry)
          .contains("Data in /var/lib/hoist");
      // The launcher's JVM options for the server, as the non-root user.
      String cmdline = docker.checked("exec", "hoist-1", "cat", "/proc/1/cmdline").stdout();
      assertThat(cmdline.split("\0"))
          .startsWith("/opt/java/bin/java")
          .contains("-Xmx256m", "-XX:+UseSerialGC", "-jar", "/opt/hoist/hoist.jar", "serve");
      assertThat(docker.checked("exec", "hoist-1", "id", "-u").stdout().strip()).isEqualTo("65532");

      // The image pushed into the Hoist it runs, and pulled back with the same digest.
      Path digestFile = dir.resolve("pushed-digest");
      skopeo.copy(
          "docker-archive:" + IMAGE,
          "docker://" + registry + "/hoist/hoist:test",
          "--digestfile",
          digestFile.toString());
      String pushed = Files.readString(digestFile).strip();
      assertThat(pushed).startsWith("sha256:");
      JsonNode served = skopeo.inspect("docker://" + registry + "/hoist/hoist:test");
      assertThat(served.path("Digest").asText()).isEqualTo(pushed);
      assertThat(served.path("Labels").path("org.opencontainers.image.version").asText())
          .isEqualTo(version());
      // dir: keeps the manifest as served (oci: would convert it); skopeo checks every blob.
      Path back = dir.resolve("back");
      skopeo.copy("docker://" + registry + "/hoist/hoist:test", "dir:" + back);
      assertThat("sha256:" + sha256(Files.readAllBytes(back.resolve("manifest.json"))))
          .as("the manifest pulled back is the one pushed")
          .isEqualTo(pushed);
      // The daemon pulls it from Hoist too (127.0.0.1 is an insecure registry by default).
      assertThat(docker.pull(registry + "/hoist/hoist:test").stdout())
          .contains("Digest: " + pushed);

      // SIGTERM stops it gracefully; a new container on the same volume has the data.
      docker.checked("stop", "-t", "30", "hoist-1");
      assertThat(logs(docker, "hoist-1")).contains("shutting down");
      docker.checked(
          "run",
          "-d",
          "--name",
          "hoist-2",
          "--network",
          "host",
          "-v",
          "hoist-data:/var/lib/hoist",
          tag,
          "serve",
          "--listen",
          registry);
      awaitV2(docker, "hoist-2", registry);
      assertThat(skopeo.listTags("docker://" + registry + "/hoist/hoist")).containsExactly("test");
      assertThat(
              skopeo.inspect("docker://" + registry + "/hoist/hoist:test").path("Digest").asText())
          .isEqualTo(pushed);
    }
  }

  /** What the container wrote, stdout and stderr. */
  private static String logs(DockerDaemon docker, String container) {
    DockerDaemon.Result r = docker.docker("logs", container);
    return r.stdout() + r.stderr();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private void awaitV2(DockerDaemon docker, String container, String registry) throws Exception {
    URI v2 = URI.create("http://" + registry + "/v2/");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r =
            http.send(HttpRequest.newBuilder(v2).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Docker-Distribution-API-Version"))
            .hasValue("registry/2.0");
        return;
      } catch (ConnectException notYet) {
        String state =
            docker.checked("inspect", "-f", "{{.State.Running}}", container).stdout().strip();
        assertThat(state)
            .as("container %s exited: %s", container, logs(docker, container))
            .isEqualTo("true");
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "hoist serve in "
            + container
            + " did not answer "
            + v2
            + " in 60 s: "
            + logs(docker, container));
  }
}
