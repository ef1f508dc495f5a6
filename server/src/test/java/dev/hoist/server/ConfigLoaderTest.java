package dev.hoist.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  @Test
  void defaultsListenOnLoopbackPort5000WithDataInHoistData() {
    ServerConfig c = ConfigLoader.load(null, Map.of(), ConfigLoader.Flags.none());
    assertThat(c.listenHost()).isEqualTo("127.0.0.1");
    assertThat(c.listenPort()).isEqualTo(5000);
    assertThat(c.dataDir()).isEqualTo(Path.of("hoist-data"));
    assertThat(c.deleteEnabled()).isTrue();
    assertThat(c.uploadPurgeAge()).isEqualTo(Duration.ofHours(24));
  }

  @Test
  void flagsWinOverEnvironmentWhichWinsOverTheFile() throws Exception {
    Path file = dir.resolve("hoist.yaml");
    Files.writeString(
        file,
        """
        listen: 127.0.0.1:6000
        dataDir: /srv/from-file
        registry:
          deleteEnabled: false
          uploadPurgeAge: 2h
        """);
    ServerConfig fileOnly = ConfigLoader.load(file, Map.of(), ConfigLoader.Flags.none());
    assertThat(fileOnly.listenPort()).isEqualTo(6000);
    assertThat(fileOnly.dataDir()).isEqualTo(Path.of("/srv/from-file"));
    assertThat(fileOnly.deleteEnabled()).isFalse();
    assertThat(fileOnly.uploadPurgeAge()).isEqualTo(Duration.ofHours(2));

    ServerConfig withEnv =
        ConfigLoader.load(
            file, Map.of("HOIST_LISTEN", "127.0.0.1:7000"), ConfigLoader.Flags.none());
    assertThat(withEnv.listenPort()).isEqualTo(7000);

    ServerConfig withFlags =
        ConfigLoader.load(
            file,
            Map.of("HOIST_LISTEN", "127.0.0.1:7000"),
            new ConfigLoader.Flags("[::1]:8000", Path.of("/tmp/flag")));
    assertThat(withFlags.listenHost()).isEqualTo("::1");
    assertThat(withFlags.listenPort()).isEqualTo(8000);
    assertThat(withFlags.dataDir()).isEqualTo(Path.of("/tmp/flag"));
    assertThat(withFlags.deleteEnabled()).as("untouched settings keep the file's").isFalse();
  }

  @Test
  void aRelativeDataDirInAFileIsRelativeToTheFile() throws Exception {
    Path file = dir.resolve("hoist.yaml");
    Files.writeString(file, "dataDir: data\n");
    assertThat(ConfigLoader.load(file, Map.of(), ConfigLoader.Flags.none()).dataDir())
        .isEqualTo(dir.toAbsolutePath().resolve("data"));
  }

  @Test
  void badValuesFailNamingTheSetting() throws Exception {
    assertThatThrownBy(
            () -> ConfigLoader.load(null, Map.of(), new ConfigLoader.Flags("localhost", null)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--listen")
        .hasMessageContaining("HOST:PORT");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    null, Map.of("HOIST_LISTEN", "127.0.0.1:70000"), ConfigLoader.Flags.none()))
        .hasMessageContaining("HOIST_LISTEN")
        .hasMessageContaining("65535");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    null, Map.of("HOIST_DELETE_ENABLED", "maybe"), ConfigLoader.Flags.none()))
        .hasMessageContaining("HOIST_DELETE_ENABLED");
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "registry:\n  uploadPurgeAge: soon\n");
    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of(), ConfigLoader.Flags.none()))
        .hasMessageContaining("registry.uploadPurgeAge")
        .hasMessageContaining("duration");
    Files.writeString(file, "listne: 127.0.0.1:5000\n");
    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of(), ConfigLoader.Flags.none()))
        .hasMessageContaining("listne")
        .hasMessageContaining("unknown setting");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(dir.resolve("missing.yaml"), Map.of(), ConfigLoader.Flags.none()))
        .hasMessageContaining("--config")
        .hasMessageContaining("cannot read");
  }

  @Test
  void durationsAcceptShortAndIsoForms() {
    assertThat(ConfigLoader.duration("x", "500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(ConfigLoader.duration("x", "10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(ConfigLoader.duration("x", "7d")).isEqualTo(Duration.ofDays(7));
    assertThat(ConfigLoader.duration("x", "PT1H30M")).isEqualTo(Duration.ofMinutes(90));
  }

  @Test
  void anEmptyHostMeansEveryInterface() {
    assertThat(
            ConfigLoader.load(null, Map.of(), new ConfigLoader.Flags(":5001", null)).listenHost())
        .isEqualTo("0.0.0.0");
  }

  @Test
  void theMirrorIsOffUntilAnUpstreamIsConfigured() {
    assertThat(ConfigLoader.load(null, Map.of(), ConfigLoader.Flags.none()).mirror().enabled())
        .isFalse();
  }

  @Test
  void mirrorFlagsNameKnownRegistriesOrGiveAUrl() {
    ServerConfig c =
        ConfigLoader.load(
            null,
            Map.of(),
            new ConfigLoader.Flags(
                null, null, java.util.List.of("docker.io=http://127.0.0.1:5001", "ghcr.io")));
    assertThat(c.mirror().enabled()).isTrue();
    assertThat(c.mirror().defaultUpstream()).isEqualTo("docker.io");
    assertThat(c.mirror().upstream("docker.io").orElseThrow().url().toString())
        .isEqualTo("http://127.0.0.1:5001");
    assertThat(c.mirror().upstream("docker.io").orElseThrow().authHosts())
        .contains("auth.docker.io");
    assertThat(c.mirror().upstream("ghcr.io").orElseThrow().url().toString())
        .isEqualTo("https://ghcr.io");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    null,
                    Map.of(),
                    new ConfigLoader.Flags(null, null, java.util.List.of("example.org"))))
        .hasMessageContaining("--mirror")
        .hasMessageContaining("example.org=https://");
  }

  @Test
  void theMirrorSectionOfTheFileIsReadWithEveryRule() throws Exception {
    Path file = dir.resolve("hoist.yaml");
    Files.writeString(
        file,
        """
        mirror:
          upstreams:
            - docker.io
            - name: registry.example.com:5000
              url: http://127.0.0.1:5005
              username: bot
              password: secret
          defaultUpstream: registry.example.com:5000
          hosted: [team]
          negativeTtl: 10s
          prefetchSiblings: true
          freshness:
            - repository: "docker.io/library/*"
              tag: latest
              fresh: 1m
              staleWhileRevalidate: 30s
        """);
    var mirror = ConfigLoader.load(file, Map.of(), ConfigLoader.Flags.none()).mirror();
    assertThat(mirror.upstreams()).hasSize(2);
    assertThat(mirror.defaultUpstream()).isEqualTo("registry.example.com:5000");
    assertThat(mirror.upstream("registry.example.com:5000").orElseThrow().username())
        .isEqualTo("bot");
    assertThat(mirror.hostedPrefixes()).containsExactly("team");
    assertThat(mirror.negativeTtl()).isEqualTo(Duration.ofSeconds(10));
    assertThat(mirror.prefetchSiblings()).isTrue();
    assertThat(mirror.freshnessRules()).hasSize(1);
    assertThat(mirror.freshnessRules().get(0).fresh()).isEqualTo(Duration.ofMinutes(1));
    assertThat(mirror.freshnessRules().get(0).staleIfError()).isEqualTo(Duration.ofDays(7));

    Files.writeString(file, "mirror:\n  upstreams:\n    - name: x.io\n      urll: http://a\n");
    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of(), ConfigLoader.Flags.none()))
        .hasMessageContaining("mirror.upstreams[0].urll");
  }

  @Test
  void secretsDoNotAppearWhenAnUpstreamIsPrinted() {
    var u =
        ConfigLoader.upstreamSpec("x", "docker.io=http://127.0.0.1:1")
            .withCredentials("bot", "hunter2");
    assertThat(u.toString()).contains("bot").doesNotContain("hunter2");
  }
}
