package dev.hoist.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.oci.InvalidReferenceException;
import dev.hoist.oci.RegistryHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where to pull from: mirrors per registry and registries allowed plain HTTP or unverified TLS,
 * merged from Hoist's {@code client.json} and Docker's {@code daemon.json}.
 *
 * <pre>
 * client.json  {"mirrors": {"docker.io": ["http://mirror:5000"], "ghcr.io": ["https://m.example"]},
 *               "insecureRegistries": ["registry.lan:5000"]}
 * daemon.json  {"registry-mirrors": ["https://mirror.example"],      (docker.io only, as Docker)
 *               "insecure-registries": ["registry.lan:5000"]}
 * </pre>
 *
 * <p>Mirrors of a registry are tried in this order: {@code --mirror} flags, {@code client.json},
 * {@code daemon.json}; duplicates are dropped. Registry names are read by {@link
 * RegistryHost#parseConfigured} (lowercase, scheme and path dropped, {@code index.docker.io} is
 * {@code docker.io}; {@code registry-1.docker.io} is a registry of its own, as in Docker). Unknown
 * fields are ignored; a file that is not JSON, or a mirrors key that is not a registry, is an error
 * naming the file.
 */
public record ClientConfig(Map<String, List<String>> mirrors, Set<String> insecureRegistries) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public ClientConfig {
    Map<String, List<String>> m = new LinkedHashMap<>();
    mirrors.forEach((k, v) -> m.put(RegistryHost.parseConfigured(k).value(), List.copyOf(v)));
    mirrors = Map.copyOf(m);
    Set<String> insecure = new LinkedHashSet<>();
    insecureRegistries.forEach(h -> insecure.add(normalizeHost(h)));
    insecureRegistries = Set.copyOf(insecure);
  }

  public static ClientConfig empty() {
    return new ClientConfig(Map.of(), Set.of());
  }

  /** Reads {@code client.json} and {@code daemon.json} where the environment says they are. */
  public static ClientConfig load(ClientEnvironment env) throws ImageException {
    return parseClientJson(env.hoistConfigFile()).merge(parseDaemonJson(env.dockerDaemonJson()));
  }

  /** Hoist's {@code client.json}; empty when the file does not exist. */
  static ClientConfig parseClientJson(Path file) throws ImageException {
    JsonNode root = read(file);
    if (root == null) {
      return empty();
    }
    Map<String, List<String>> mirrors = new LinkedHashMap<>();
    root.path("mirrors").properties().forEach(e -> mirrors.put(e.getKey(), strings(e.getValue())));
    try {
      return new ClientConfig(
          mirrors, new LinkedHashSet<>(strings(root.path("insecureRegistries"))));
    } catch (InvalidReferenceException e) {
      throw new ImageException(ImageException.Kind.USAGE, file + ": mirrors: " + e.getMessage(), e);
    }
  }

  /** Docker's {@code daemon.json}; empty when the file does not exist. */
  static ClientConfig parseDaemonJson(Path file) throws ImageException {
    JsonNode root = read(file);
    if (root == null) {
      return empty();
    }
    List<String> hub = strings(root.path("registry-mirrors"));
    return new ClientConfig(
        hub.isEmpty() ? Map.of() : Map.of(RegistryHost.DOCKER_HUB.value(), hub),
        new LinkedHashSet<>(strings(root.path("insecure-registries"))));
  }

  /** This configuration's entries first, then {@code later}'s. */
  public ClientConfig merge(ClientConfig later) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    mirrors.forEach((k, v) -> m.put(k, new ArrayList<>(v)));
    later.mirrors.forEach(
        (k, v) -> {
          List<String> list = m.computeIfAbsent(k, x -> new ArrayList<>());
          for (String url : v) {
            if (!list.contains(url)) {
              list.add(url);
            }
          }
        });
    Set<String> insecure = new LinkedHashSet<>(insecureRegistries);
    insecure.addAll(later.insecureRegistries);
    return new ClientConfig(m, insecure);
  }

  /**
   * The mirrors configured for {@code registry} ({@code docker.io}, {@code ghcr.io}, ...).
   *
   * @throws InvalidReferenceException when {@code registry} is not a {@code host[:port]}
   */
  public List<String> mirrorsFor(String registry) {
    return mirrors.getOrDefault(RegistryHost.parseConfigured(registry).value(), List.of());
  }

  /**
   * Whether {@code hostPort} may be reached over plain HTTP or with unverified TLS: listed as
   * insecure (by {@code host:port} or by {@code host}).
   */
  public boolean isInsecure(String hostPort) {
    String h = normalizeHost(hostPort);
    if (insecureRegistries.contains(h)) {
      return true;
    }
    int colon = h.lastIndexOf(':');
    return colon > 0 && !h.startsWith("[") && insecureRegistries.contains(h.substring(0, colon));
  }

  /** Adds registries marked insecure on the command line. */
  public ClientConfig withInsecure(List<String> hosts) {
    Set<String> insecure = new LinkedHashSet<>(insecureRegistries);
    hosts.forEach(h -> insecure.add(normalizeHost(h)));
    return new ClientConfig(mirrors, insecure);
  }

  /**
   * An insecure-registries entry or a host to test against them: {@link RegistryHost#hostPart}, not
   * parsed as a registry name (an entry may be an address range).
   */
  static String normalizeHost(String text) {
    return RegistryHost.hostPart(text);
  }

  private static JsonNode read(Path file) throws ImageException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new ImageException(ImageException.Kind.OTHER, "cannot read " + file + ": " + e, e);
    }
    try {
      JsonNode root = JSON.readTree(bytes);
      if (root == null || root.isMissingNode()) {
        return null;
      }
      if (!root.isObject()) {
        throw new ImageException(ImageException.Kind.USAGE, file + " must hold a JSON object");
      }
      return root;
    } catch (IOException e) {
      throw new ImageException(
          ImageException.Kind.USAGE, file + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  private static List<String> strings(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node.isArray()) {
      node.forEach(
          n -> {
            if (n.isTextual() && !n.asText().isBlank()) {
              out.add(n.asText().strip());
            }
          });
    }
    return out;
  }
}
