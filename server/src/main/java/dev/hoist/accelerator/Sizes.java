package dev.hoist.accelerator;

/**
 * Byte counts exactly as the configuration and the admin API write them; for people, {@link
 * dev.hoist.web.Html#human}.
 */
final class Sizes {
  private Sizes() {}

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
