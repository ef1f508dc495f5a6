package dev.hoist.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.config.ConfigException;
import dev.hoist.logging.AccessLogConfig;
import dev.hoist.logging.LogConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code log} and {@code accessLog} sections of hoist.yaml. */
class LogConfigLoaderTest {
  @TempDir Path dir;

  private ServerConfig load(String yaml) throws Exception {
    Path file = dir.resolve("hoist.yaml");
    Files.writeString(file, yaml);
    return ConfigLoader.load(file, Map.of(), ConfigLoader.Flags.none());
  }

  @Test
  void aServedHoistLogsInfoAsTextAndItsRequestsToStandardOutput() {
    ServerConfig c = ConfigLoader.load(null, Map.of(), ConfigLoader.Flags.none());
    assertThat(c.log()).isEqualTo(LogConfig.defaults());
    assertThat(c.log().level()).isEqualTo(LogConfig.Level.INFO);
    assertThat(c.log().format()).isEqualTo(LogConfig.Format.TEXT);
    assertThat(c.accessLog()).isEqualTo(AccessLogConfig.stdout());
    assertThat(ServerConfig.defaults().accessLog().enabled())
        .as("an embedded server (tests) writes no access log unless asked")
        .isFalse();
  }

  @Test
  void levelsPerLoggerAndTheJsonFormatAreRead() throws Exception {
    LogConfig log =
        load("""
                log:
                  level: WARN
                  levels:
                    dev.hoist.mirror: debug
                    io.netty.handler.Ssl: error
                  format: json
                """)
            .log();
    assertThat(log.level()).isEqualTo(LogConfig.Level.WARN);
    assertThat(log.levels())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "dev.hoist.mirror", LogConfig.Level.DEBUG,
                "io.netty.handler.Ssl", LogConfig.Level.ERROR));
    assertThat(log.format()).isEqualTo(LogConfig.Format.JSON);
  }

  @Test
  void anAccessLogFileIsRelativeToTheConfigurationFile() throws Exception {
    AccessLogConfig access = load("accessLog: {file: logs/access.log, format: json}\n").accessLog();
    assertThat(access)
        .isEqualTo(
            AccessLogConfig.toFile(dir.resolve("logs/access.log"), AccessLogConfig.Format.JSON));
    assertThat(load("accessLog: {enabled: false}\n").accessLog().enabled()).isFalse();
  }

  @Test
  void badLoggingSettingsFailNamingTheSetting() {
    assertThatThrownBy(() -> load("log: {level: loud}\n"))
        .isInstanceOfSatisfying(
            ConfigException.class, e -> assertThat(e.setting()).isEqualTo("log.level"))
        .hasMessageContaining("trace, debug, info, warn, error, off");
    assertThatThrownBy(() -> load("log: {levels: {dev.hoist: chatty}}\n"))
        .isInstanceOfSatisfying(
            ConfigException.class, e -> assertThat(e.setting()).isEqualTo("log.levels.dev.hoist"));
    assertThatThrownBy(() -> load("log: {levels: {\"not a logger\": info}}\n"))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> assertThat(e.setting()).isEqualTo("log.levels.not a logger"));
    assertThatThrownBy(() -> load("log: {colour: true}\n"))
        .isInstanceOfSatisfying(
            ConfigException.class, e -> assertThat(e.setting()).isEqualTo("log.colour"));
    assertThatThrownBy(() -> load("accessLog: {format: combined}\n"))
        .isInstanceOfSatisfying(
            ConfigException.class, e -> assertThat(e.setting()).isEqualTo("accessLog.format"))
        .hasMessageContaining("common, json");
  }

  @Test
  void anAccessLogThatCannotBeOpenedStopsTheStartNamingTheSetting() throws Exception {
    Path notADirectory = dir.resolve("file");
    Files.writeString(notADirectory, "x");
    assertThatThrownBy(
            () ->
                HoistServer.start(
                    ServerConfig.builder()
                        .listen("127.0.0.1", 0)
                        .dataDir(dir.resolve("data"))
                        .accessLog(
                            AccessLogConfig.toFile(
                                notADirectory.resolve("access.log"), AccessLogConfig.Format.COMMON))
                        .build()))
        .isInstanceOfSatisfying(
            ConfigException.class, e -> assertThat(e.setting()).isEqualTo("accessLog.file"));
  }
}
