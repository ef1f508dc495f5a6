package dev.hoist.images;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.InvalidReferenceException;
import dev.hoist.oci.RegistryHost;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * {@code hoist mirror-config}: what to write into a container tool's configuration so that it pulls
 * one registry's images through a Hoist mirror.
 *
 * <ul>
 *   <li><b>docker</b>, {@code /etc/docker/daemon.json}: {@code registry-mirrors} (Docker mirrors
 *       docker.io only, and takes a bare scheme://host[:port]), plus {@code insecure-registries}
 *       for a plain-HTTP mirror. Docker sends {@code /v2/library/ubuntu/...}, which Hoist routes to
 *       its default upstream.
 *   <li><b>containerd</b>, {@code /etc/containerd/certs.d/<registry>/hosts.toml}: the registry's
 *       own {@code server} and a {@code [host."URL"]} with {@code capabilities = ["pull",
 *       "resolve"]}. containerd adds {@code ?ns=<registry>}, which tells Hoist the upstream, so any
 *       registry works. A mirror URL with a path gets {@code /v2} appended and {@code override_path
 *       = true}, as containerd requires. A plain-HTTP mirror is just an {@code http://} URL.
 *   <li><b>podman</b> (and CRI-O, skopeo, buildah), {@code registries.conf}: a {@code [[registry]]}
 *       with a {@code [[registry.mirror]]} whose {@code location} is host[:port][/path] and {@code
 *       insecure = true} for plain HTTP. podman sends no {@code ns}, so for a registry other than
 *       docker.io the location uses Hoist's path-prefix form, {@code host:port/ghcr.io}: podman
 *       then asks for {@code /v2/ghcr.io/org/app/...}, which Hoist routes to ghcr.io.
 * </ul>
 */
public final class MirrorSetup {
  private static final ObjectMapper JSON = new ObjectMapper();

  private MirrorSetup() {}

  /** The tools Hoist writes configuration for. */
  public enum Tool {
    DOCKER,
    CONTAINERD,
    PODMAN;

    /** {@code docker}, {@code containerd} or {@code podman}, any case. */
    public static Tool parse(String name) throws ImageException {
      for (Tool t : values()) {
        if (t.name().equalsIgnoreCase(name.strip())) {
          return t;
        }
      }
      throw new ImageException(
          ImageException.Kind.USAGE,
          "unknown tool '" + name + "': expected docker, containerd or podman");
    }
  }

  /**
   * What to write.
   *
   * @param file where the configuration goes
   * @param content the file's content (or the part to merge into it)
   * @param notes what else to do or know, one line each
   */
  public record Snippet(String file, String content, List<String> notes) {
    public Snippet {
      Objects.requireNonNull(file, "file");
      Objects.requireNonNull(content, "content");
      notes = List.copyOf(notes);
    }
  }

  /**
   * The configuration making {@code tool} pull {@code registry}'s images through the mirror at
   * {@code mirrorUrl} ({@code http(s)://host[:port][/path]}; no scheme means https).
   *
   * @throws ImageException USAGE for an invalid URL or registry, or a combination the tool cannot
   *     express
   */
  public static Snippet forTool(Tool tool, String mirrorUrl, String registry)
      throws ImageException {
    String url = RegistryAccess.normalizeMirrorUrl(mirrorUrl);
    URI u = URI.create(url);
    String scheme = u.getScheme().toLowerCase(Locale.ROOT);
    String hostPort = u.getRawAuthority().toLowerCase(Locale.ROOT);
    String path = u.getRawPath() == null ? "" : u.getRawPath();
    url = scheme + "://" + hostPort + path;
    String reg = registry(registry);
    boolean http = scheme.equals("http");
    switch (tool) {
      case DOCKER:
        return docker(url, hostPort, path, http, reg);
      case CONTAINERD:
        return containerd(url, path, reg);
      default:
        return podman(hostPort + path, http, reg);
    }
  }

  private static Snippet docker(
      String url, String hostPort, String path, boolean http, String registry)
      throws ImageException {
    if (!registry.equals(RegistryHost.DOCKER_HUB.value())) {
      throw new ImageException(
          ImageException.Kind.USAGE,
          "Docker's registry-mirrors applies to docker.io only; for "
              + registry
              + " images, pull through the mirror by path ("
              + hostPort
              + path
              + "/"
              + registry
              + "/<repository>:<tag>) or configure containerd or podman");
    }
    if (!path.isEmpty()) {
      throw new ImageException(
          ImageException.Kind.USAGE,
          "Docker's registry-mirrors takes a bare scheme://host[:port], not a path ('"
              + path
              + "'); use containerd or podman for a mirror under a path");
    }
    ObjectNode o = JSON.createObjectNode();
    o.putArray("registry-mirrors").add(url);
    if (http) {
      o.putArray("insecure-registries").add(hostPort);
    }
    String content;
    try {
      DefaultIndenter indent = new DefaultIndenter("  ", "\n");
      DefaultPrettyPrinter pretty =
          new DefaultPrettyPrinter()
              .withSeparators(
                  Separators.createDefaultInstance()
                      .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
              .withObjectIndenter(indent)
              .withArrayIndenter(indent);
      content = JSON.writer(pretty).writeValueAsString(o) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return new Snippet(
        "/etc/docker/daemon.json",
        content,
        List.of(
            "Merge these keys into /etc/docker/daemon.json (keep the settings already there),"
                + " then restart the daemon: sudo systemctl restart docker",
            "Docker tries the mirror first and falls back to Docker Hub when it fails."));
  }

  private static Snippet containerd(String url, String path, String registry) {
    String file = "/etc/containerd/certs.d/" + registry + "/hosts.toml";
    String server =
        registry.equals(RegistryHost.DOCKER_HUB.value())
            ? RegistryAccess.DOCKER_HUB_API
            : "https://" + registry;
    boolean overridePath = !path.isEmpty();
    String host = overridePath && !path.endsWith("/v2") ? url + "/v2" : url;
    StringBuilder b = new StringBuilder();
    b.append("# ").append(file).append('\n');
    b.append("server = ").append(toml(server)).append("\n\n");
    b.append("[host.").append(toml(host)).append("]\n");
    b.append("  capabilities = [\"pull\", \"resolve\"]\n");
    if (overridePath) {
      b.append("  override_path = true\n");
    }
    return new Snippet(
        file,
        b.toString(),
        List.of(
            "containerd reads it when its registry config_path is /etc/containerd/certs.d (CRI:"
                + " [plugins.\"io.containerd.grpc.v1.cri\".registry] config_path; nerdctl reads it"
                + " by default; ctr needs --hosts-dir /etc/containerd/certs.d).",
            "containerd sends ?ns="
                + registry
                + " to the mirror, so Hoist knows the upstream: run it with --mirror "
                + registry
                + "."));
  }

  private static Snippet podman(String location, boolean http, String registry) {
    boolean hub = registry.equals(RegistryHost.DOCKER_HUB.value());
    String mirrorLocation = hub ? location : location + "/" + registry;
    String file =
        "/etc/containers/registries.conf.d/50-hoist-" + registry.replace(':', '_') + ".conf";
    StringBuilder b = new StringBuilder();
    b.append("# ")
        .append(file)
        .append(" (or add to /etc/containers/registries.conf;")
        .append(" rootless: ~/.config/containers/registries.conf)\n");
    b.append("[[registry]]\n");
    b.append("prefix = ").append(toml(registry)).append('\n');
    b.append("location = ").append(toml(registry)).append("\n\n");
    if (!hub) {
      b.append("# podman sends no ?ns=, so the mirror is addressed by Hoist's path-prefix form\n");
    }
    b.append("[[registry.mirror]]\n");
    b.append("location = ").append(toml(mirrorLocation)).append('\n');
    if (http) {
      b.append("insecure = true\n");
    }
    return new Snippet(
        file,
        b.toString(),
        List.of(
            "podman, CRI-O, skopeo and buildah try the mirror first, then " + registry + ".",
            hub
                ? "Docker Hub names reach Hoist as /v2/library/...: Hoist's default upstream"
                    + " must be docker.io (it is when Hoist mirrors docker.io)."
                : "Hoist must mirror " + registry + " (--mirror " + registry + ")."));
  }

  /**
   * A registry name as the tools write it: lowercase host[:port], docker.io for Docker Hub, and one
   * an image name can spell (not {@code myhost}: {@code myhost/app} is on docker.io).
   */
  private static String registry(String text) throws ImageException {
    try {
      RegistryHost r = RegistryHost.parseConfigured(text);
      if (RegistryHost.isRegistryHost(r.value())) {
        return r.value();
      }
    } catch (InvalidReferenceException e) {
      // fall through
    }
    throw new ImageException(
        ImageException.Kind.USAGE,
        "invalid registry '" + text + "': expected a host[:port] such as docker.io or ghcr.io");
  }

  /** A TOML basic string. */
  private static String toml(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
