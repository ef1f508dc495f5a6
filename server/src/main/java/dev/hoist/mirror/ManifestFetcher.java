package dev.hoist.mirror;

import dev.hoist.client.ManifestResponse;
import dev.hoist.client.RegistryException;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.ManifestInvalidException;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.OciException;
import dev.hoist.oci.Tag;
import dev.hoist.repository.CacheStatus;
import dev.hoist.repository.Content;
import dev.hoist.repository.MirrorCache;
import dev.hoist.repository.Repository.Origin;
import java.io.IOException;
import java.util.Optional;

/**
 * Fetches manifests from upstreams into the cache: once for concurrent callers, type and digest
 * checked before anything is stored, then handed to the {@link Prefetcher} (an image's config, an
 * index's other platforms).
 */
final class ManifestFetcher {
  private final Upstreams upstreams;
  private final MirrorCache cache;
  private final MirrorMetrics metrics;
  private final Prefetcher prefetcher;
  private final SingleFlight<String, Digest> fetches = new SingleFlight<>();

  ManifestFetcher(
      Upstreams upstreams, MirrorCache cache, MirrorMetrics metrics, Prefetcher prefetcher) {
    this.upstreams = upstreams;
    this.cache = cache;
    this.metrics = metrics;
    this.prefetcher = prefetcher;
  }

  /** A manifest by digest: immutable, so a cached copy is always a hit. */
  Content byDigest(Origin origin, Digest digest) throws IOException {
    Optional<Content> cached = cache.manifestContent(origin.cacheName(), digest, CacheStatus.HIT);
    if (cached.isPresent()) {
      return cached.get();
    }
    Digest fetched;
    try {
      fetched = fetch(origin, digest);
    } catch (UpstreamException e) {
      throw UpstreamFailures.translate(origin, e);
    }
    return cache
        .manifestContent(origin.cacheName(), fetched, CacheStatus.MISS)
        .orElseThrow(() -> UpstreamFailures.manifestUnknown(origin, digest.toString()));
  }

  /**
   * Fetches a manifest by digest from the upstream and stores it, once for concurrent callers;
   * returns at once when it is cached.
   *
   * @throws UpstreamException the upstream refused or failed
   */
  Digest fetch(Origin origin, Digest digest) throws IOException {
    return fetches.run(
        origin.cacheName() + "@" + digest,
        () -> {
          // Record and bytes: a manifest whose bytes went out of service is fetched again.
          if (cache.hasManifest(origin.cacheName(), digest)) {
            return digest;
          }
          try {
            ManifestResponse response =
                upstreams
                    .client(origin)
                    .getManifest(
                        origin.upstreamName(), digest.toString(), MediaTypes.MANIFEST_TYPES);
            return store(origin, response, digest);
          } catch (RegistryException e) {
            throw new UpstreamException(e);
          }
        });
  }

  /**
   * The digest a tag points at upstream, from a GET that stores the manifest; empty when the
   * upstream has no such tag.
   */
  Optional<Digest> fetchTag(Origin origin, Tag tag) throws RegistryException, IOException {
    try {
      ManifestResponse response =
          upstreams
              .client(origin)
              .getManifest(origin.upstreamName(), tag.value(), MediaTypes.MANIFEST_TYPES);
      return Optional.of(store(origin, response, null));
    } catch (RegistryException e) {
      if (e.httpStatus() == 404
          || e.code() == ErrorCode.MANIFEST_UNKNOWN
          || e.code() == ErrorCode.NAME_UNKNOWN) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * The digest a tag points at upstream, from a HEAD; empty when the upstream has no such tag. An
   * upstream that does not send {@code Docker-Content-Digest} costs a GET instead.
   */
  Optional<Digest> headTag(Origin origin, Tag tag) throws RegistryException, IOException {
    try {
      return upstreams
          .client(origin)
          .headManifest(origin.upstreamName(), tag.value())
          .map(ManifestResponse::digest);
    } catch (RegistryException e) {
      if (e.httpStatus() != 200) {
        throw e;
      }
    }
    return fetchTag(origin, tag);
  }

  private Digest store(Origin origin, ManifestResponse response, Digest expected)
      throws IOException {
    byte[] raw = response.bytes();
    Manifest manifest;
    try {
      manifest =
          expected == null
              ? Manifest.parse(raw, response.mediaType())
              : Manifest.parse(raw, response.mediaType(), expected);
    } catch (ManifestInvalidException e) {
      throw new OciException(
          ErrorCode.UPSTREAM_FAILED,
          "upstream " + origin.upstream() + " sent an invalid manifest: " + e.getMessage());
    }
    if (!manifest.digest().equals(response.digest())) {
      throw new OciException(
          ErrorCode.UPSTREAM_FAILED,
          "upstream " + origin.upstream() + " sent a manifest whose digest is not what it said");
    }
    cache.storeManifest(origin.cacheName(), manifest);
    metrics.manifestFetched(origin.upstream());
    prefetcher.fetched(origin, manifest, this);
    return manifest.digest();
  }
}
