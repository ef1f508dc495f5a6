package dev.hoist.mirror;

import dev.hoist.client.RegistryClient;
import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.repository.MirrorCache;
import dev.hoist.repository.Namespace;
import dev.hoist.repository.Repository.Origin;
import dev.hoist.storage.BlobContent;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * The pull-through cache (ARCHITECTURE §3), assembled from its jobs: {@link MirrorRouting} (which
 * names are mirrored), {@link TagFreshness} (manifests by tag), {@link ManifestFetcher} (manifests
 * into the cache), {@link BlobLookup} and {@link BlobFills} (blobs), {@link Prefetcher} (what a
 * client asks for next), {@link UpstreamFailures} (what clients see of upstream errors).
 *
 * <p>The composition root builds the upstream clients, the fills, the executor and the meters, and
 * gives them here; the registry sees the mirror only as the {@link Namespace} decorator {@link
 * #decorate} returns. Sync reaches it through the few methods below.
 */
public final class Mirror {
  private final MirrorConfig config;
  private final MirrorRouting routing;
  private final Upstreams upstreams;
  private final TagFreshness freshness;
  private final BlobLookup blobs;
  private final BlobFills fills;
  private final MirrorParts parts;
  private volatile PullListener pullListener = (upstream, name, tag) -> {};

  /**
   * @param clients one registry client per configured upstream, by upstream name (the caller closes
   *     them, after the background work that uses them stopped)
   * @param cache where cached content lives ({@code LocalNamespace.mirrorCache()})
   * @param background runs revalidations and prefetches that no request waits for
   */
  public Mirror(
      MirrorConfig config,
      Map<String, RegistryClient> clients,
      MirrorCache cache,
      BlobFills fills,
      InstantSource clock,
      Executor background,
      MirrorMetrics metrics) {
    this.config = Objects.requireNonNull(config, "config");
    for (Upstream u : config.upstreams()) {
      if (!clients.containsKey(u.name())) {
        throw new IllegalArgumentException("no client for upstream " + u.name());
      }
    }
    this.routing = new MirrorRouting(config);
    this.upstreams = new Upstreams(clients);
    this.fills = fills;
    this.blobs = new BlobLookup(upstreams, cache, fills);
    Prefetcher prefetcher = new Prefetcher(config.prefetchSiblings(), background, cache, blobs);
    ManifestFetcher manifests = new ManifestFetcher(upstreams, cache, metrics, prefetcher);
    this.freshness =
        new TagFreshness(
            config.freshnessRules(), config.negativeTtl(), cache, manifests, clock, background);
    this.parts =
        new MirrorParts(
            upstreams,
            freshness,
            manifests,
            blobs,
            metrics,
            (upstream, name, tag) -> pullListener.tagPulled(upstream, name, tag));
  }

  /** {@code local} with the mirrored names served from their upstreams. */
  public Namespace decorate(Namespace local) {
    return new MirroringNamespace(local, routing, parts);
  }

  public MirrorConfig config() {
    return config;
  }

  /** Told of every manifest request by tag (pull counting for pre-warming); must not block. */
  @FunctionalInterface
  public interface PullListener {
    void tagPulled(String upstream, RepositoryName upstreamName, Tag tag);
  }

  /** Sets the listener told of pulls by tag (the composition root wires sync's pull counter). */
  public void onTagPulled(PullListener listener) {
    this.pullListener = Objects.requireNonNull(listener, "listener");
  }

  /** The registry client of a configured upstream, so that other features share its breaker. */
  public Optional<RegistryClient> upstreamClient(String upstream) {
    return upstreams.client(upstream);
  }

  /**
   * Where the cache keeps a repository of a configured upstream; empty for an upstream not
   * configured.
   */
  public Optional<RepositoryName> cacheName(String upstream, RepositoryName upstreamName) {
    return config.upstream(upstream).map(u -> MirrorCache.cacheName(u.host(), upstreamName));
  }

  /** How long a cached tag is trusted, by its cache name ({@code <upstream>/<path>}). */
  public Duration freshFor(RepositoryName cacheName, Tag tag) {
    return freshness.ruleFor(cacheName, tag).fresh();
  }

  /**
   * Reads a blob of an upstream repository the way a client pull would fill it: from the store, or
   * through the fill of it, which a client asking for the same blob meanwhile shares (and which
   * shares a fill a client started). Sync uses this for copies into the mirror cache, so a blob
   * crosses from the upstream once however the two overlap. The stream ends only once every byte
   * was verified and the blob is in the store; it does not count as a served request.
   *
   * @throws IOException the upstream is not configured, refused or failed, or the fill failed
   */
  public InputStream openBlob(String upstream, RepositoryName upstreamName, Digest digest)
      throws IOException {
    Upstream configured =
        config
            .upstream(upstream)
            .orElseThrow(() -> new IOException("upstream " + upstream + " is not configured"));
    Origin origin =
        new Origin(
            configured.name(),
            upstreamName,
            MirrorCache.cacheName(configured.host(), upstreamName));
    return blobs.openStored(origin, digest);
  }

  /**
   * What this node has of a blob, for another node of the cluster: the live view of its fill in
   * progress, else the stored blob; never starts a fill (see {@link BlobFills#local}).
   */
  public Optional<BlobContent> localBlob(Digest digest) throws IOException {
    return fills.local(digest);
  }
}
