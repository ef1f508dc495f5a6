package dev.hoist.client;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * One registry as a client reaches it: where its API lives, the name it goes by, and how to
 * authenticate.
 *
 * <ul>
 *   <li>{@code baseUri}: {@code http} or {@code https}, host, optional port and path prefix; the
 *       API is at {@code <baseUri>/v2/}. No query or fragment.
 *   <li>{@code name}: how people name the registry ({@code host[:port]}), used in messages and
 *       actions; Docker Hub's API is {@code https://registry-1.docker.io} but its name is {@code
 *       docker.io}.
 *   <li>{@code credentials}: nullable; sent only to the registry's own origin and to token realms
 *       on the registry's host or one of {@code authHosts}.
 *   <li>{@code authHosts}: further hosts ({@code host} or {@code host:port}, lowercase) trusted to
 *       receive credentials, such as {@code auth.docker.io} for {@code registry-1.docker.io}.
 *   <li>{@code insecureTls}: accept any TLS certificate (self-signed test registries); only
 *       honoured when the client creates its own {@code HttpClient}.
 * </ul>
 */
public record RegistryEndpoint(
    URI baseUri, String name, Credentials credentials, Set<String> authHosts, boolean insecureTls) {

  public RegistryEndpoint {
    Objects.requireNonNull(baseUri, "baseUri");
    Objects.requireNonNull(name, "name");
    String scheme = baseUri.getScheme() == null ? "" : baseUri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("registry URI must be http or https: " + baseUri);
    }
    if (baseUri.getHost() == null || baseUri.getHost().isEmpty()) {
      throw new IllegalArgumentException("registry URI needs a host: " + baseUri);
    }
    if (baseUri.getRawQuery() != null
        || baseUri.getRawFragment() != null
        || baseUri.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "registry URI must not have user info, a query or a fragment: " + baseUri);
    }
    String path = baseUri.getRawPath() == null ? "" : baseUri.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    baseUri = URI.create(scheme + "://" + baseUri.getRawAuthority() + path);
    if (name.isBlank() || !name.equals(name.strip())) {
      throw new IllegalArgumentException("registry name must be non-blank: '" + name + "'");
    }
    TreeSet<String> hosts = new TreeSet<>();
    for (String h : Objects.requireNonNull(authHosts, "authHosts")) {
      if (h == null || h.isBlank() || h.contains("/")) {
        throw new IllegalArgumentException("auth host must be host or host:port: " + h);
      }
      hosts.add(h.strip().toLowerCase(Locale.ROOT));
    }
    authHosts = Set.copyOf(hosts);
  }

  /** An endpoint named after its {@code host[:port]}, anonymous, with strict TLS. */
  public static RegistryEndpoint of(URI baseUri) {
    Objects.requireNonNull(baseUri, "baseUri");
    String authority = baseUri.getRawAuthority();
    if (authority == null) {
      throw new IllegalArgumentException("registry URI needs a host: " + baseUri);
    }
    return new RegistryEndpoint(baseUri, authority.toLowerCase(Locale.ROOT), null, Set.of(), false);
  }

  /** {@link #of(URI)} of the parsed text, e.g. {@code "https://ghcr.io"}. */
  public static RegistryEndpoint of(String baseUri) {
    return of(URI.create(baseUri));
  }

  public RegistryEndpoint withName(String name) {
    return new RegistryEndpoint(baseUri, name, credentials, authHosts, insecureTls);
  }

  public RegistryEndpoint withCredentials(Credentials credentials) {
    return new RegistryEndpoint(baseUri, name, credentials, authHosts, insecureTls);
  }

  public RegistryEndpoint withAuthHosts(String... hosts) {
    return new RegistryEndpoint(baseUri, name, credentials, Set.of(hosts), insecureTls);
  }

  public RegistryEndpoint withInsecureTls(boolean insecure) {
    return new RegistryEndpoint(baseUri, name, credentials, authHosts, insecure);
  }

  /** The API root, {@code <baseUri>/v2/}. */
  URI apiRoot() {
    return URI.create(baseUri + "/v2/");
  }

  /** Whether credentials may be sent to a token realm at {@code realm}. */
  boolean mayReceiveCredentials(URI realm) {
    if (realm.getHost() == null) {
      return false;
    }
    if (baseUri.getScheme().equals("https") && !"https".equalsIgnoreCase(realm.getScheme())) {
      return false; // never downgrade credentials to plain HTTP
    }
    String host = realm.getHost().toLowerCase(Locale.ROOT);
    if (host.equals(baseUri.getHost().toLowerCase(Locale.ROOT))) {
      return true;
    }
    return authHosts.contains(host) || authHosts.contains(host + ":" + Origin.of(realm).port());
  }

  @Override
  public String toString() {
    return name
        + " ("
        + baseUri
        + (credentials == null ? "" : ", " + credentials)
        + (insecureTls ? ", insecure TLS" : "")
        + ")";
  }
}
