package dev.hoist.mirror;

import dev.hoist.oci.InvalidReferenceException;
import dev.hoist.oci.RegistryHost;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
          RegistryHost.DOCKER_HUB.value(),
          new Upstream(
              RegistryHost.DOCKER_HUB.value(),
              URI.create("https://" + RegistryHost.DOCKER_HUB_API_HOST),
              null,
              null,
              List.of(RegistryHost.DOCKER_HUB_AUTH_HOST)),
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
    if (!NAME.matcher(name).matches() || !canonicalName(name).equals(name)) {
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
  public static Optional<Upstream> known(String name) {
    try {
      return Optional.ofNullable(KNOWN.get(canonicalName(name)));
    } catch (InvalidReferenceException e) {
      return Optional.empty();
    }
  }

  /**
   * A registry's name as configuration and requests compare it: {@link RegistryHost}'s, lowercase
   * ({@code INDEX.DOCKER.IO} is {@code docker.io}).
   *
   * @throws InvalidReferenceException when it is no registry host
   */
  static String canonicalName(String name) {
    return RegistryHost.parse(name).lowercase().value();
  }

  /** The registry this upstream mirrors. */
  public RegistryHost host() {
    return RegistryHost.parse(name);
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
    return host().cacheKey();
  }

  @Override
  public String toString() {
    return name + " (" + url + (username == null ? "" : ", as " + username) + ")";
  }
}
