package dev.hoist.mirror;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A registry Hoist mirrors: the name clients use for it ({@code docker.io}), where its API really
 * is, and how to sign in to it.
 *
 * @param name the registry's name as in image references, host[:port], lowercase
 * @param url the base URL of its {@code /v2/} API
 * @param username credentials for the upstream, or null for anonymous pulls
 * @param password the password or token for {@code username}, or null
 * @param authHosts other hosts that may receive the credentials (token services), besides the URL's
 *     own host
 */
public record Upstream(
    String name, URI url, String username, String password, List<String> authHosts) {
  private static final Pattern NAME =
      Pattern.compile(
          "[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?");

  /** Registries known by name, each with its real API endpoint and token service. */
  static final Map<String, Upstream> KNOWN =
      Map.of(
          "docker.io",
          new Upstream(
              "docker.io",
              URI.create("https://registry-1.docker.io"),
              null,
              null,
              List.of("auth.docker.io")),
          "ghcr.io",
          plain("ghcr.io"),
          "quay.io",
          plain("quay.io"),
          "gcr.io",
          plain("gcr.io"),
          "registry.k8s.io",
          plain("registry.k8s.io"),
          "mcr.microsoft.com",
          plain("mcr.microsoft.com"));

  public Upstream {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(url, "url");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "'" + name + "' is not a registry name (a lowercase host, optionally with :port)");
    }
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
      throw new IllegalArgumentException("'" + url + "' is not an http(s) URL");
    }
    if ((username == null) != (password == null)) {
      throw new IllegalArgumentException("username and password go together");
    }
    authHosts = authHosts == null ? List.of() : List.copyOf(authHosts);
  }

  private static Upstream plain(String name) {
    return new Upstream(name, URI.create("https://" + name), null, null, List.of());
  }

  /** A registry known by name; empty when Hoist does not know where its API is. */
  public static java.util.Optional<Upstream> known(String name) {
    return java.util.Optional.ofNullable(KNOWN.get(canonicalName(name)));
  }

  /** {@code index.docker.io} is docker.io's legacy name, as in image references. */
  static String canonicalName(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.equals("index.docker.io") ? "docker.io" : lower;
  }

  /** This upstream at another URL (tests, or a closer endpoint), keeping its name. */
  public Upstream withUrl(URI newUrl) {
    return new Upstream(name, newUrl, username, password, authHosts);
  }

  public Upstream withCredentials(String newUsername, String newPassword) {
    return new Upstream(name, url, newUsername, newPassword, authHosts);
  }

  /**
   * The first component of this upstream's cache names: the name, with {@code :} (not allowed in
   * repository names) written as {@code -}.
   */
  String cacheKey() {
    return dev.hoist.repository.MirrorCache.cacheKey(name);
  }

  @Override
  public String toString() {
    return name + " (" + url + (username == null ? "" : ", as " + username) + ")";
  }
}
