package dev.hoist.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.logging.LogConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The hoist command's logging, as serve's settings and the client commands' default make it. */
class LoggingTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream originalErr;
  private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

  @BeforeEach
  void captureStandardError() {
    originalErr = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setErr(originalErr);
    Logging.commands(context);
  }

  private List<String> lines() {
    return err.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void theClientCommandsLogAsSlf4jSimpleDidInfoAndAboveWithoutATime() {
    new DefaultLogging().configure(context);
    Logger log = LoggerFactory.getLogger("dev.hoist.cli.Example");
    log.debug("not shown");
    log.info("shown: key={}", 42);

    assertThat(lines()).containsExactly("[main] INFO dev.hoist.cli.Example - shown: key=42");
  }

  @Test
  void serveLogsTextLinesWithTheTimeAtTheLevelsConfiguredPerLogger() {
    Logging.apply(
        new LogConfig(
            LogConfig.Level.WARN,
            Map.of("dev.hoist.mirror", LogConfig.Level.DEBUG),
            LogConfig.Format.TEXT));
    LoggerFactory.getLogger("dev.hoist.mirror.Fill").debug("fill detail");
    LoggerFactory.getLogger("dev.hoist.registry.Exchange").info("not shown");
    LoggerFactory.getLogger("dev.hoist.registry.Exchange").warn("shown");

    assertThat(lines()).hasSize(2);
    assertThat(lines().get(0))
        .matches(
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z \\[main\\] DEBUG"
                + " dev\\.hoist\\.mirror\\.Fill - fill detail");
    assertThat(lines().get(1)).endsWith("[main] WARN  dev.hoist.registry.Exchange - shown");
  }

  @Test
  void chattyLibrariesStayQuietWhenHoistIsDebuggedUnlessNamed() {
    Logging.apply(
        new LogConfig(
            LogConfig.Level.DEBUG,
            Map.of("com.zaxxer.hikari", LogConfig.Level.INFO),
            LogConfig.Format.TEXT));
    LoggerFactory.getLogger("org.flywaydb.core.Flyway").info("migrating step 3");
    LoggerFactory.getLogger("io.netty.buffer.PooledByteBufAllocator").debug("arena sizes");
    LoggerFactory.getLogger("com.zaxxer.hikari.HikariDataSource").info("pool started");
    LoggerFactory.getLogger("dev.hoist.server.HoistServer").debug("hoist detail");

    assertThat(lines())
        .hasSize(2)
        .anySatisfy(l -> assertThat(l).endsWith("pool started"))
        .anySatisfy(l -> assertThat(l).endsWith("hoist detail"));
  }

  @Test
  void jsonLogsOneObjectPerLineWhateverTheMessageHolds() throws Exception {
    Logging.apply(new LogConfig(LogConfig.Level.INFO, Map.of(), LogConfig.Format.JSON));
    Logger log = LoggerFactory.getLogger("dev.hoist.mirror.UpstreamHealth");
    log.warn("upstream failing: upstream={} error={}", "docker.io", "a \"quoted\"\nsecond line");
    log.error("failed", new IllegalStateException("boom"));

    List<String> lines = lines();
    assertThat(lines).hasSize(2);
    JsonNode first = JSON.readTree(lines.get(0));
    assertThat(first.get("level").asText()).isEqualTo("WARN");
    assertThat(first.get("logger").asText()).isEqualTo("dev.hoist.mirror.UpstreamHealth");
    assertThat(first.get("thread").asText()).isEqualTo("main");
    assertThat(first.get("message").asText())
        .isEqualTo("upstream failing: upstream=docker.io error=a \"quoted\"\nsecond line");
    assertThat(first.get("time").asText()).matches("\\d{4}-.*Z");
    JsonNode second = JSON.readTree(lines.get(1));
    assertThat(second.get("error").asText())
        .startsWith("java.lang.IllegalStateException: boom")
        .contains("at dev.hoist.app.LoggingTest");
  }
}
