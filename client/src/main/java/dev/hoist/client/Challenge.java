package dev.hoist.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One {@code WWW-Authenticate} challenge (RFC 9110 section 11.6.1): a scheme, lowercased, and its
 * parameters with lowercased names.
 *
 * <pre>
 * WWW-Authenticate = challenge *( "," challenge )
 * challenge        = auth-scheme [ 1*SP ( token68 / auth-param *( "," auth-param ) ) ]
 * auth-param       = token BWS "=" BWS ( token / quoted-string )
 * </pre>
 *
 * <p>Several challenges may share one header ({@code Bearer realm="a,b",service="s", Basic
 * realm="r"}): a token followed by {@code =} is a parameter of the current challenge, any other
 * token starts the next one. Quoted values may hold commas and backslash escapes; unquoted values
 * run to the next comma or space, which tolerates servers that leave URLs unquoted.
 */
record Challenge(String scheme, Map<String, String> params) {

  Challenge {
    params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
  }

  /** A parameter by (case-insensitive) name, or null. */
  String param(String name) {
    return params.get(name.toLowerCase(Locale.ROOT));
  }

  /** Every challenge in the given header values, in order; malformed parts are skipped. */
  static List<Challenge> parseAll(List<String> headerValues) {
    List<Challenge> out = new ArrayList<>();
    for (String v : headerValues) {
      out.addAll(parse(v));
    }
    return out;
  }

  /** Every challenge in one header value. */
  static List<Challenge> parse(String header) {
    List<Challenge> out = new ArrayList<>();
    if (header == null) {
      return out;
    }
    Parser p = new Parser(header);
    String scheme = null;
    Map<String, String> params = new LinkedHashMap<>();
    while (true) {
      p.skipSpaceAndCommas();
      if (p.atEnd()) {
        break;
      }
      String token = p.token();
      if (token.isEmpty()) {
        p.pos++; // not a token character: skip it
        continue;
      }
      int afterToken = p.pos;
      p.skipSpace();
      if (scheme != null && p.peek() == '=' && p.peekAt(1) != '=') {
        p.pos++;
        p.skipSpace();
        String value = p.peek() == '"' ? p.quoted() : p.unquoted();
        params.putIfAbsent(token.toLowerCase(Locale.ROOT), value);
        continue;
      }
      if (scheme != null && p.peek() == '=') {
        // token68 ("abc==") after a scheme: consume the padding, keep no parameter.
        while (p.peek() == '=') {
          p.pos++;
        }
        continue;
      }
      p.pos = afterToken;
      if (scheme != null) {
        out.add(new Challenge(scheme, params));
        params = new LinkedHashMap<>();
      }
      scheme = token.toLowerCase(Locale.ROOT);
    }
    if (scheme != null) {
      out.add(new Challenge(scheme, params));
    }
    return out;
  }

  private static final class Parser {
    private final String s;
    private int pos;

    Parser(String s) {
      this.s = s;
    }

    boolean atEnd() {
      return pos >= s.length();
    }

    char peek() {
      return peekAt(0);
    }

    char peekAt(int ahead) {
      return pos + ahead < s.length() ? s.charAt(pos + ahead) : '\0';
    }

    void skipSpace() {
      while (!atEnd() && (peek() == ' ' || peek() == '\t')) {
        pos++;
      }
    }

    void skipSpaceAndCommas() {
      while (!atEnd() && (peek() == ' ' || peek() == '\t' || peek() == ',')) {
        pos++;
      }
    }

    /** RFC 9110 tchar run. */
    String token() {
      int start = pos;
      while (!atEnd() && isTchar(peek())) {
        pos++;
      }
      return s.substring(start, pos);
    }

    String quoted() {
      pos++; // opening quote
      StringBuilder b = new StringBuilder();
      while (!atEnd()) {
        char c = s.charAt(pos++);
        if (c == '"') {
          return b.toString();
        }
        if (c == '\\' && !atEnd()) {
          c = s.charAt(pos++);
        }
        b.append(c);
      }
      return b.toString(); // unterminated: take the rest
    }

    String unquoted() {
      int start = pos;
      while (!atEnd() && peek() != ',' && peek() != ' ' && peek() != '\t') {
        pos++;
      }
      return s.substring(start, pos);
    }

    private static boolean isTchar(char c) {
      return (c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
  }
}
