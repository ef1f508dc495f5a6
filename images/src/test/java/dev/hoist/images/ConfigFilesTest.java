package dev.hoist.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.client.Credentials;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Docker's config.json, Hoist's client.json and Docker's daemon.json, as files. */
class ConfigFilesTest {
  @TempDir Path dir;

  private ClientEnvironment env() {
    return new ClientEnvironment(
        Map.of(
            "DOCKER_CONFIG", dir.resolve("docker").toString(),
            "HOIST_CONFIG", dir.resolve("client.json").toString(),
            "HOIST_DOCKER_DAEMON_JSON", dir.resolve("daemon.json").toString(),
            "PATH", ""),
        dir.resolve("home"),
        new ByteArrayInputStream(new byte[0]),
        false);
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void credentialsComeFromBase64AuthUnderTheRegistrysKey() throws Exception {
    Files.createDirectories(dir.resolve("docker"));
    Files.writeString(
        dir.resolve("docker/config.json"),
        "{\"auths\":{"
            + "\"https://index.docker.io/v1/\":{\"auth\":\""
            + b64("hub:pw:with:colons")
            + "\"},"
            + "\"https://registry.example:5000/v1/\":{\"auth\":\""
            + b64("alice:secret")
            + "\"},"
            + "\"ghcr.io\":{\"identitytoken\":\"refresh-me\"}}}");
    DockerConfig c = DockerConfig.load(env());

    assertThat(c.credentials("docker.io")).contains(Credentials.basic("hub", "pw:with:colons"));
    assertThat(c.credentials("index.docker.io"))
        .contains(Credentials.basic("hub", "pw:with:colons"));
    // Docker Hub's API host is Docker Hub where credentials are looked up (only there).
    assertThat(c.credentials("registry-1.docker.io"))
        .contains(Credentials.basic("hub", "pw:with:colons"));
    assertThat(c.credentials("registry.example:5000"))
        .contains(Credentials.basic("alice", "secret"));
    assertThat(c.credentials("ghcr.io")).contains(Credentials.identityToken("refresh-me"));
    assertThat(c.credentials("registry.example")).isEmpty();
    assertThat(c.credentials("quay.io")).isEmpty();
  }

  @Test
  void aMissingConfigJsonHasNoCredentials() throws Exception {
    assertThat(DockerConfig.load(env()).credentials("docker.io")).isEmpty();
  }

  @Test
  void brokenAuthIsAClearError() throws Exception {
    Files.createDirectories(dir.resolve("docker"));
    Files.writeString(
        dir.resolve("docker/config.json"), "{\"auths\":{\"r.example\":{\"auth\":\"!!!\"}}}");

    assertThatThrownBy(() -> DockerConfig.load(env()).credentials("r.example"))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("not valid base64");
  }

  @Test
  void storeLoginWritesBase64AuthKeepsOtherFieldsAndIsPrivate() throws Exception {
    Files.createDirectories(dir.resolve("docker"));
    Files.writeString(
        dir.resolve("docker/config.json"),
        "{\"psFormat\":\"table\",\"auths\":{\"https://r.example/v1/\":{\"auth\":\""
            + b64("old:old")
            + "\"}}}");
    DockerConfig c = DockerConfig.load(env());

    c.storeLogin("r.example", "bob", "pw");
    c.storeLogin("docker.io", "hub", "pw2");

    JsonNode json = new ObjectMapper().readTree(dir.resolve("docker/config.json").toFile());
    assertThat(json.path("psFormat").asText()).isEqualTo("table");
    assertThat(json.path("auths").has("https://r.example/v1/")).isFalse();
    assertThat(json.path("auths").path("r.example").path("auth").asText()).isEqualTo(b64("bob:pw"));
    assertThat(json.path("auths").path("https://index.docker.io/v1/").path("auth").asText())
        .isEqualTo(b64("hub:pw2"));
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("docker/config.json"))))
        .isEqualTo("rw-------");
    assertThat(DockerConfig.load(env()).credentials("r.example"))
        .contains(Credentials.basic("bob", "pw"));

    assertThat(DockerConfig.load(env()).erase("r.example")).isTrue();
    assertThat(DockerConfig.load(env()).credentials("r.example")).isEmpty();
    assertThat(DockerConfig.load(env()).erase("r.example")).isFalse();
  }

  @Test
  void aConfiguredHelperThatIsNotOnPathIsNamedInTheError() throws Exception {
    Files.createDirectories(dir.resolve("docker"));
    Files.writeString(dir.resolve("docker/config.json"), "{\"credsStore\":\"nothere\"}");

    assertThatThrownBy(() -> DockerConfig.load(env()).credentials("docker.io"))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("docker-credential-nothere")
        .hasMessageContaining("not on PATH");
  }

  @Test
  void helperChoiceFollowsCredHelpersThenCredsStore() throws Exception {
    Files.createDirectories(dir.resolve("docker"));
    Files.writeString(
        dir.resolve("docker/config.json"),
        "{\"credsStore\":\"desktop\",\"credHelpers\":{\"ghcr.io\":\"gh\"}}");
    DockerConfig c = DockerConfig.load(env());

    assertThat(c.helperFor("ghcr.io")).contains("gh");
    assertThat(c.helperFor("docker.io")).contains("desktop");
  }

  @Test
  void mirrorsComeFromClientJsonThenDaemonJsonForDockerHubOnly() throws Exception {
    Files.writeString(
        dir.resolve("client.json"),
        "{\"mirrors\":{\"docker.io\":[\"http://a:5000\"],\"ghcr.io\":[\"https://g\"]},"
            + "\"insecureRegistries\":[\"lan.example:5000\"]}");
    Files.writeString(
        dir.resolve("daemon.json"),
        "{\"registry-mirrors\":[\"https://b.example\",\"http://a:5000\"],"
            + "\"insecure-registries\":[\"other.lan\"]}");

    ClientConfig c = ClientConfig.load(env());

    assertThat(c.mirrorsFor("docker.io")).containsExactly("http://a:5000", "https://b.example");
    assertThat(c.mirrorsFor("index.docker.io"))
        .containsExactly("http://a:5000", "https://b.example");
    assertThat(c.mirrorsFor("ghcr.io")).containsExactly("https://g");
    assertThat(c.mirrorsFor("quay.io")).isEmpty();
    assertThat(c.isInsecure("lan.example:5000")).isTrue();
    assertThat(c.isInsecure("other.lan:443")).isTrue();
    assertThat(c.isInsecure("lan.example:6000")).isFalse();
    assertThat(c.withInsecure(List.of("x.example")).isInsecure("x.example")).isTrue();
  }

  @Test
  void dockerHubsApiHostIsNotDockerHubInMirrorNames() throws Exception {
    Files.writeString(
        dir.resolve("client.json"),
        "{\"mirrors\":{\"Docker.IO\":[\"http://a:5000\"],"
            + "\"https://GHCR.io/v2/\":[\"https://g\"]}}");

    ClientConfig c = ClientConfig.load(env());

    assertThat(c.mirrorsFor("docker.io")).containsExactly("http://a:5000");
    assertThat(c.mirrorsFor("registry-1.docker.io")).isEmpty();
    assertThat(c.mirrorsFor("Ghcr.io")).containsExactly("https://g");
  }

  @Test
  void aMirrorsKeyThatIsNotARegistryIsAUsageErrorNamingTheFile() throws Exception {
    Files.writeString(dir.resolve("client.json"), "{\"mirrors\":{\"not a host\":[\"http://a\"]}}");

    assertThatThrownBy(() -> ClientConfig.load(env()))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("client.json")
        .hasMessageContaining("invalid registry host 'not a host'")
        .satisfies(
            e -> assertThat(((ImageException) e).kind()).isEqualTo(ImageException.Kind.USAGE));
  }

  @Test
  void missingConfigFilesMeanNoMirrors() throws Exception {
    assertThat(ClientConfig.load(env()).mirrorsFor("docker.io")).isEmpty();
  }

  @Test
  void aClientJsonThatIsNotJsonIsAUsageErrorNamingTheFile() throws Exception {
    Files.writeString(dir.resolve("client.json"), "{mirrors:");

    assertThatThrownBy(() -> ClientConfig.load(env()))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("client.json")
        .satisfies(
            e -> assertThat(((ImageException) e).kind()).isEqualTo(ImageException.Kind.USAGE));
  }

  @Test
  void environmentLocatesFilesAsDocumented() {
    Path home = Path.of("/home/u");
    ClientEnvironment bare =
        new ClientEnvironment(Map.of(), home, new ByteArrayInputStream(new byte[0]), false);
    assertThat(bare.hoistConfigFile()).isEqualTo(Path.of("/home/u/.config/hoist/client.json"));
    assertThat(bare.dockerConfigFile()).isEqualTo(Path.of("/home/u/.docker/config.json"));
    assertThat(bare.dockerDaemonJson()).isEqualTo(Path.of("/etc/docker/daemon.json"));
    assertThat(bare.storeRoot()).isEqualTo(Path.of("/home/u/.local/share/hoist"));
    ClientEnvironment xdg = bare.withEnv("XDG_CONFIG_HOME", "/cfg");
    assertThat(xdg.hoistConfigFile()).isEqualTo(Path.of("/cfg/hoist/client.json"));
  }
}
