package dev.hoist.repository;

import dev.hoist.oci.Digest;
import dev.hoist.oci.InvalidReferenceException;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.RegistryHost;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.ManifestRecord;
import dev.hoist.storage.MetadataStore;
import dev.hoist.storage.MirrorTagState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mirror's cache in this node's stores, and the one owner of its model, used by the mirror and
 * by sync alike:
 *
 * <ul>
 *   <li><b>Cache names.</b> A repository {@code <path>} of upstream {@code U} is cached as {@code
 *       <key(U)>/<path>}, where the key is U's name with {@code :} (not allowed in repository
 *       names) written as {@code -}: {@code 127.0.0.1:5000} caches under {@code 127.0.0.1-5000/}.
 *       Every route to the same image shares one entry, and two upstreams never share a tag.
 *   <li><b>Tags.</b> A cache repository has no tags of its own: what an upstream said of a tag is a
 *       {@link CachedTag}, present (a digest) or absent (a negative entry), with the time it said
 *       so.
 *   <li><b>Content.</b> Manifests are stored untagged through the one manifest write path; blobs
 *       are linked to a cache repository once its upstream confirmed it has them.
 * </ul>
 *
 * Every method blocks.
 */
public final class MirrorCache {
  private static final Logger log = LoggerFactory.getLogger(MirrorCache.class);

  private final BlobStore blobs;
  private final ManifestBodies manifestBodies;
  private final MetadataStore metadata;
  private final ManifestWriter writer;
  private final BlobQuarantine quarantine;

  MirrorCache(
      BlobStore blobs,
      ManifestBodies manifestBodies,
      MetadataStore metadata,
      ManifestWriter writer,
      BlobQuarantine quarantine) {
    this.blobs = blobs;
    this.manifestBodies = manifestBodies;
    this.metadata = metadata;
    this.writer = writer;
    this.quarantine = quarantine;
  }

  // Names.

  /**
   * Where the cache keeps repository {@code upstreamName} of {@code upstream}: under its {@link
   * RegistryHost#cacheKey()}.
   *
   * @throws InvalidReferenceException the result is no repository name (too long)
   */
  public static RepositoryName cacheName(RegistryHost upstream, RepositoryName upstreamName) {
    return RepositoryName.of(upstream.cacheKey() + "/" + upstreamName.value());
  }

  // Tags.

  public Optional<CachedTag> tag(RepositoryName cacheName, Tag tag) {
    return metadata.read(tx -> tx.mirrorTag(cacheName, tag)).map(MirrorCache::toCachedTag);
  }

  /** Every tag the cache knows of in a repository, present or absent, in lexical order. */
  public List<CachedTag> tags(RepositoryName cacheName) {
    return metadata.read(tx -> tx.mirrorTags(cacheName)).stream()
        .map(MirrorCache::toCachedTag)
        .toList();
  }

  /** Records what the upstream said of a tag, replacing what was known. */
  public void remember(RepositoryName cacheName, CachedTag tag) {
    remember(cacheName, tag, null);
  }

  /**
   * Records what the upstream said of a tag and, when {@code keptBy} is not null, that this sync
   * rule keeps the tag's image in the cache (never evicted).
   */
  public void remember(RepositoryName cacheName, CachedTag tag, @Nullable String keptBy) {
    MirrorTagState state =
        switch (tag) {
          case CachedTag.Present p ->
              new MirrorTagState(cacheName, p.tag(), p.digest(), p.checked());
          case CachedTag.Absent a -> new MirrorTagState(cacheName, a.tag(), null, a.checked());
        };
    metadata.write(
        tx -> {
          tx.putMirrorTag(state);
          if (keptBy != null) {
            tx.lifecycle().keepMirrorTag(cacheName, tag.tag(), keptBy);
          }
          return null;
        });
  }

  /**
   * Records the tag as absent upstream, checked at {@code now}: the mirror answers 404 for it until
   * its negative cache time ends. Returns whether the cache had it present.
   */
  public boolean forget(RepositoryName cacheName, Tag tag, Instant now) {
    return metadata.write(
        tx -> {
          boolean cached = tx.mirrorTag(cacheName, tag).filter(s -> !s.absent()).isPresent();
          tx.putMirrorTag(new MirrorTagState(cacheName, tag, null, now));
          return cached;
        });
  }

