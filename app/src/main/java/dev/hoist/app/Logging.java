package dev.hoist.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import dev.hoist.logging.LogConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * The {@code hoist} command's logging, on Logback, set up in code: no XML to ship or to find. Every
 * event goes to standard error (standard output is the access log's and the commands' own); a
 * client command logs as slf4j-simple did ({@link DefaultLogging}), {@code serve} as its {@link
 * LogConfig} says ({@link #apply}).
 *
 * <p>A Logback file given with {@code -Dlogback.configurationFile} wins over both.
 */
final class Logging {
  /**
   * Libraries that narrate their routine work, or trace the wire at debug: they stay at these
   * levels whatever the root level is, unless {@code log.levels} names them.
   */
  static final Map<String, Level> LIBRARIES =
      Map.of(
          "org.flywaydb", Level.WARN,
          "com.zaxxer.hikari", Level.WARN,
          "io.netty", Level.INFO,
          "io.vertx", Level.INFO,
          "software.amazon.awssdk", Level.INFO,
          "org.apache.hc", Level.INFO);

  /** The text layout of {@code serve}: ISO-8601 UTC time, thread, level, logger, message. */
  static final String SERVER_PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX, UTC} [%thread] %-5level %logger - %msg%n";

  /** The client commands' layout, slf4j-simple's: no time, a command's run is short. */
  static final String COMMAND_PATTERN = "[%thread] %level %logger - %msg%n";

  private Logging() {}

  /** Whether the user gave Logback a file of their own, which then decides everything. */
  static boolean userConfigured() {
    return System.getProperty("logback.configurationFile") != null;
  }

  /** Sets the server's logging as {@code config} says (unless the user gave Logback a file). */
  static void apply(LogConfig config) {
    if (userConfigured() || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    configure(context, config, serverEncoder(context, config.format()));
  }

  /** The client commands' logging: info and above, as slf4j-simple printed them. */
  static void commands(LoggerContext context) {
    PatternLayoutEncoder encoder = pattern(context, COMMAND_PATTERN);
    configure(context, LogConfig.defaults(), encoder);
  }

  static Encoder<ILoggingEvent> serverEncoder(LoggerContext context, LogConfig.Format format) {
    return switch (format) {
      case TEXT -> pattern(context, SERVER_PATTERN);
      case JSON -> {
        JsonLineEncoder json = new JsonLineEncoder();
        json.setContext(context);
        json.start();
        yield json;
      }
    };
  }

  private static PatternLayoutEncoder pattern(LoggerContext context, String pattern) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(pattern);
    encoder.start();
    return encoder;
  }

  /** Replaces whatever {@code context} was set to: one appender on standard error, the levels. */
  static void configure(LoggerContext context, LogConfig config, Encoder<ILoggingEvent> encoder) {
    context.reset();
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("stderr");
    console.setTarget("System.err");
    console.setEncoder(encoder);
    console.start();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(level(config.level()));
    root.addAppender(console);
    Map<String, Level> levels = new LinkedHashMap<>(LIBRARIES);
    config.levels().forEach((name, level) -> levels.put(name, level(level)));
    levels.forEach((name, level) -> context.getLogger(name).setLevel(level));
  }

  static Level level(LogConfig.Level level) {
    return Level.toLevel(level.name());
  }
}
