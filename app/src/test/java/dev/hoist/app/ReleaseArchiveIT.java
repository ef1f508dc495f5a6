package dev.hoist.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release archive the build makes ({@code target/hoist-VERSION.tar.gz}): unpacked with {@code
 * tar} as an operator would, its launcher runs the server from there, and its systemd unit passes
 * {@code systemd-analyze verify}.
 */
class ReleaseArchiveIT {
  private static final Path TARGET = Path.of("target").toAbsolutePath();
  private static final Path JAR = TARGET.resolve("hoist.jar");
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static final Path SYSTEMD_ANALYZE = Path.of("/usr/bin/systemd-analyze");

  @TempDir Path dir;
  private final List<Process> processes = new ArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @AfterEach
  void stopLeftovers() {
    processes.forEach(Process::destroyForcibly);
  }

  private static String version() throws IOException {
    try (JarFile jar = new JarFile(JAR.toFile())) {
      return jar.getManifest().getMainAttributes().getValue("Implementation-Version");
    }
  }

  private record Run(int exitCode, String output) {}

  private static Run run(Path workDir, Map<String, String> env, String... command)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
    builder.redirectErrorStream(true);
    builder.environment().putAll(env);
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
    return new Run(p.exitValue(), out);
  }

  /** The archive unpacked by {@code tar -xzf} into the test's directory; its top folder. */
  private Path unpack() throws Exception {
    Path archive = TARGET.resolve("hoist-" + version() + ".tar.gz");
    assertThat(archive).as("the release archive `./mvnw package` makes").isRegularFile();
    Path into = dir.resolve("unpacked");
    Files.createDirectories(into);
    Run tar = run(dir, Map.of(), "tar", "-xzf", archive.toString(), "-C", into.toString());
    assertThat(tar.exitCode()).as(tar.output()).isZero();
    try (Stream<Path> top = Files.list(into)) {
      assertThat(top.map(p -> p.getFileName().toString()).toList())
          .as("one folder named after the release")
          .containsExactly("hoist-" + version());
    }
    return into.resolve("hoist-" + version());
  }

  /** A JAVA_HOME for the launcher: the JDK running this test (21+, as the build requires). */
  private static Map<String, String> javaHome() {
    return Map.of("JAVA_HOME", System.getProperty("java.home"), "HOIST_JAVA_OPTS", "");
  }

  @Test
  void holdsTheJarLauncherExampleConfigUnitAndInstructions() throws Exception {
    Path release = unpack();
    List<String> files;
    try (Stream<Path> all = Files.walk(release)) {
      files =
          all.filter(Files::isRegularFile)
              .map(p -> release.relativize(p).toString())
              .sorted()
              .toList();
    }
    List<String> expected =
        new ArrayList<>(
            List.of(
                "hoist",
                "hoist.jar",
                "scripts/find-jdk.sh",
                "hoist.yaml.example",
                "hoist.service",
                "INSTALL.md",
                "LICENSE",
                "docs/configuration.md"));
    if (Runtime.version().feature() >= 25) {
      // The server's AOT cache, made by the build's Java (the one running this test).
      expected.addAll(List.of("hoist-serve.aot", "hoist-serve.aot.jdk"));
    }
    assertThat(files).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(Files.mismatch(release.resolve("LICENSE"), REPO.resolve("LICENSE"))).isEqualTo(-1L);
    assertThat(Files.getPosixFilePermissions(release.resolve("hoist")))
        .contains(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);
    assertThat(Files.mismatch(release.resolve("hoist.jar"), JAR)).isEqualTo(-1L);
    assertThat(Files.mismatch(release.resolve("hoist"), REPO.resolve("hoist"))).isEqualTo(-1L);
    assertThat(
            Files.mismatch(
                release.resolve("hoist.yaml.example"), REPO.resolve("docs/hoist.example.yaml")))
        .isEqualTo(-1L);
    String install = Files.readString(release.resolve("INSTALL.md"));
    assertThat(install)
        .contains("# Hoist " + version())
        .contains("hoist-" + version() + ".tar.gz")
        .contains("-Xmx256m -XX:+UseSerialGC")
        .doesNotContain("${");
  }

  @Test
  void itsLauncherRunsTheServerFromTheUnpackedFolderWithTheServersJvmOptions() throws Exception {
    Path release = unpack();
    int port = freePort();
    Path data = dir.resolve("data");
    ProcessBuilder builder =
        new ProcessBuilder(
                release.resolve("hoist").toString(),
                "serve",
                "--listen",
                "127.0.0.1:" + port,
                "--data-dir",
                data.toString())
            .directory(dir.toFile())
            .redirectOutput(dir.resolve("stdout.txt").toFile())
            .redirectError(dir.resolve("stderr.txt").toFile());
    builder.environment().putAll(javaHome());
    Path aotLog = dir.resolve("aot.log");
    builder.environment().put("HOIST_JAVA_OPTS", "-Xlog:aot=info:file=" + aotLog);
    Process p = builder.start();
    processes.add(p);
    URI v2 = URI.create("http://127.0.0.1:" + port + "/v2/");
    awaitOk(v2, p);
    if (Runtime.version().feature() >= 25) {
      // The Java that made the release's AOT cache runs it: the JVM maps it, classes and all.
      assertThat(List.of(p.info().arguments().orElseThrow()))
          .contains("-XX:AOTCache=" + release.resolve("hoist-serve.aot"));
      assertThat(Files.readString(aotLog))
          .contains("Opened AOT cache " + release.resolve("hoist-serve.aot"))
          .doesNotContainIgnoringCase("unable to use");
    }
    // The launcher replaced itself with the JVM (exec): the process is java with the options.
    List<String> args = List.of(p.info().arguments().orElseThrow());
    assertThat(args)
        .contains("-Xmx256m", "-XX:+UseSerialGC", "-jar", release.resolve("hoist.jar").toString());
    assertThat(Files.readString(dir.resolve("stdout.txt")))
        .contains("Hoist " + version() + " listening on http://127.0.0.1:" + port);
    assertThat(data.resolve("hoist.db")).exists();
    p.destroy();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();

    // Linked into a folder on PATH, it still finds its jar.
    Path bin = dir.resolve("bin");
    Files.createDirectories(bin);
    Files.createSymbolicLink(bin.resolve("hoist"), release.resolve("hoist"));
    Run version = run(dir, javaHome(), bin.resolve("hoist").toString(), "--version");
    assertThat(version.exitCode()).as(version.output()).isZero();
    assertThat(version.output()).contains("hoist " + version()).doesNotContain("building");
  }

  @Test
  void itsSystemdUnitPassesSystemdAnalyzeVerify() throws Exception {
    Path release = unpack();
    String unit = Files.readString(release.resolve("hoist.service"));
    Map<String, String> service = section(unit, "Service");
    assertThat(service.get("User")).isEqualTo("hoist");
    assertThat(service.get("ExecStart"))
        .isEqualTo("/opt/hoist/hoist serve --config /etc/hoist/hoist.yaml");
    assertThat(service.get("Restart")).isEqualTo("on-failure");
    assertThat(service.get("LimitNOFILE")).isEqualTo("65536");
    assertThat(service.get("NoNewPrivileges")).isEqualTo("yes");
    assertThat(service.get("ProtectSystem")).isEqualTo("strict");
    assertThat(service.get("ReadWritePaths")).isEqualTo("/var/lib/hoist");
    assertThat(service.get("Environment")).isEqualTo("HOIST_DATA_DIR=/var/lib/hoist");
    assertThat(section(unit, "Install").get("WantedBy")).isEqualTo("multi-user.target");

    // systemd-analyze checks every key and value, and that ExecStart's program exists: point it
    // at the unpacked launcher (installed, it is /opt/hoist/hoist).
    assertThat(SYSTEMD_ANALYZE)
        .as("systemd-analyze (Debian: apt-get install systemd) checks the unit")
        .isExecutable();
    Path checked = dir.resolve("hoist.service");
    Files.writeString(
        checked, unit.replace("ExecStart=/opt/hoist/hoist ", "ExecStart=" + release + "/hoist "));
    Run verify = run(dir, Map.of(), SYSTEMD_ANALYZE.toString(), "verify", checked.toString());
    assertThat(verify.exitCode()).as(verify.output()).isZero();
    assertThat(verify.output()).as("warnings of systemd-analyze verify").isBlank();

    // And it catches a mistake, so the silence above means something.
    Path broken = dir.resolve("broken.service");
    Files.writeString(
        broken, Files.readString(checked).replace("Restart=on-failure", "Restart=sometimes"));
    Run bad = run(dir, Map.of(), SYSTEMD_ANALYZE.toString(), "verify", broken.toString());
    assertThat(bad.output()).contains("restart specifier").contains("sometimes");
  }

  /** The keys of one [section] of a unit file (the last value of a repeated key). */
  private static Map<String, String> section(String unit, String name) {
    Map<String, String> keys = new LinkedHashMap<>();
    String current = "";
    for (String line : unit.lines().toList()) {
      String l = line.strip();
      if (l.startsWith("[") && l.endsWith("]")) {
        current = l.substring(1, l.length() - 1);
      } else if (current.equals(name) && !l.isEmpty() && !l.startsWith("#") && l.contains("=")) {
        keys.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1));
      }
    }
    return keys;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private void awaitOk(URI uri, Process p) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      assertThat(p.isAlive())
          .as("hoist serve exited: %s", Files.readString(dir.resolve("stderr.txt")))
          .isTrue();
      try {
        HttpResponse<String> r =
            http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return;
      } catch (ConnectException notYet) {
        Thread.sleep(100);
      }
    }
    throw new AssertionError(
        uri + " did not answer in 60 s: " + Files.readString(dir.resolve("stderr.txt")));
  }
}
