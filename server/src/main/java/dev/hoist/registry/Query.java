package dev.hoist.registry;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A raw query string split into parameters. Values are percent-decoded as RFC 3986 says: a {@code
 * +} stays a plus (media types such as {@code application/spdx+json} arrive unencoded), unlike HTML
 * form decoding.
 */
final class Query {
  private static final Query EMPTY = new Query(List.of());

  private record Param(String name, String value) {}

  private final List<Param> params;

  private Query(List<Param> params) {
    this.params = params;
  }

  static Query parse(String raw) {
    if (raw == null || raw.isEmpty()) {
      return EMPTY;
    }
    List<Param> params = new ArrayList<>();
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      params.add(new Param(decode(name), decode(value)));
    }
    return new Query(List.copyOf(params));
  }

  /** The first value of {@code name}, or null. */
  String first(String name) {
    for (Param p : params) {
      if (p.name().equals(name)) {
        return p.value();
      }
    }
    return null;
  }

  /**
   * Decodes {@code %XX} escapes as UTF-8. Text with a broken escape or invalid UTF-8 is returned
   * unchanged, so that it fails whatever validation it is meant for.
   */
  static String decode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          return s;
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return s;
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else if (c < 0x80) {
        out.write(c);
      } else {
        return s;
      }
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(out.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      return s;
    }
  }
}
