package dev.hoist.mirror;

import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.InvalidReferenceException;
import dev.hoist.oci.OciException;
import dev.hoist.oci.RepositoryName;
import dev.hoist.repository.MirrorCache;
import dev.hoist.repository.Repository.Origin;
import java.util.Optional;

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

  MirrorRouting(MirrorConfig config) {
    this.config = config;
  }

  Optional<Origin> route(RepositoryName name, String namespace) {
    if (!config.enabled()) {
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
      return Optional.of(remote(upstream, name.value()));
    }
    String value = name.value();
    int slash = value.indexOf('/');
    if (slash > 0) {
      String first = value.substring(0, slash);
      for (Upstream upstream : config.upstreams()) {
        if (first.equals(upstream.cacheKey()) || upstream.host().spellings().contains(first)) {
          return Optional.of(remote(upstream, value.substring(slash + 1)));
        }
      }
    }
    for (String prefix : config.hostedPrefixes()) {
      if (name.isUnder(prefix)) {
        return Optional.empty();
      }
    }
    if (config.defaultUpstream() == null) {
      return Optional.empty();
    }
    return Optional.of(remote(config.upstream(config.defaultUpstream()).orElseThrow(), value));
  }

  private static Origin remote(Upstream upstream, String path) {
    String upstreamPath =
        upstream.host().isDockerHub() && !path.contains("/") ? "library/" + path : path;
    try {
      RepositoryName upstreamName = RepositoryName.of(upstreamPath);
      return new Origin(
          upstream.name(), upstreamName, MirrorCache.cacheName(upstream.host(), upstreamName));
    } catch (InvalidReferenceException e) {
      throw new OciException(ErrorCode.NAME_INVALID, e.getMessage());
    }
  }

  private static String shorten(String s) {
    return s.length() > 100 ? s.substring(0, 97) + "..." : s;
  }
}
