package dev.hoist.sync;

import dev.hoist.client.copy.ImageDestination;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.repository.CachedTag;
import dev.hoist.repository.MirrorCache;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The mirror's cache as a destination: the repository is a cache name ({@code <upstream>/<path>}).
 * Manifests are stored untagged, as the mirror stores them, and a tag is recorded as the upstream's
 * answer checked now, so the mirror's next pull of it is a HIT without asking the upstream. A
 * deleted tag is recorded as absent upstream, checked now: the mirror answers 404 for it (not a
 * HIT, nor STALE when the upstream is down) until its negative cache time ends, and then asks the
 * upstream again. Referrers are not kept: the mirror asks the upstream for them.
 *
 * <p>It always receives blobs from {@link MirrorCacheSource}, which reads them through the mirror's
 * fills: the fill stores each blob, and the stream it gives ends only once the blob is stored. So a
 * blob is read to its end here, not written a second time.
 */
final class MirrorCacheDestination implements ImageDestination {
  private final MirrorCache cache;
  private final InstantSource clock;
  private final @Nullable String keptBy;

  /**
   * @param keptBy the sync rule whose copies these are: the tags it copies are kept in the cache
   *     (never evicted) until the rule is deleted; null for pre-warming, whose copies may be
   */
  MirrorCacheDestination(MirrorCache cache, InstantSource clock, @Nullable String keptBy) {
    this.cache = cache;
    this.clock = clock;
    this.keptBy = keptBy;
  }

  @Override
  public boolean hasManifest(RepositoryName repository, Digest digest) throws IOException {
    return cache.hasManifest(repository, digest);
  }

  @Override
  public boolean hasBlob(RepositoryName repository, Descriptor blob) throws IOException {
    return cache.storedSize(blob.digest()).isPresent();
  }

  @Override
  public long putBlob(RepositoryName repository, Descriptor blob, InputStream content)
      throws IOException {
    long n = content.transferTo(OutputStream.nullOutputStream());
    long stored = cache.storedSize(blob.digest()).orElse(-1L);
    if (stored != blob.size()) {
      throw new IOException(
          "blob "
              + blob.digest()
              + " is "
              + stored
              + " bytes in the store, but the manifest says "
              + blob.size());
    }
    return n;
  }

  @Override
  public void putManifest(RepositoryName repository, Manifest manifest, Tag tag)
      throws IOException {
    cache.storeCopy(repository, manifest, tag, clock.instant(), keptBy);
  }

  @Override
  public Optional<Digest> tag(RepositoryName repository, Tag tag) {
    return cache.tag(repository, tag).flatMap(CachedTag::pointsAt);
  }

  @Override
  public void confirmTag(RepositoryName repository, Tag tag, Digest digest) {
    cache.remember(repository, new CachedTag.Present(tag, digest, clock.instant()), keptBy);
  }

  @Override
  public boolean keepsReferrers() {
    return false;
  }

  @Override
  public List<Tag> tags(RepositoryName repository) {
    return cache.tags(repository).stream()
        .filter(t -> t.pointsAt().isPresent())
        .map(CachedTag::tag)
        .toList();
  }

  @Override
  public boolean deleteTag(RepositoryName repository, Tag tag) {
    return cache.forget(repository, tag, clock.instant());
  }
}
