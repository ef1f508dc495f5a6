package dev.hoist.logging;

import dev.hoist.config.ConfigException;
import dev.hoist.config.ConfigNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The {@code log} section: how much the server logs, and in which form. The {@code hoist} command
 * applies it to its logging backend when {@code serve} starts.
 *
 * <pre>
 * log:
 *   level: info                    the root level: trace, debug, info, warn, error, off
 *   levels:                        per logger (a package or a class), overriding the root
 *     dev.hoist.mirror: debug
 *   format: text                   text (one line per event) | json (one object per line)
 * </pre>
 *
 * @param levels logger name to level, in the order written
 */
public record LogConfig(Level level, Map<String, Level> levels, Format format) {

  /** A logger's threshold, as SLF4J names them; {@code off} logs nothing. */
  public enum Level {
    TRACE,
    DEBUG,
    INFO,
    WARN,
    ERROR,
    OFF;

    static Level parse(ConfigNode node) {
      return oneOf(Level.class, node);
    }
  }

  /** How an event is written. */
  public enum Format {
    /** {@code 2026-12-08T10:15:30.123Z [thread] INFO logger - message}. */
    TEXT,
    /** One JSON object per line: time, level, thread, logger, message, error. */
    JSON
  }

  // A logger name: dotted Java identifiers (a package or a class), or "ROOT".
  private static final Pattern LOGGER = Pattern.compile("[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*");

  public LogConfig {
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(format, "format");
    levels = Map.copyOf(levels);
  }

  public static LogConfig defaults() {
    return new LogConfig(Level.INFO, Map.of(), Format.TEXT);
  }

  /** Reads the {@code log} section over {@code base}. */
  public static LogConfig read(LogConfig base, ConfigNode node) {
    node.keys("level", "levels", "format");
    Level level = node.get("level").map(Level::parse).orElse(base.level());
    Format format = node.get("format").map(f -> oneOf(Format.class, f)).orElse(base.format());
    Map<String, Level> levels = new LinkedHashMap<>(base.levels());
    node.mapping("levels").ifPresent(m -> levels.putAll(levels(m)));
    return new LogConfig(level, levels, format);
  }

  private static Map<String, Level> levels(ConfigNode mapping) {
    Map<String, Level> levels = new LinkedHashMap<>();
    for (Iterator<String> names = mapping.tree().fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!LOGGER.matcher(name).matches()) {
        throw new ConfigException(
            mapping.setting(name), "not a logger name (a package or a class: dev.hoist.mirror)");
      }
      mapping.get(name).ifPresent(v -> levels.put(name, Level.parse(v)));
    }
    return levels;
  }

  /** One of {@code type}'s constants, written in any case: {@code info}, {@code JSON}. */
  static <E extends Enum<E>> E oneOf(Class<E> type, ConfigNode node) {
    String text = node.text().trim();
    try {
      return Enum.valueOf(type, text.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      StringBuilder known = new StringBuilder();
      for (E value : type.getEnumConstants()) {
        known.append(known.isEmpty() ? "" : ", ").append(value.name().toLowerCase(Locale.ROOT));
      }
      throw node.invalid("'" + text + "' is not one of " + known);
    }
  }
}
