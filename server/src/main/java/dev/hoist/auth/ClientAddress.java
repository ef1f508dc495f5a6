package dev.hoist.auth;

import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The address a client used to reach Hoist: the {@code Host} header, or {@code X-Forwarded-Host}
 * and {@code X-Forwarded-Proto} when the request comes from a trusted proxy (never otherwise, so
 * that a client cannot claim another tenant's address).
 *
 * @param scheme {@code http} or {@code https}
 * @param host the host (and port) as the client sent it, checked to be a host name or IP literal
 * @param audience the normalised host that tokens are bound to: lower case, no trailing dot, no
 *     default port
 */
record ClientAddress(String scheme, String host, String audience) {
  private static final Pattern HOST =
      Pattern.compile("(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9._-]+)(?::(\\d{1,5}))?");

  /** The client's address, or null when it sent no usable host. */
  static ClientAddress of(
      TrustedProxies proxies,
      String remoteAddress,
      boolean tls,
      String hostHeader,
      Function<String, String> header) {
    String scheme = tls ? "https" : "http";
    String host = hostHeader;
    if (proxies.trusts(remoteAddress)) {
      String forwardedHost = first(header.apply("X-Forwarded-Host"));
      if (forwardedHost != null) {
        host = forwardedHost;
      }
      String proto = first(header.apply("X-Forwarded-Proto"));
      if (proto != null) {
        String p = proto.toLowerCase(Locale.ROOT);
        if (p.equals("http") || p.equals("https")) {
          scheme = p;
        }
      }
    }
    if (host == null) {
      return null;
    }
    host = host.trim();
    String audience = normalise(host, scheme);
    return audience == null ? null : new ClientAddress(scheme, host, audience);
  }

  /** {@code scheme://host/token}: where this client gets its tokens. */
  String realm() {
    return scheme + "://" + host + "/token";
  }

  /** The host for audience comparison; null when {@code host} is no valid host[:port]. */
  static String normalise(String host, String scheme) {
    if (host == null) {
      return null;
    }
    Matcher m = HOST.matcher(host.trim());
    if (!m.matches()) {
      return null;
    }
    String name = m.group(1).toLowerCase(Locale.ROOT);
    while (name.endsWith(".") && name.length() > 1) {
      name = name.substring(0, name.length() - 1);
    }
    String port = m.group(2);
    if (port != null) {
      int p = Integer.parseInt(port);
      if (p > 65535) {
        return null;
      }
      boolean defaultPort =
          (p == 80 && "http".equals(scheme)) || (p == 443 && "https".equals(scheme));
      if (!defaultPort) {
        return name + ":" + p;
      }
    }
    return name;
  }

  private static String first(String value) {
    if (value == null) {
      return null;
    }
    int comma = value.indexOf(',');
    String v = (comma < 0 ? value : value.substring(0, comma)).trim();
    return v.isEmpty() ? null : v;
  }
}
