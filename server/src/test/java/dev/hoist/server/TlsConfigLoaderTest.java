package dev.hoist.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.config.ConfigException;
import dev.hoist.server.ConfigLoader.Flags;
import dev.hoist.tls.TlsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code tls} settings: from the file, the environment and the flags; both or neither. */
class TlsConfigLoaderTest {
  @TempDir Path dir;

  private Path file(String yaml) throws Exception {
    Path file = dir.resolve("conf").resolve("hoist.yaml");
    Files.createDirectories(file.getParent());
    Files.writeString(file, yaml);
    return file;
  }

  @Test
  void withoutATlsSectionTheServerSpeaksPlainHttp() {
    ServerConfig c = ConfigLoader.load(null, Map.of(), Flags.none());
    assertThat(c.tls().enabled()).isFalse();
    assertThat(c.tls().reloadInterval()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void relativePathsInTheFileAreRelativeToTheFile() throws Exception {
    Path file =
        file(
            """
            tls:
              cert: tls/cert.pem
              key: /etc/hoist/key.pem
              reloadInterval: 2s
            """);
    TlsConfig tls = ConfigLoader.load(file, Map.of(), Flags.none()).tls();
    assertThat(tls.enabled()).isTrue();
    assertThat(tls.cert()).isEqualTo(dir.resolve("conf/tls/cert.pem").toAbsolutePath());
    assertThat(tls.key()).isEqualTo(Path.of("/etc/hoist/key.pem"));
    assertThat(tls.reloadInterval()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void environmentAndFlagsReplaceTheFilesPathsOneByOne() throws Exception {
    Path file =
        file(
            """
            tls: {cert: /file/cert.pem, key: /file/key.pem}
            """);
    TlsConfig env =
        ConfigLoader.load(file, Map.of("HOIST_TLS_CERT", "env/cert.pem"), Flags.none()).tls();
    assertThat(env.cert()).isEqualTo(Path.of("env/cert.pem"));
    assertThat(env.key()).isEqualTo(Path.of("/file/key.pem"));

    TlsConfig flags =
        ConfigLoader.load(
                file,
                Map.of("HOIST_TLS_CERT", "env/cert.pem", "HOIST_TLS_KEY", "env/key.pem"),
                new Flags(null, null, List.of(), null, Path.of("flag/key.pem")))
            .tls();
    assertThat(flags.cert()).isEqualTo(Path.of("env/cert.pem"));
    assertThat(flags.key()).isEqualTo(Path.of("flag/key.pem"));

    TlsConfig onlyEnv =
        ConfigLoader.load(
                null, Map.of("HOIST_TLS_CERT", "c.pem", "HOIST_TLS_KEY", "k.pem"), Flags.none())
            .tls();
    assertThat(onlyEnv.enabled()).isTrue();
  }

  @Test
  void aCertificateWithoutAKeyIsRefusedNamingTheMissingSetting() throws Exception {
    assertThatThrownBy(
            () -> ConfigLoader.load(file("tls: {cert: cert.pem}\n"), Map.of(), Flags.none()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls.key")
        .hasMessageContaining("tls.cert is set but tls.key is not");
    assertThatThrownBy(
            () -> ConfigLoader.load(null, Map.of("HOIST_TLS_KEY", "key.pem"), Flags.none()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls.cert")
        .hasMessageContaining("HOIST_TLS_CERT");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    null, Map.of(), new Flags(null, null, List.of(), Path.of("c.pem"), null)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("--tls-key");
  }

  @Test
  void emptyPathsUnknownKeysAndTooShortIntervalsAreRefused() throws Exception {
    assertThatThrownBy(
            () -> ConfigLoader.load(file("tls: {cert: '', key: k.pem}\n"), Map.of(), Flags.none()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls.cert: must not be empty");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    null, Map.of("HOIST_TLS_CERT", " ", "HOIST_TLS_KEY", "k"), Flags.none()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("HOIST_TLS_CERT: must not be empty");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    file("tls: {cert: c, key: k, chain: x}\n"), Map.of(), Flags.none()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls.chain: unknown setting (known: cert, key, reloadInterval)");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    file("tls: {cert: c, key: k, reloadInterval: 10ms}\n"), Map.of(), Flags.none()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls.reloadInterval: must be at least 100ms");
  }

  @Test
  void tlsWithAClusterIsRefusedSayingWhy() throws Exception {
    Path file =
        file(
            """
            tls: {cert: c.pem, key: k.pem}
            cluster: {secret: 0123456789abcdef0123}
            """);
    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of(), Flags.none()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls: cannot be used together with cluster")
        .hasMessageContaining("cluster.advertise");
  }
}
