package dev.hoist.oci;

import org.jspecify.annotations.Nullable;

/** Small string helpers for error messages. */
final class Texts {
  private static final int MAX_QUOTED = 100;

  private Texts() {}

  /**
   * The value in double quotes, shortened and with control characters escaped, so that hostile
   * input cannot flood or forge log lines through an exception message.
   */
  static String quote(@Nullable String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_QUOTED) + 8).append('"');
    int end = Math.min(s.length(), MAX_QUOTED);
    for (int i = 0; i < end; i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    if (end < s.length()) {
      b.append("...");
    }
    return b.append('"').toString();
  }
}
