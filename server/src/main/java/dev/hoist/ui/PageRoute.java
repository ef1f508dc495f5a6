package dev.hoist.ui;

import java.util.Objects;

/**
 * Which page answers the paths under {@code prefix} ({@code /ui/mirror} answers {@code /ui/mirror}
 * and {@code /ui/mirror/...}, not {@code /ui/mirrors}).
 */
public record PageRoute(String prefix, Page page) {
  public PageRoute {
    Objects.requireNonNull(page, "page");
    if (prefix == null
        || !prefix.startsWith("/ui/")
        || prefix.length() > 4 && prefix.endsWith("/")) {
      throw new IllegalArgumentException("a page prefix is /ui/ or /ui/<name>: " + prefix);
    }
  }

  boolean matches(String path) {
    if (prefix.equals("/ui/")) {
      return path.startsWith(prefix);
    }
    return path.equals(prefix) || path.startsWith(prefix + "/");
  }
}
