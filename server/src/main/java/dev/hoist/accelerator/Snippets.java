package dev.hoist.accelerator;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A tenant's personal mirror address and ready-to-paste client configuration for it.
 *
 * @param hostAddress {@code scheme://<id>.<baseDomain>[:port]}, or null without a base domain
 * @param pathAddress {@code scheme://<host>[:port]/m/<id>}: the path-prefix form
 */
record Snippets(String hostAddress, String pathAddress) {

  static Snippets of(String tenantId, String baseDomain, String scheme, String host, int port) {
    boolean defaultPort =
        port <= 0
            || (scheme.equals("https") && port == 443)
            || (scheme.equals("http") && port == 80);
    String portPart = defaultPort ? "" : ":" + port;
    String hostAddress =
        baseDomain == null || baseDomain.isEmpty()
            ? null
            : scheme + "://" + tenantId + "." + baseDomain + portPart;
    return new Snippets(hostAddress, scheme + "://" + host + portPart + "/m/" + tenantId);
  }

  /**
   * The address a Docker daemon's {@code registry-mirrors} takes, or null without a base domain:
   * the daemon refuses a mirror URL with a path, so the path form is never offered to it.
   */
  String dockerAddress() {
    return hostAddress;
  }

  /** The {@code daemon.json} lines, or null without a base domain (see {@link #dockerAddress}). */
  String daemonJson() {
    if (hostAddress == null) {
      return null;
    }
    String insecure =
        hostAddress.startsWith("http://")
            ? ",\n  \"insecure-registries\": [\"" + strip(hostAddress) + "\"]"
            : "";
    return "{\n  \"registry-mirrors\": [\"" + hostAddress + "\"]" + insecure + "\n}\n";
  }

  /** What the console and the API say instead of a Docker snippet without a base domain. */
  static final String DOCKER_NEEDS_BASE_DOMAIN =
      "Docker's registry-mirrors takes a bare host, never a path: the operator sets"
          + " accelerator.baseDomain (each tenant is then <id>.<baseDomain>, with a wildcard DNS"
          + " record pointing at Hoist). Until then, use containerd or podman with the path form.";

  String hostsToml() {
    return "# /etc/containerd/certs.d/docker.io/hosts.toml\n"
        + "server = \"https://registry-1.docker.io\"\n\n"
        + "[host.\""
        + pathAddress
        + "/v2\"]\n"
        + "  capabilities = [\"pull\", \"resolve\"]\n"
        + "  override_path = true\n";
  }

  String registriesConf() {
    boolean insecure = pathAddress.startsWith("http://");
    return "# /etc/containers/registries.conf\n"
        + "[[registry]]\n"
        + "prefix = \"docker.io\"\n"
        + "location = \"docker.io\"\n\n"
        + "[[registry.mirror]]\n"
        + "location = \""
        + strip(pathAddress)
        + "\"\n"
        + (insecure ? "insecure = true\n" : "");
  }

  Map<String, Object> toJson(String tenantId) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("tenantId", tenantId);
    json.put("address", hostAddress != null ? hostAddress : pathAddress);
    json.put("hostAddress", hostAddress);
    json.put("pathAddress", pathAddress);
    Map<String, Object> snippets = new LinkedHashMap<>();
    snippets.put("docker", daemonJson());
    if (hostAddress == null) {
      json.put("dockerNote", DOCKER_NEEDS_BASE_DOMAIN);
    }
    snippets.put("containerd", hostsToml());
    snippets.put("podman", registriesConf());
    json.put("snippets", snippets);
    return json;
  }

  private static String strip(String url) {
    return url.replaceFirst("^https?://", "");
  }
}
