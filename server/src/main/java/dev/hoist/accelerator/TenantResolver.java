package dev.hoist.accelerator;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the tenant a request addresses: the path prefix {@code /m/<id>/v2/...} (rewritten to {@code
 * /v2/...}; podman's form {@code /v2/m/<id>/<name>/...} too) or the host {@code <id>.<baseDomain>}.
 * The host is the {@code Host} header, or {@code X-Forwarded-Host} when, and only when, the
 * connection comes from a trusted proxy.
 */
final class TenantResolver {
  private static final Pattern PREFIX = Pattern.compile("^/m/([^/]*)(/.*)?$");
  // podman's mirror "location = host/m/<id>" puts the prefix inside the repository name.
  private static final Pattern NAME_PREFIX = Pattern.compile("^/v2/m/([a-z0-9]{1,63})(/.+)$");

  private final String baseDomain;
  private final Set<String> trustedProxies;

  TenantResolver(String baseDomain, Iterable<String> trustedProxies) {
    this.baseDomain = baseDomain == null ? "" : baseDomain.toLowerCase(Locale.ROOT);
    java.util.HashSet<String> proxies = new java.util.HashSet<>();
    trustedProxies.forEach(proxies::add);
    this.trustedProxies = Set.copyOf(proxies);
  }

  /** Where a request named its tenant. */
  enum Form {
    /** No tenant in the path: by the host, or none at all. */
    HOST,
    /** {@code /m/<id>/v2/...} */
    PATH_PREFIX,
    /** podman's {@code /v2/m/<id>/<name>/...} */
    NAME_PREFIX
  }

  /**
   * What a request addresses.
   *
   * @param tenantId the tenant's id, or null when none is named
   * @param path the path to serve ({@code /v2/...} after the prefix is removed)
   * @param problem why the address is refused (a malformed prefix, conflicting addresses), or null
   * @param form where the tenant was named
   */
  record Resolution(TenantId tenantId, String path, String problem, Form form) {
    Resolution(TenantId tenantId, String path, String problem) {
      this(tenantId, path, problem, Form.HOST);
    }

    /**
     * The path prefix that is part of the tenant's address, {@code /m/<id>}: its tokens come from
     * {@code /m/<id>/token} and are bound to it. Empty for a host address, and for podman's form:
     * podman pings the host's {@code /v2/} and takes its tokens from the host's realm.
     */
    String addressPath() {
      return form == Form.PATH_PREFIX ? "/m/" + tenantId : "";
    }

    /** A registry path ({@code /v2/...}, as in a Location) as this client addresses it. */
    String clientPath(String registryPath) {
      if (form == Form.PATH_PREFIX && registryPath.startsWith("/v2")) {
        return "/m/" + tenantId + registryPath;
      }
      if (form == Form.NAME_PREFIX && registryPath.startsWith("/v2/")) {
        return "/v2/m/" + tenantId + registryPath.substring(3);
      }
      return registryPath;
    }
  }

  Resolution resolve(String path, String hostHeader, String forwardedHost, String remoteAddress) {
    String fromPath = null;
    String servedPath = path;
    Form form = Form.HOST;
    Matcher m = PREFIX.matcher(path);
    if (m.matches()) {
      String rest = m.group(2) == null ? "" : m.group(2);
      if (!TenantId.isValid(m.group(1)) || !(rest.equals("/v2") || rest.startsWith("/v2/"))) {
        return new Resolution(null, path, "not an accelerator path: use /m/<id>/v2/...");
      }
      fromPath = m.group(1);
      servedPath = rest;
      form = Form.PATH_PREFIX;
    } else {
      Matcher inName = NAME_PREFIX.matcher(path);
      if (inName.matches()) {
        fromPath = inName.group(1);
        servedPath = "/v2" + inName.group(2);
        form = Form.NAME_PREFIX;
      }
    }
    String host = hostHeader;
    if (forwardedHost != null && remoteAddress != null && trustedProxies.contains(remoteAddress)) {
      host = forwardedHost.split(",")[0].trim();
    }
    String fromHost = tenantOfHost(host);
    if (fromPath != null && fromHost != null && !fromPath.equals(fromHost)) {
      return new Resolution(
          null, path, "the host and the path name different accelerator addresses");
    }
    if (fromHost == INVALID) {
      return new Resolution(null, path, "not an accelerator address: use <id>." + baseDomain);
    }
    String id = fromPath != null ? fromPath : fromHost;
    return new Resolution(id == null ? null : new TenantId(id), servedPath, null, form);
  }

  private static final String INVALID = new String("invalid");

  /** The tenant id in a host name, null when it names none, {@link #INVALID} when malformed. */
  private String tenantOfHost(String host) {
    if (host == null || baseDomain.isEmpty()) {
      return null;
    }
    String name = stripPort(host.trim()).toLowerCase(Locale.ROOT);
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1);
    }
    if (!name.endsWith("." + baseDomain)) {
      return null;
    }
    String label = name.substring(0, name.length() - baseDomain.length() - 1);
    return TenantId.isValid(label) ? label : INVALID;
  }

  private static String stripPort(String host) {
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      return end < 0 ? host : host.substring(0, end + 1);
    }
    int colon = host.lastIndexOf(':');
    return colon >= 0 && host.indexOf(':') == colon ? host.substring(0, colon) : host;
  }
}
