package dev.hoist.accelerator;

import java.util.Locale;

/** Byte counts as people read them: {@code 10 GiB}, {@code 1.5 MiB}, {@code 512 B}. */
final class Sizes {
  private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

  private Sizes() {}

  /** Whole numbers of a unit without decimals ({@code 10 GiB}), others with one. */
  static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < UNITS.length - 1) {
      v /= 1024;
      u++;
    }
    if (v == Math.rint(v)) {
      return String.format(Locale.ROOT, "%d %s", (long) v, UNITS[u]);
    }
    return String.format(Locale.ROOT, "%.1f %s", v, UNITS[u]);
  }

  /**
   * The size as the configuration and the admin API write it, exactly: the largest binary unit that
   * divides it ({@code 10GiB}, {@code 1536KiB}), else plain bytes. Never rounded, so a form that
   * shows it sends the same number back.
   */
  static String exact(long bytes) {
    String[] units = {"TiB", "GiB", "MiB", "KiB"};
    for (int i = 0; i < units.length; i++) {
      long unit = 1L << (10 * (units.length - i));
      if (bytes > 0 && bytes % unit == 0) {
        return bytes / unit + units[i];
      }
    }
    return Long.toString(bytes);
  }
}
