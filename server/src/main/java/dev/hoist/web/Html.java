package dev.hoist.web;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** HTML text for the pages: escaping, human units, and the answer that carries a page. */
public final class Html {
  private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

  /**
   * The policy of every page: scripts and styles from this origin only (no inline script), no
   * framing, forms posting only here.
   */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

  private Html() {}

  /** {@code s} safe in HTML text and in quoted attribute values; {@code ""} for null. */
  public static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String with =
          switch (c) {
            case '<' -> "&lt;";
            case '>' -> "&gt;";
            case '&' -> "&amp;";
            case '"' -> "&quot;";
            case '\'' -> "&#39;";
            default -> null;
          };
      if (with != null && b == null) {
        b = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      if (b != null) {
        if (with != null) {
          b.append(with);
        } else {
          b.append(c);
        }
      }
    }
    return b == null ? s : b.toString();
  }

  /**
   * Bytes in binary units, a whole number of a unit without decimals and others with one: {@code
   * 512 B}, {@code 1.5 KiB}, {@code 10 GiB}.
   */
  public static String human(long bytes) {
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
   * Ends {@code response} with {@code page}: not cached (pages show live state and CSRF tokens),
   * not framed, under {@link #CONTENT_SECURITY_POLICY}.
   */
  public static void send(HttpServerResponse response, int status, String page) {
    response
        .setStatusCode(status)
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Frame-Options", "DENY")
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "same-origin")
        .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .end(Buffer.buffer(page.getBytes(StandardCharsets.UTF_8)));
  }

  /** A 303 to {@code location} (after a form's POST, or to a sign-in page). */
  public static void redirect(HttpServerResponse response, String location) {
    response.setStatusCode(303).putHeader("Location", location).end();
  }
}
