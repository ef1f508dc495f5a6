package dev.hoist.mirror;

import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.InvalidReferenceException;
import dev.hoist.oci.OciException;
import dev.hoist.oci.RegistryHost;
import dev.hoist.oci.RepositoryName;
import dev.hoist.repository.MirrorCache;
import dev.hoist.repository.Repository.Origin;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds the upstream of a {@code /v2/<name>/...} request, in ARCHITECTURE §3's order:
 *
 * <ol>
 *   <li>{@code ?ns=<host>} (containerd) names the upstream; an unconfigured one is refused;
 *   <li>a first path component that is a configured upstream ({@code /v2/ghcr.io/org/app/...});
 *   <li>a name under a hosted prefix is local;
 *   <li>anything else goes to the default upstream, if any ({@code library/} is added to
 *       single-component docker.io names, as the Docker daemon does), else it is local.
 * </ol>
 *
 * <p>Only configured upstreams are ever named by the result, so no request can make Hoist contact
 * another host.
 */
final class MirrorRouting {
  private final MirrorConfig config;
  // Parsed once: routing runs on every request.
  private final List<Target> targets;
  private final Target fallback;

  /** An upstream, its host, and the first path components that name it. */
  private record Target(Upstream upstream, RegistryHost host, Set<String> firstComponents) {
    static Target of(Upstream upstream) {
      RegistryHost host = upstream.host();
      Set<String> names = new HashSet<>(host.spellings());
      names.add(host.cacheKey());
      return new Target(upstream, host, Set.copyOf(names));
    }
  }

  MirrorRouting(MirrorConfig config) {
    this.config = config;
    this.targets = config.upstreams().stream().map(Target::of).toList();
    this.fallback =
        config.defaultUpstream() == null
            ? null
            : targets.stream()
                .filter(t -> t.upstream().name().equals(config.defaultUpstream()))
                .findFirst()
                .orElseThrow();
  }

  Optional<Origin> route(RepositoryName name, String namespace) {
    if (targets.isEmpty()) {
      return Optional.empty();
    }
    if (namespace != null) {
      Upstream upstream =
          config
              .upstream(namespace)
              .orElseThrow(
                  () ->
                      new OciException(
                          ErrorCode.DENIED,
                          "this Hoist does not mirror "
                              + shorten(namespace)
                              + " (only its configured upstreams)",
                          OciException.detail("ns", shorten(namespace))));
      Target target =
          targets.stream().filter(t -> t.upstream().equals(upstream)).findFirst().orElseThrow();
      return Optional.of(remote(target, name.value()));
    }
    String value = name.value();
    int slash = value.indexOf('/');
    if (slash > 0) {
      String first = value.substring(0, slash);
      for (Target target : targets) {
        if (target.firstComponents().contains(first)) {
          return Optional.of(remote(target, value.substring(slash + 1)));
        }
      }
    }
    for (String prefix : config.hostedPrefixes()) {
      if (name.isUnder(prefix)) {
        return Optional.empty();
      }
    }
    return fallback == null ? Optional.empty() : Optional.of(remote(fallback, value));
  }

  private static Origin remote(Target target, String path) {
    String upstreamPath =
        target.host().isDockerHub() && !path.contains("/") ? "library/" + path : path;
    try {
      RepositoryName upstreamName = RepositoryName.of(upstreamPath);
      return new Origin(
          target.upstream().name(),
          upstreamName,
          MirrorCache.cacheName(target.host(), upstreamName));
    } catch (InvalidReferenceException e) {
      throw new OciException(ErrorCode.NAME_INVALID, e.getMessage());
    }
  }

  private static String shorten(String s) {
    return s.length() > 100 ? s.substring(0, 97) + "..." : s;
  }
}
