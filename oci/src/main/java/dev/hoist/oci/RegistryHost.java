package dev.hoist.oci;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The registry part of an image name, {@code host[:port]}: {@code docker.io}, {@code ghcr.io},
 * {@code localhost:5000}, {@code [::1]:5000}. The one normaliser of registry names, for the server
 * and the client alike.
 *
 * <ul>
 *   <li>The grammar is {@code domain} of {@link ReferenceGrammar}: dot-separated DNS labels or a
 *       bracketed IPv6 literal, then an optional {@code :port}.
 *   <li>The case is kept as written, as Docker's reference parser keeps it: {@code Foo/bar} names
 *       registry {@code Foo}, and lowering it would make the name mean {@code docker.io/foo/bar}.
 *       Configuration and command lines are read with {@link #parseConfigured}, which lowercases.
 *   <li>{@code index.docker.io} is the legacy name of {@code docker.io} and becomes it. It is the
 *       only alias in names: {@code registry-1.docker.io} is Docker Hub's API endpoint, a host of
 *       its own in a name (as in Docker), and is taken for Docker Hub only where credentials are
 *       looked up ({@link #forCredentials}).
 * </ul>
 *
 * @param value the canonical {@code host[:port]}
 */
public record RegistryHost(String value) {
  /** Docker Hub, the registry of names that name none. */
  public static final RegistryHost DOCKER_HUB = new RegistryHost("docker.io");

  /** Docker Hub's legacy name: in a name it means {@code docker.io}. */
  public static final String DOCKER_HUB_LEGACY_NAME = "index.docker.io";

  /** The host of Docker Hub's {@code /v2/} API: not a name of Docker Hub. */
  public static final String DOCKER_HUB_API_HOST = "registry-1.docker.io";

  /** Docker Hub's token service. */
  public static final String DOCKER_HUB_AUTH_HOST = "auth.docker.io";

  /** The key under which Docker's {@code config.json} keeps Docker Hub's credentials. */
  public static final String DOCKER_HUB_CREDENTIALS_KEY = "https://index.docker.io/v1/";

  /** Validates {@code value} and writes Docker Hub's legacy name as {@code docker.io}. */
  public RegistryHost {
    Objects.requireNonNull(value, "value");
    if (!ReferenceGrammar.DOMAIN_PATTERN.matcher(value).matches()) {
      throw new InvalidReferenceException("invalid registry host " + RepositoryName.quote(value));
    }
    if (value.equals(DOCKER_HUB_LEGACY_NAME)) {
      value = DOCKER_HUB.value;
    }
  }

  /**
   * A registry host as an image name spells it: exactly {@code host[:port]}, the case kept.
   *
   * @throws InvalidReferenceException when it is not one
   */
  public static RegistryHost parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new InvalidReferenceException("invalid registry host: empty");
    }
    return new RegistryHost(text);
  }

  /**
   * A registry as people write it in configuration files and on command lines: surrounding space, a
   * scheme and a path are dropped ({@code https://Ghcr.IO/v2/} is {@code ghcr.io}), and it is
   * lowercased, as host names are case-insensitive.
   *
   * @throws InvalidReferenceException when what is left is not a {@code host[:port]}
   */
  public static RegistryHost parseConfigured(String text) {
    return parse(hostPart(Objects.requireNonNull(text, "text")));
  }

  /**
   * The registry whose credentials a {@code config.json} key, a credential helper's server URL or a
   * {@code login} argument names: as {@link #parseConfigured}, and every spelling of Docker Hub
   * ({@code docker.io}, {@code index.docker.io}, {@code registry-1.docker.io}, {@code
   * https://index.docker.io/v1/}) is {@link #DOCKER_HUB}. Only for looking up credentials: in names
   * {@code registry-1.docker.io} is a host of its own. Empty when the text names no host (a {@code
   * config.json} may hold keys of any shape).
   */
  public static Optional<RegistryHost> forCredentials(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String host = hostPart(text);
    if (host.equals(DOCKER_HUB_API_HOST)) {
      return Optional.of(DOCKER_HUB);
    }
    if (!ReferenceGrammar.DOMAIN_PATTERN.matcher(host).matches()) {
      return Optional.empty();
    }
    return Optional.of(new RegistryHost(host));
  }

  /**
   * Docker's test for the first component of a name: it is a registry host when it contains {@code
   * .} or {@code :}, is {@code localhost}, or has an uppercase letter (a repository path cannot).
   * {@code ghcr.io/o/app} names registry {@code ghcr.io}; {@code alice/app} names none.
   */
  public static boolean isRegistryHost(String firstComponent) {
    return firstComponent.contains(".")
        || firstComponent.contains(":")
        || firstComponent.equals("localhost")
        || !firstComponent.toLowerCase(Locale.ROOT).equals(firstComponent);
  }

  /**
   * This host lowercased, for comparing with configuration (host names are case-insensitive): what
   * a server does with a name from a request or its configuration. {@code INDEX.DOCKER.IO} becomes
   * {@link #DOCKER_HUB}.
   */
  public RegistryHost lowercase() {
    return new RegistryHost(value.toLowerCase(Locale.ROOT));
  }

  public boolean isDockerHub() {
    return equals(DOCKER_HUB);
  }

  /**
   * Every way a name may spell this registry as its first component: {@code docker.io} and {@code
   * index.docker.io} for Docker Hub, else only the value.
   */
  public Set<String> spellings() {
    return isDockerHub() ? Set.of(value, DOCKER_HUB_LEGACY_NAME) : Set.of(value);
  }

  /**
   * The first component of the names under which a mirror caches this registry's repositories: the
   * value with {@code :} (not allowed in a repository name) written as {@code -}, so {@code
   * 127.0.0.1:5000/app} is cached as {@code 127.0.0.1-5000/app}. It is a valid path component for a
   * lowercase DNS name or IPv4 address, the hosts a mirror's upstreams are named by.
   */
  public String cacheKey() {
    return value.replace(':', '-');
  }

  /**
   * The key of this registry's credentials in Docker's {@code config.json} and the server URL its
   * credential helper is asked about: {@value #DOCKER_HUB_CREDENTIALS_KEY} for Docker Hub, else the
   * value.
   */
  public String credentialsKey() {
    return isDockerHub() ? DOCKER_HUB_CREDENTIALS_KEY : value;
  }

  @Override
  public String toString() {
    return value;
  }

  /**
   * The {@code host[:port]} part of a registry address as people write it (a URL, a {@code
   * daemon.json} entry): no space, scheme or path; lowercase. Not checked to be a host, since an
   * {@code insecure-registries} entry may be an address range.
   */
  public static String hostPart(String text) {
    String s = text.strip().toLowerCase(Locale.ROOT);
    int scheme = s.indexOf("://");
    if (scheme >= 0) {
      s = s.substring(scheme + 3);
    }
    int slash = s.indexOf('/');
    if (slash >= 0) {
      s = s.substring(0, slash);
    }
    return s;
  }
}