  private static CachedTag toCachedTag(MirrorTagState state) {
    return state.absent()
        ? new CachedTag.Absent(state.tag(), state.checked())
        : new CachedTag.Present(state.tag(), state.digest(), state.checked());
  }

  // Manifests.

  public Optional<ManifestRecord> manifest(RepositoryName cacheName, Digest digest) {
    return metadata.read(tx -> tx.manifest(cacheName, digest));
  }

  /** Whether the cache has the manifest, record and bytes. */
  public boolean hasManifest(RepositoryName cacheName, Digest digest) throws IOException {
    return manifest(cacheName, digest).isPresent() && manifestBodies.present(digest);
  }

  /**
   * A cached manifest as content answered {@code status}; empty when it is not cached, and when its
   * stored bytes have another size than recorded (they go out of service: the manifest is fetched
   * again).
   */
  public Optional<Content> manifestContent(
      RepositoryName cacheName, Digest digest, CacheStatus status) {
    Optional<ManifestRecord> record = manifest(cacheName, digest);
    if (record.isEmpty()) {
      return Optional.empty();
    }
    try {
      long size = record.get().size();
      BlobContent body = manifestBodies.open(digest, size).orElse(null);
      if (body == null) {
        return Optional.empty();
      }
      if (body.size() != size) {
        boolean quarantined = quarantine.quarantine(digest);
        log.warn(
            "cached manifest has another size than recorded, fetched again: repository={}"
                + " digest={} recordedSize={} storedSize={} quarantined={}",
            cacheName,
            digest,
            size,
            body.size(),
            quarantined);
        return Optional.empty();
      }
      return Optional.of(
          Content.cached(body, size, digest, record.get().mediaType(), status)
              .withQuarantine(() -> quarantine.quarantine(digest)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stores a manifest fetched from the upstream, untagged; its blobs come as they are pulled. */
  public void storeManifest(RepositoryName cacheName, Manifest manifest) throws IOException {
    writer.write(
        cacheName, manifest, ManifestWriter.References.NOT_CHECKED, ManifestWriter.TagMove.NONE);
  }

  /**
   * Stores a copied manifest (sync) with its blobs linked, and records that the upstream's {@code
   * tag} (may be null) pointed at it at {@code checked}: the mirror's next pull of the tag is then
   * a hit without asking the upstream.
   */
  public void storeCopy(
      RepositoryName cacheName,
      Manifest manifest,
      @Nullable Tag tag,
      Instant checked,
      @Nullable String keptBy)
      throws IOException {
    writer.write(
        cacheName,
        manifest,
        ManifestWriter.References.LINKED_WITH_IT,
        tag == null
            ? ManifestWriter.TagMove.NONE
            : new ManifestWriter.TagMove.Cached(tag, checked));
    if (tag != null && keptBy != null) {
      metadata.write(
          tx -> {
            tx.lifecycle().keepMirrorTag(cacheName, tag, keptBy);
            return null;
          });
    }
  }

  // Blobs.

  /** Whether the blob is linked to the cache repository (its upstream confirmed it has it). */
  public boolean linked(RepositoryName cacheName, Digest digest) {
    return linkedSize(cacheName, digest).isPresent();
  }

  /** The size the cache repository linked the blob with; empty when it is not linked. */
  public Optional<Long> linkedSize(RepositoryName cacheName, Digest digest) {
    return metadata.read(tx -> tx.linkedBlobSize(cacheName, digest));
  }

  /**
   * Takes stored bytes that do not match their digest out of service ({@link BlobQuarantine});
   * returns whether they were moved aside. The mirror fetches the blob again on the next request.
   */
  public boolean quarantine(Digest digest) throws IOException {
    return quarantine.quarantine(digest);
  }

  public void link(RepositoryName cacheName, Digest digest, long size) {
    metadata.write(
        tx -> {
          tx.linkBlob(cacheName, digest, size);
          return null;
        });
  }

  /** The stored blob, whichever repository brought it. */
  public Optional<BlobContent> storedBlob(Digest digest) throws IOException {
    return blobs.open(digest);
  }

  /** The size of the stored blob, whichever repository brought it. */
  public Optional<Long> storedSize(Digest digest) throws IOException {
    return blobs.size(digest);
  }
}
