package dev.hoist.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parsers of configuration values, one per kind, shared by every section of the file, the
 * environment, the flags and the JSON APIs. Each takes the setting's name and its text, and throws
 * a {@link ConfigException} that names the setting and quotes the text.
 *
 * <table>
 *   <caption>Syntax</caption>
 *   <tr><td>duration</td><td>{@code 500ms}, {@code 10s}, {@code 30m}, {@code 24h}, {@code 7d}
 *       (units in any case), or ISO-8601: {@code PT1H30M}, {@code P1D}; never negative</td></tr>
 *   <tr><td>size</td><td>bytes ({@code 1048576}), or a number and a unit: {@code KiB}, {@code
 *       MiB}, {@code GiB}, {@code TiB} (powers of 1024), {@code KB}, {@code MB}, {@code GB},
 *       {@code TB} (powers of 1000), {@code B}; a space may separate them ({@code 10 GiB})</td></tr>
 *   <tr><td>boolean</td><td>{@code true}, {@code yes}, {@code on}, {@code 1}; {@code false},
 *       {@code no}, {@code off}, {@code 0} (any case)</td></tr>
 *   <tr><td>whole number</td><td>{@code 42}, {@code -1}</td></tr>
 *   <tr><td>host:port</td><td>{@code 127.0.0.1:5000}, {@code [::1]:5000}, {@code :5000} (every
 *       interface)</td></tr>
 *   <tr><td>list</td><td>{@code a, b, c}: comma-separated, blanks dropped (a YAML list works
 *       too, see {@link ConfigNode#strings()})</td></tr>
 * </table>
 */
public final class Values {
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([KMGT]i?B|B)?");
  private static final Pattern HOST_PORT =
      Pattern.compile("(\\[[0-9a-fA-F:.]+\\]|[^:\\[\\]]*):(\\d{1,5})");
  private static final Pattern INTEGER = Pattern.compile("[-+]?\\d+");

  static final String DURATION_EXAMPLES = "e.g. 500ms, 10s, 30m, 24h, 7d, PT1H";
  static final String SIZE_EXAMPLES = "e.g. 1048576, 500MiB, 10GiB, 1TB";

  private Values() {}

  /** A duration: {@code 500ms}, {@code 10s}, {@code 30m}, {@code 24h}, {@code 7d} or ISO-8601. */
  public static Duration duration(String setting, String text) {
    String t = text.trim();
    Matcher m = DURATION.matcher(t.toLowerCase(Locale.ROOT));
    Duration d;
    try {
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        d =
            switch (m.group(2)) {
              case "ms" -> Duration.ofMillis(n);
              case "s" -> Duration.ofSeconds(n);
              case "m" -> Duration.ofMinutes(n);
              case "h" -> Duration.ofHours(n);
              default -> Duration.ofDays(n);
            };
      } else {
        d = Duration.parse(t);
      }
    } catch (NumberFormatException | ArithmeticException e) {
      throw new ConfigException(setting, quote(text) + " is too long a duration");
    } catch (DateTimeParseException e) {
      throw new ConfigException(
          setting, quote(text) + " is not a duration (" + DURATION_EXAMPLES + ")");
    }
    if (d.isNegative()) {
      throw new ConfigException(setting, quote(text) + " is negative");
    }
    return d;
  }

  /** A number of bytes: {@code 1048576}, {@code 500MiB}, {@code 10GiB}, {@code 1TB}. */
  public static long size(String setting, String text) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw new ConfigException(setting, quote(text) + " is not a size (" + SIZE_EXAMPLES + ")");
    }
    long factor =
        switch (m.group(2) == null ? "B" : m.group(2)) {
          case "KiB" -> 1L << 10;
          case "MiB" -> 1L << 20;
          case "GiB" -> 1L << 30;
          case "TiB" -> 1L << 40;
          case "KB" -> 1_000L;
          case "MB" -> 1_000_000L;
          case "GB" -> 1_000_000_000L;
          case "TB" -> 1_000_000_000_000L;
          default -> 1L;
        };
    try {
      return Math.multiplyExact(Long.parseLong(m.group(1)), factor);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new ConfigException(setting, quote(text) + " is too large a size");
    }
  }

  /**
   * {@code true}, {@code yes}, {@code on}, {@code 1}, or {@code false}, {@code no}, {@code off},
   * {@code 0}.
   */
  public static boolean bool(String setting, String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw new ConfigException(setting, quote(text) + " is not true or false");
    };
  }

  /** A whole number that fits an {@code int}. */
  public static int integer(String setting, String text) {
    String t = text.trim();
    if (!INTEGER.matcher(t).matches()) {
      throw new ConfigException(setting, quote(text) + " is not a whole number");
    }
    try {
      return Integer.parseInt(t);
    } catch (NumberFormatException e) {
      throw new ConfigException(setting, quote(text) + " is too large a number");
    }
  }

  /** {@code HOST:PORT}; an IPv6 host in brackets, an empty host means every interface. */
  public static HostPort hostPort(String setting, String text) {
    Matcher m = HOST_PORT.matcher(text.trim());
    if (!m.matches()) {
      throw new ConfigException(setting, quote(text) + " is not HOST:PORT (e.g. 127.0.0.1:5000)");
    }
    String host = m.group(1);
    if (host.startsWith("[")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.isEmpty()) {
      host = "0.0.0.0";
    }
    int port = Integer.parseInt(m.group(2));
    if (port > 65535) {
      throw new ConfigException(setting, "port " + port + " is not between 0 and 65535");
    }
    return new HostPort(host, port);
  }

  /** A comma-separated list, each entry trimmed, blank entries dropped. */
  public static List<String> list(String setting, String text) {
    List<String> out = new ArrayList<>();
    for (String part : text.split(",")) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    return List.copyOf(out);
  }

  static String quote(String text) {
    return "'" + text + "'";
  }
}
