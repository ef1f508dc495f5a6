package dev.hoist.sync;

import dev.hoist.client.copy.ImageDestination;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.BlobUpload;
import dev.hoist.storage.ManifestRecord;
import dev.hoist.storage.MetadataStore;
import dev.hoist.storage.MirrorTagState;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * This node's own stores as a destination, in one of two ways.
 *
 * <ul>
 *   <li>Hosted: a manifest and its tag are written as a push would write them; its blobs are linked
 *       to the repository in the same transaction, so the image appears whole or not at all.
 *   <li>Mirror cache: the repository is a cache name ({@code <upstream>/<path>}); manifests are
 *       stored untagged, as the mirror stores them, and a tag is recorded as a {@link
 *       MirrorTagState} checked now, so the mirror's next pull of it is a HIT without asking the
 *       upstream. A deleted tag is recorded as absent upstream, checked now: the mirror answers 404
 *       for it (not a HIT, nor STALE when the upstream is down) until its negative cache time ends,
 *       and then asks the upstream again. Referrers are not kept: the mirror serves the referrers
 *       of mirrored names as an empty list.
 * </ul>
 *
 * Blobs are written through {@link BlobUpload}, which verifies digest and size before commit; one
 * read through the mirror's fill ({@link MirrorCacheSource.StoredBlob}) is stored by that fill, and
 * is only read to its end here.
 */
final class LocalDestination implements ImageDestination {
  private static final int PAGE = 1000;

  private final BlobStore blobs;
  private final MetadataStore metadata;
  private final InstantSource clock;
  private final boolean mirrorCache;

  LocalDestination(
      BlobStore blobs, MetadataStore metadata, InstantSource clock, boolean mirrorCache) {
    this.blobs = blobs;
    this.metadata = metadata;
    this.clock = clock;
    this.mirrorCache = mirrorCache;
  }

  @Override
  public boolean hasManifest(RepositoryName repository, Digest digest) throws IOException {
    return metadata.read(tx -> tx.manifest(repository, digest)).isPresent()
        && blobs.size(digest).isPresent();
  }

  @Override
  public boolean hasBlob(RepositoryName repository, Descriptor blob) throws IOException {
    // Bytes brought by another repository are reused: the manifest being copied names them, and
    // the source holds them, so linking them here widens nothing.
    return blobs.size(blob.digest()).isPresent();
  }

  @Override
  public long putBlob(RepositoryName repository, Descriptor blob, InputStream content)
      throws IOException {
    if (content instanceof MirrorCacheSource.StoredBlob) {
      long n = content.transferTo(OutputStream.nullOutputStream());
      long stored = blobs.size(blob.digest()).orElse(-1L);
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
    BlobUpload upload = blobs.startUpload(UUID.randomUUID().toString());
    try {
      long n = upload.write(content);
      upload.commit(blob.digest(), blob.size());
      return n;
    } catch (IOException | RuntimeException e) {
      upload.cancel();
      throw e;
    }
  }

  @Override
  public void putManifest(RepositoryName repository, Manifest manifest, Tag tag)
      throws IOException {
    if (blobs.size(manifest.digest()).isEmpty()) {
      blobs.put(manifest.digest(), manifest.raw());
    }
    ManifestRecord record =
        new ManifestRecord(
            manifest.digest(),
            manifest.mediaType(),
            manifest.size(),
            manifest.artifactType().orElse(null),
            manifest.subject().map(Descriptor::digest).orElse(null),
            manifest.annotations(),
            clock.instant());
    List<Descriptor> links = new ArrayList<>();
    if (!(manifest instanceof dev.hoist.oci.ImageIndex)) {
      links.addAll(manifest.references());
    }
    metadata.write(
        tx -> {
          for (Descriptor d : links) {
            tx.linkBlob(repository, d.digest(), d.size());
          }
          tx.linkBlob(repository, manifest.digest(), manifest.size());
          if (mirrorCache) {
            tx.putManifest(repository, record, null);
            if (tag != null) {
              tx.putMirrorTag(
                  new MirrorTagState(repository, tag, manifest.digest(), clock.instant()));
            }
          } else {
            tx.putManifest(repository, record, tag);
          }
          return null;
        });
  }

  @Override
  public Optional<Digest> tag(RepositoryName repository, Tag tag) {
    if (mirrorCache) {
      return metadata.read(tx -> tx.mirrorTag(repository, tag)).map(MirrorTagState::digest);
    }
    return metadata.read(tx -> tx.tag(repository, tag));
  }

  @Override
  public void confirmTag(RepositoryName repository, Tag tag, Digest digest) {
    if (mirrorCache) {
      metadata.write(
          tx -> {
            tx.putMirrorTag(new MirrorTagState(repository, tag, digest, clock.instant()));
            return null;
          });
    }
  }

  @Override
  public boolean keepsReferrers() {
    return !mirrorCache;
  }

  @Override
  public List<Tag> tags(RepositoryName repository) {
    if (mirrorCache) {
      return metadata.read(tx -> tx.mirrorTags(repository)).stream()
          .filter(state -> !state.absent())
          .map(MirrorTagState::tag)
          .toList();
    }
    List<Tag> all = new ArrayList<>();
    Tag last = null;
    while (true) {
      Tag after = last;
      List<Tag> page = metadata.read(tx -> tx.tags(repository, after, PAGE));
      all.addAll(page);
      if (page.size() < PAGE) {
        return all;
      }
      last = page.get(page.size() - 1);
    }
  }

  @Override
  public boolean deleteTag(RepositoryName repository, Tag tag) {
    if (mirrorCache) {
      return metadata.write(
          tx -> {
            boolean cached = tx.mirrorTag(repository, tag).filter(s -> !s.absent()).isPresent();
            tx.putMirrorTag(new MirrorTagState(repository, tag, null, clock.instant()));
            return cached;
          });
    }
    return metadata.write(tx -> tx.deleteTag(repository, tag));
  }
}
