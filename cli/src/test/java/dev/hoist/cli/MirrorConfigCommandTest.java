package dev.hoist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MirrorConfigCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  Cli cli;

  @BeforeEach
  void setUp() throws IOException {
    cli = new Cli(dir);
  }

  /** A loose reading of TOML: each table header with its {@code key = value} lines. */
  private static List<Map.Entry<String, Map<String, String>>> toml(String text) {
    List<Map.Entry<String, Map<String, String>>> tables = new ArrayList<>();
    Map<String, String> current = new LinkedHashMap<>();
    tables.add(Map.entry("", current));
    for (String raw : text.lines().toList()) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("[")) {
        current = new LinkedHashMap<>();
        tables.add(Map.entry(line, current));
        continue;
      }
      int eq = line.indexOf('=');
      assertThat(eq).as("a key = value line: " + line).isPositive();
      current.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
    }
    return tables;
  }

  @Test
  void dockerGetsRegistryMirrorsAndInsecureRegistriesForPlainHttp() throws IOException {
    Cli.Run run = cli.run("mirror-config", "--for", "docker", "http://hoist.example:5000/");

    assertThat(run.exit()).as(run.all()).isZero();
    JsonNode json = JSON.readTree(run.out());
    assertThat(json.get("registry-mirrors"))
        .extracting(JsonNode::asText)
        .containsExactly("http://hoist.example:5000");
    assertThat(json.get("insecure-registries"))
        .extracting(JsonNode::asText)
        .containsExactly("hoist.example:5000");
    assertThat(run.err()).contains("/etc/docker/daemon.json").contains("restart");
  }

  @Test
  void dockerOverHttpsNeedsNoInsecureEntry() throws IOException {
    Cli.Run run = cli.run("mirror-config", "--for", "docker", "hoist.example");

    assertThat(run.exit()).as(run.all()).isZero();
    JsonNode json = JSON.readTree(run.out());
    assertThat(json.get("registry-mirrors").get(0).asText()).isEqualTo("https://hoist.example");
    assertThat(json.has("insecure-registries")).isFalse();
  }

  @Test
  void dockerCannotMirrorOtherRegistriesAndSaysWhatToDoInstead() {
    Cli.Run run =
        cli.run("mirror-config", "--for", "docker", "http://h:5000", "--registry", "ghcr.io");

    assertThat(run.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.out()).isEmpty();
    assertThat(run.err())
        .startsWith("Error: Docker's registry-mirrors applies to docker.io only")
        .contains("h:5000/ghcr.io/<repository>:<tag>")
        .hasLineCount(1);
  }

  @Test
  void dockerRefusesAMirrorUnderAPath() {
    Cli.Run run = cli.run("mirror-config", "--for", "docker", "https://h/m/abc");

    assertThat(run.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("not a path");
  }

  @Test
  void containerdGetsHostsTomlForDockerHubWithItsApiServer() {
    Cli.Run run = cli.run("mirror-config", "--for", "containerd", "http://hoist.example:5000");

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.out()).startsWith("# /etc/containerd/certs.d/docker.io/hosts.toml\n");
    var tables = toml(run.out());
    assertThat(tables.get(0).getValue())
        .containsEntry("server", "\"https://registry-1.docker.io\"");
    assertThat(tables.get(1).getKey()).isEqualTo("[host.\"http://hoist.example:5000\"]");
    assertThat(tables.get(1).getValue())
        .containsExactly(Map.entry("capabilities", "[\"pull\", \"resolve\"]"));
    assertThat(run.err())
        .contains("Write this to /etc/containerd/certs.d/docker.io/hosts.toml")
        .contains("config_path")
        .contains("?ns=docker.io");
  }

  @Test
  void containerdMirrorsAnyRegistryAndOverridesAPath() {
    Cli.Run run =
        cli.run(
            "mirror-config",
            "--for",
            "containerd",
            "https://mirror.example/m/abc",
            "--registry",
            "GHCR.io");

    assertThat(run.exit()).as(run.all()).isZero();
    var tables = toml(run.out());
    assertThat(run.out()).startsWith("# /etc/containerd/certs.d/ghcr.io/hosts.toml");
    assertThat(tables.get(0).getValue()).containsEntry("server", "\"https://ghcr.io\"");
    assertThat(tables.get(1).getKey()).isEqualTo("[host.\"https://mirror.example/m/abc/v2\"]");
    assertThat(tables.get(1).getValue()).containsEntry("override_path", "true");
  }

  @Test
  void podmanGetsARegistryWithAMirrorMarkedInsecureForPlainHttp() {
    Cli.Run run = cli.run("mirror-config", "--for", "podman", "http://hoist.example:5000");

    assertThat(run.exit()).as(run.all()).isZero();
    var tables = toml(run.out());
    assertThat(tables.get(1).getKey()).isEqualTo("[[registry]]");
    assertThat(tables.get(1).getValue())
        .containsEntry("prefix", "\"docker.io\"")
        .containsEntry("location", "\"docker.io\"");
    assertThat(tables.get(2).getKey()).isEqualTo("[[registry.mirror]]");
    assertThat(tables.get(2).getValue())
        .containsEntry("location", "\"hoist.example:5000\"")
        .containsEntry("insecure", "true");
    assertThat(run.err()).contains("registries.conf");
  }

  @Test
  void podmanUsesHoistsPathPrefixFormForOtherRegistries() {
    Cli.Run run =
        cli.run(
            "mirror-config", "--for", "podman", "https://hoist.example", "--registry", "quay.io");

    assertThat(run.exit()).as(run.all()).isZero();
    var tables = toml(run.out());
    assertThat(tables.get(1).getValue()).containsEntry("prefix", "\"quay.io\"");
    assertThat(tables.get(2).getValue())
        .containsEntry("location", "\"hoist.example/quay.io\"")
        .doesNotContainKey("insecure");
    assertThat(run.out()).contains("path-prefix");
  }

  @Test
  void theRegistryIsNamedAsImageNamesSpellIt() {
    Cli.Run legacy =
        cli.run(
            "mirror-config", "--for", "docker", "http://h:5000", "--registry", "index.docker.io");
    assertThat(legacy.exit()).as(legacy.all()).isZero();
    // registry-1.docker.io is Docker Hub's API host, a registry of its own in image names.
    Cli.Run api =
        cli.run(
            "mirror-config",
            "--for",
            "docker",
            "http://h:5000",
            "--registry",
            "registry-1.docker.io");
    assertThat(api.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(api.err()).contains("applies to docker.io only");
    // A single label is no registry an image name can spell: myhost/app is on docker.io.
    Cli.Run label = cli.run("mirror-config", "--for", "podman", "http://h", "--registry", "myhost");
    assertThat(label.exit()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void badInputIsAUsageError() {
    assertThat(cli.run("mirror-config", "--for", "rkt", "http://h").exit())
        .isEqualTo(ExitCodes.USAGE);
    assertThat(cli.run("mirror-config", "--for", "podman", "ftp://h").exit())
        .isEqualTo(ExitCodes.USAGE);
    Cli.Run run =
        cli.run("mirror-config", "--for", "podman", "http://h", "--registry", "not a registry");
    assertThat(run.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("invalid registry 'not a registry'");
    assertThat(cli.run("mirror-config", "http://h").exit()).isEqualTo(ExitCodes.USAGE);
  }
}
