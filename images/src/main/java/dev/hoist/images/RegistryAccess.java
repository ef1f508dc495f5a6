package dev.hoist.images;

import dev.hoist.client.Credentials;
import dev.hoist.client.RegistryClient;
import dev.hoist.client.RegistryEndpoint;
import dev.hoist.client.RetryPolicy;
import dev.hoist.oci.ImageReference;
import dev.hoist.oci.InvalidReferenceException;
import dev.hoist.oci.RegistryHost;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How the client commands reach registries: one {@link RegistryClient} per origin registry and per
 * mirror, with the right scheme, TLS checking and credentials.
 *
 * <ul>
 *   <li>{@code docker.io} is reached at {@code https://registry-1.docker.io} (tokens from {@code
 *       auth.docker.io}); other registries at {@code https://<host[:port]>}. A name on {@code
 *       registry-1.docker.io} keeps that registry name (it is not an alias of docker.io in names)
 *       but gets Docker Hub's credentials, so its token service may receive them too.
 *   <li>A registry on loopback ({@code localhost}, {@code 127.0.0.0/8}, {@code ::1}), or one listed
 *       as insecure ({@code --insecure-registry}, {@code insecureRegistries} in {@code
 *       client.json}, {@code insecure-registries} in {@code daemon.json}) is reached as Docker
 *       does: HTTPS without certificate checks when it speaks TLS, else plain HTTP (one TLS
 *       handshake decides).
 *   <li>A mirror is reached at the URL given (no scheme means {@code https://}); {@code http://} is
 *       used as written, as Docker uses a {@code http://} entry of {@code registry-mirrors}; TLS
 *       certificates are checked unless the mirror's host is insecure. For a registry other than
 *       docker.io every request to a mirror carries {@code ?ns=<registry>}, as containerd sends it;
 *       docker.io's mirrors get plain {@code /v2/library/ubuntu/...} paths, as the Docker daemon
 *       sends them.
 *   <li>Credentials come from Docker's {@code config.json} for the registry they belong to: an
 *       origin gets its own, and a mirror gets only credentials stored for the mirror's own host,
 *       never the origin's.
 *   <li>Mirrors get no retries and shorter timeouts ({@code HOIST_MIRROR_TIMEOUT} seconds for
 *       connecting and for the first response byte, 10 by default): the next source is the retry.
 * </ul>
 *
 * <p>Closing closes every client made.
 */
public final class RegistryAccess implements AutoCloseable {
  static final String DOCKER_HUB_API = "https://" + RegistryHost.DOCKER_HUB_API_HOST;

  private final ClientEnvironment env;
  private final ClientConfig config;
  private final DockerConfig docker;
  private final Duration mirrorTimeout;
  private final Map<List<Object>, RegistryClient> clients = new LinkedHashMap<>();

  /** One place to fetch from: a mirror or the origin registry. */
  public record Source(String label, boolean mirror, RegistryClient client) {
    @Override
    public String toString() {
      return label;
    }
  }

  public RegistryAccess(ClientEnvironment env, ClientConfig config, DockerConfig docker)
      throws ImageException {
    this.env = env;
    this.config = config;
    this.docker = docker;
    this.mirrorTimeout = mirrorTimeout(env);
  }

  public ClientConfig config() {
    return config;
  }

  public DockerConfig dockerConfig() {
    return docker;
  }

  /**
   * The sources to pull {@code reference} from, in order: {@code extraMirrors} (from {@code
   * --mirror}), the configured mirrors of its registry, then the registry itself.
   */
  public synchronized List<Source> sourcesFor(ImageReference reference, List<String> extraMirrors)
      throws ImageException {
    String registry = reference.registry();
    Set<String> urls = new LinkedHashSet<>();
    for (String m : extraMirrors) {
      urls.add(normalizeMirrorUrl(m));
    }
    for (String m : config.mirrorsFor(registry)) {
      urls.add(normalizeMirrorUrl(m));
    }
    List<Source> out = new ArrayList<>();
    for (String url : urls) {
      out.add(new Source("mirror " + url, true, mirror(url, registry)));
    }
    out.add(new Source(registry, false, origin(registry)));
    return out;
  }

  /** The client of an origin registry ({@code docker.io}, {@code host:port}), with credentials. */
  public synchronized RegistryClient origin(String registry) throws ImageException {
    return origin(registry, docker.credentials(registry).orElse(null));
  }

  /** The client of an origin registry with the given credentials (null for anonymous). */
  public synchronized RegistryClient origin(String registry, Credentials credentials)
      throws ImageException {
    List<Object> key = java.util.Arrays.asList("origin", registry, credentials);
    RegistryClient existing = clients.get(key);
    if (existing != null) {
      return existing;
    }
    RegistryEndpoint endpoint = originEndpoint(registry).withCredentials(credentials);
    RegistryClient c = RegistryClient.builder(endpoint).userAgent(userAgent()).build();
    clients.put(key, c);
    return c;
  }

  /** Where an origin registry's API is, without credentials. */
  public RegistryEndpoint originEndpoint(String registry) throws ImageException {
    String r;
    try {
      r = RegistryHost.parseConfigured(registry).value();
    } catch (InvalidReferenceException e) {
      throw new ImageException(
          ImageException.Kind.USAGE, "invalid registry address '" + registry + "'", e);
    }
    if (RegistryHost.forCredentials(r).orElseThrow().isDockerHub()) {
      // docker.io, or its API host named as a registry of its own: Docker Hub's credentials.
      return RegistryEndpoint.of(DOCKER_HUB_API)
          .withName(r)
          .withAuthHosts(RegistryHost.DOCKER_HUB_AUTH_HOST);
    }
    URI https = uri("https://" + r);
    boolean insecure = config.isInsecure(r) || isLoopback(https.getHost());
    if (!insecure) {
      return RegistryEndpoint.of(https).withName(r);
    }
    int port = https.getPort() < 0 ? 443 : https.getPort();
    if (TlsProbe.speaksTls(https.getHost(), port, 3000)) {
      return RegistryEndpoint.of(https).withName(r).withInsecureTls(true);
    }
    return RegistryEndpoint.of(uri("http://" + r)).withName(r);
  }

  private RegistryClient mirror(String url, String registry) throws ImageException {
    List<Object> key = List.of("mirror", url, registry);
    RegistryClient existing = clients.get(key);
    if (existing != null) {
      return existing;
    }
    URI u = uri(url);
    String authority = u.getRawAuthority().toLowerCase(Locale.ROOT);
    RegistryEndpoint endpoint =
        RegistryEndpoint.of(u)
            .withInsecureTls("https".equals(u.getScheme()) && config.isInsecure(authority));
    Optional<Credentials> own = docker.credentials(authority);
    if (own.isPresent()) {
      endpoint = endpoint.withCredentials(own.get());
    }
    RegistryClient.Builder b =
        RegistryClient.builder(endpoint)
            .userAgent(userAgent())
            .retryPolicy(RetryPolicy.none())
            .connectTimeout(mirrorTimeout)
            .firstByteTimeout(mirrorTimeout)
            .idleReadTimeout(mirrorTimeout.multipliedBy(3));
    if (!registry.equals(RegistryHost.DOCKER_HUB.value())) {
      b.queryParameter("ns", registry);
    }
    RegistryClient c = b.build();
    clients.put(key, c);
    return c;
  }

  /** {@code url} with a scheme ({@code https://} when it had none) and no trailing slash. */
  static String normalizeMirrorUrl(String url) throws ImageException {
    String u = url.strip();
    if (!u.contains("://")) {
      u = "https://" + u;
    }
    while (u.endsWith("/")) {
      u = u.substring(0, u.length() - 1);
    }
    URI parsed = uri(u);
    String scheme = parsed.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")
        || parsed.getHost() == null
        || parsed.getRawQuery() != null
        || parsed.getRawFragment() != null
        || parsed.getRawUserInfo() != null) {
      throw new ImageException(
          ImageException.Kind.USAGE,
          "invalid mirror URL '" + url + "': expected http(s)://host[:port][/path]");
    }
    return u;
  }

  /** Whether {@code host} is a loopback name or address. */
  public static boolean isLoopback(String host) {
    if (host == null) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (h.equals("localhost") || h.endsWith(".localhost")) {
      return true;
    }
    if (!h.matches("[0-9.]+") && !h.contains(":")) {
      return false; // a name: do not resolve it just to decide
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static URI uri(String text) throws ImageException {
    try {
      URI u = new URI(text);
      if (u.getHost() == null) {
        throw new URISyntaxException(text, "no host");
      }
      return u;
    } catch (URISyntaxException e) {
      throw new ImageException(
          ImageException.Kind.USAGE, "invalid registry address '" + text + "'");
    }
  }

  private static Duration mirrorTimeout(ClientEnvironment env) throws ImageException {
    Optional<String> t = env.get("HOIST_MIRROR_TIMEOUT");
    if (t.isEmpty()) {
      return Duration.ofSeconds(10);
    }
    try {
      double seconds = Double.parseDouble(t.get().strip());
      if (seconds <= 0) {
        throw new NumberFormatException();
      }
      return Duration.ofMillis((long) (seconds * 1000));
    } catch (NumberFormatException e) {
      throw new ImageException(
          ImageException.Kind.USAGE,
          "HOIST_MIRROR_TIMEOUT must be a positive number of seconds, not '" + t.get() + "'");
    }
  }

  private static String userAgent() {
    String v = RegistryAccess.class.getPackage().getImplementationVersion();
    return "hoist/" + (v == null ? "dev" : v);
  }

  @Override
  public synchronized void close() {
    clients.values().forEach(RegistryClient::close);
    clients.clear();
  }
}
