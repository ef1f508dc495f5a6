package dev.hoist.logging;

import dev.hoist.config.ConfigNode;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The {@code accessLog} section: one line per request, as nginx and Distribution write them.
 *
 * <pre>
 * accessLog:
 *   enabled: true          default true for hoist serve (a present section means true)
 *   format: common         common (Common Log Format + key=value fields) | json
 *   file: /var/log/hoist/access.log   appended, created with its directories; default stdout
 * </pre>
 *
 * @param file where lines are appended; null: standard output
 */
public record AccessLogConfig(boolean enabled, Format format, @Nullable Path file) {

  /** How a request's line is written; see {@link AccessEntry}. */
  public enum Format {
    /** {@code client - user [time] "request" status bytes} then {@code key=value} fields. */
    COMMON,
    /** One JSON object per line. */
    JSON
  }

  public AccessLogConfig {
    Objects.requireNonNull(format, "format");
  }

  /** No access log: what an embedded server (tests) gets unless it asks. */
  public static AccessLogConfig off() {
    return new AccessLogConfig(false, Format.COMMON, null);
  }

  /** Common Log Format lines on standard output: the default of {@code hoist serve}. */
  public static AccessLogConfig stdout() {
    return new AccessLogConfig(true, Format.COMMON, null);
  }

  /** Lines in {@code format} appended to {@code file}. */
  public static AccessLogConfig toFile(Path file, Format format) {
    return new AccessLogConfig(true, format, Objects.requireNonNull(file, "file"));
  }

  /**
   * Reads the {@code accessLog} section over {@code base}; a relative {@code file} is relative to
   * {@code dir} (the configuration file's) when given.
   */
  public static AccessLogConfig read(AccessLogConfig base, ConfigNode node, @Nullable Path dir) {
    node.keys("enabled", "format", "file");
    Path file =
        node.text("file")
            .map(Path::of)
            .map(p -> p.isAbsolute() || dir == null ? p : dir.resolve(p))
            .orElse(base.file());
    return new AccessLogConfig(
        node.bool("enabled").orElse(true),
        node.get("format").map(f -> LogConfig.oneOf(Format.class, f)).orElse(base.format()),
        file);
  }
}
