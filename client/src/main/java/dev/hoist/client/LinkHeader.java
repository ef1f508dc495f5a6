package dev.hoist.client;

import java.util.List;
import java.util.Locale;

/**
 * The {@code rel="next"} target of RFC 8288 {@code Link} headers, as registries send for tag and
 * catalog pagination: {@code </v2/app/tags/list?n=2&last=b>; rel="next"}.
 */
final class LinkHeader {
  private LinkHeader() {}

  /** The next-page reference (unresolved), or null. */
  static String next(List<String> headerValues) {
    for (String value : headerValues) {
      int pos = 0;
      while (true) {
        int open = value.indexOf('<', pos);
        if (open < 0) {
          break;
        }
        int close = value.indexOf('>', open);
        if (close < 0) {
          break;
        }
        String target = value.substring(open + 1, close).strip();
        int nextLink = value.indexOf('<', close);
        String params =
            nextLink < 0 ? value.substring(close + 1) : value.substring(close + 1, nextLink);
        for (String p : params.split(";")) {
          int eq = p.indexOf('=');
          if (eq < 0) {
            continue;
          }
          String name = p.substring(0, eq).strip().toLowerCase(Locale.ROOT);
          String v = p.substring(eq + 1).strip();
          if (v.endsWith(",")) {
            v = v.substring(0, v.length() - 1).strip();
          }
          if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            v = v.substring(1, v.length() - 1);
          }
          if (name.equals("rel")) {
            for (String rel : v.toLowerCase(Locale.ROOT).split("\\s+")) {
              if (rel.equals("next")) {
                return target;
              }
            }
          }
        }
        pos = close + 1;
      }
    }
    return null;
  }
}
