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
 * <p>A registry reached under a path prefix (an accelerator tenant's {@code /m/<id>}, see {@link
 * dev.hoist.pipeline.RequestContext#addressPrefix()}) has that prefix in its address: its tokens
 * come from {@code <prefix>/token} and are bound to host and prefix, so that one tenant's token is
 * refused at another's address on the same host.
 *
 * @param scheme {@code http} or {@code https}
 * @param host the host (and port) as the client sent it, checked to be a host name or IP literal
 * @param path the path prefix ({@code /m/<id>}), or empty at the root
 * @param audience what tokens are bound to: the normalised host (lower case, no trailing dot, no
 *     default port) followed by the path prefix
 */
record ClientAddress(String scheme, String host, String path, String audience) {
  private static final Pattern HOST =
      Pattern.compile("(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9._-]+)(?::(\\d{1,5}))?");
  private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9._~-]+)*");

  /**
   * The client's address, or null when it sent no usable host.
   *
   * @param path the path prefix the request came under, or empty
   */
  static ClientAddress of(
      TrustedProxies proxies,
      String remoteAddress,
      boolean tls,
      String hostHeader,
      String path,
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
    if (host == null || path == null || !PATH.matcher(path).matches()) {
      return null;
    }
    host = host.trim();
    String audience = normalise(host, scheme);
    return audience == null ? null : new ClientAddress(scheme, host, path, audience + path);
  }

  /** {@code scheme://host[/prefix]/token}: where this client gets its tokens. */
  String realm() {
    return scheme + "://" + host + path + "/token";
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

  /**
   * The IP address of the client behind any trusted proxies: the peer, or, when the peer is a
   * trusted proxy, the rightmost {@code X-Forwarded-For} entry that is no trusted proxy (entries
   * further left are whatever the client chose to send).
   */
  static String clientIp(TrustedProxies proxies, String remoteAddress, String forwardedFor) {
    String ip = remoteAddress;
    if (forwardedFor == null || !proxies.trusts(ip)) {
      return ip;
    }
    String[] hops = forwardedFor.split(",");
    for (int i = hops.length - 1; i >= 0 && proxies.trusts(ip); i--) {
      String hop = hops[i].trim();
      if (!hop.isEmpty()) {
        ip = hop;
      }
    }
    return ip;
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
