package dev.hoist.images;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;

/**
 * Sizes and durations written the way Docker writes them (its {@code go-units} package), so that
 * {@code hoist images} and {@code hoist pull} read like {@code docker images} and {@code docker
 * pull}.
 */
public final class HumanUnits {
  private static final String[] DECIMAL = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};

  private HumanUnits() {}

  /**
   * {@code units.HumanSizeWithPrecision}: decimal units (1 kB = 1000 B), {@code precision}
   * significant digits, Go's {@code %g} (trailing zeros dropped): {@code 77.9MB}, {@code 5.6kB},
   * {@code 0B}.
   */
  public static String size(double bytes, int precision) {
    double v = bytes;
    int unit = 0;
    while (v >= 1000.0 && unit < DECIMAL.length - 1) {
      v /= 1000.0;
      unit++;
    }
    return formatG(v, precision) + DECIMAL[unit];
  }

  /** The SIZE column of {@code docker images}: three significant digits. */
  public static String imageSize(long bytes) {
    return size(bytes, 3);
  }

  /** Sizes in pull and push progress: {@code units.HumanSize}, four significant digits. */
  public static String transferSize(long bytes) {
    return size(bytes, 4);
  }

  /** Go's {@code fmt.Sprintf("%.<precision>g", v)}. */
  static String formatG(double v, int precision) {
    if (v == 0) {
      return "0";
    }
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return Double.toString(v);
    }
    BigDecimal rounded =
        new BigDecimal(v).round(new MathContext(precision, RoundingMode.HALF_EVEN));
    // The decimal exponent of the rounded value: 77.9 -> 1, 1000 -> 3.
    int exponent = rounded.precision() - rounded.scale() - 1;
    if (exponent < -4 || exponent >= precision) {
      BigDecimal mantissa = rounded.movePointLeft(exponent).stripTrailingZeros();
      String m = mantissa.toPlainString();
      String sign = exponent < 0 ? "-" : "+";
      int abs = Math.abs(exponent);
      return m + "e" + sign + (abs < 10 ? "0" : "") + abs;
    }
    return rounded.stripTrailingZeros().toPlainString();
  }

  /** {@code units.HumanDuration}: "Less than a second", "About a minute", "2 weeks" and so on. */
  public static String duration(Duration d) {
    long seconds = d.getSeconds();
    if (seconds < 1) {
      return "Less than a second";
    } else if (seconds == 1) {
      return "1 second";
    } else if (seconds < 60) {
      return seconds + " seconds";
    }
    long minutes = d.toMinutes();
    if (minutes == 1) {
      return "About a minute";
    } else if (minutes < 60) {
      return minutes + " minutes";
    }
    double exactHours = d.toNanos() / 3_600_000_000_000.0;
    long hours = (long) (exactHours + 0.5);
    if (hours == 1) {
      return "About an hour";
    } else if (hours < 48) {
      return hours + " hours";
    } else if (hours < 24 * 7 * 2) {
      return hours / 24 + " days";
    } else if (hours < 24 * 30 * 2) {
      return hours / 24 / 7 + " weeks";
    } else if (hours < 24 * 365 * 2) {
      return hours / 24 / 30 + " months";
    }
    return (long) exactHours / 24 / 365 + " years";
  }

  /** The CREATED column: {@code "2 weeks ago"}, or {@code "N/A"} when unknown. */
  public static String since(Instant created, Instant now) {
    if (created == null) {
      return "N/A";
    }
    return duration(Duration.between(created, now)) + " ago";
  }
}
