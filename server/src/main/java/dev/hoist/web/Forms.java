package dev.hoist.web;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** The body of an HTML form as browsers post it ({@code application/x-www-form-urlencoded}). */
public final class Forms {
  private Forms() {}

  /**
   * The fields of {@code body}; a repeated name keeps its last value, a name without {@code =} has
   * the empty value.
   *
   * @throws IllegalArgumentException for a malformed percent escape
   */
  public static Map<String, String> urlEncoded(String body) {
    Map<String, String> fields = new HashMap<>();
    for (String pair : body.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      fields.put(
          URLDecoder.decode(k, StandardCharsets.UTF_8),
          URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return fields;
  }
}
