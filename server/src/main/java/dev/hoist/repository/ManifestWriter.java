package dev.hoist.repository;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.OciException;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.ManifestRecord;
import dev.hoist.storage.MetadataStore;
import dev.hoist.storage.MetadataTransaction;
import dev.hoist.storage.MirrorTagState;
import java.io.IOException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The one way a manifest enters this node's stores, whoever brings it (a push, the mirror, sync):
 * its bytes stored as a blob, then in one transaction its blob link, its record and the move of its
 * tag, so that a manifest and its tag appear together or not at all. The manifest was parsed (type
 * and digest checked) by whoever built the {@link Manifest}.
 */
final class ManifestWriter {

  /** What a manifest's references must be in its repository for it to be stored. */
  enum References {
    /** A push: every blob linked and every child manifest present, else nothing is stored. */
    MUST_BE_PRESENT,
    /** A copy (sync): the blobs are linked in the same transaction as the manifest. */
    LINKED_WITH_IT,
    /** A mirror fill: the manifest comes first, its blobs are linked as they are fetched. */
    NOT_CHECKED
  }

  /** Which tag, if any, points at the manifest once it is stored. */
  sealed interface TagMove {
    /** No tag changes. */
    TagMove NONE = new None();

    record None() implements TagMove {}

    /** A tag of this registry moves to the manifest. */
    record Hosted(Tag tag) implements TagMove {}

    /**
     * The mirror's record of an upstream tag: the upstream said, at {@code checked}, that the tag
     * points at this manifest ({@link MirrorCache}).
     */
    record Cached(Tag tag, Instant checked) implements TagMove {}

    static TagMove hosted(Tag tag) {
      return tag == null ? NONE : new Hosted(tag);
    }
  }

  private final BlobStore blobs;
  private final MetadataStore metadata;
  private final InstantSource clock;

  ManifestWriter(BlobStore blobs, MetadataStore metadata, InstantSource clock) {
    this.blobs = blobs;
    this.metadata = metadata;
    this.clock = clock;
  }

  void write(RepositoryName repository, Manifest manifest, References references, TagMove tag)
      throws IOException {
    if (references == References.MUST_BE_PRESENT) {
      // Checked before storing the bytes, so that a refused push leaves nothing behind; checked
      // again in the write transaction, against a delete racing with this push.
      metadata.read(
          tx -> {
            checkReferences(tx, repository, manifest);
            return null;
          });
    }
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
    // What must outlive the manifest: garbage collection and eviction keep what these name.
    Set<Digest> uses =
        manifest.references().stream().map(Descriptor::digest).collect(Collectors.toSet());
    List<Descriptor> links =
        references == References.LINKED_WITH_IT ? blobsOf(manifest) : List.<Descriptor>of();
    metadata.write(
        tx -> {
          if (references == References.MUST_BE_PRESENT) {
            checkReferences(tx, repository, manifest);
          }
          for (Descriptor d : links) {
            tx.linkBlob(repository, d.digest(), d.size());
          }
          tx.linkBlob(repository, manifest.digest(), manifest.size());
          switch (tag) {
            case TagMove.None none -> tx.putManifest(repository, record, uses, null);
            case TagMove.Hosted hosted -> tx.putManifest(repository, record, uses, hosted.tag());
            case TagMove.Cached cached -> {
              tx.putManifest(repository, record, uses, null);
              tx.putMirrorTag(
                  new MirrorTagState(
                      repository, cached.tag(), manifest.digest(), cached.checked()));
            }
          }
          return null;
        });
  }

  /** The blobs an image manifest needs (an index's references are manifests, stored apart). */
  private static List<Descriptor> blobsOf(Manifest manifest) {
    return switch (manifest) {
      case ImageManifest image -> image.references();
      case ImageIndex index -> List.of();
    };
  }

  /**
   * An index's children must be manifests of this repository; an image manifest's config and layers
   * must be blobs linked in it (except foreign layers, fetched from their URLs).
   */
  private static void checkReferences(
      MetadataTransaction tx, RepositoryName name, Manifest manifest) {
    switch (manifest) {
      case ImageIndex index -> {
        for (Descriptor child : index.manifests()) {
          if (tx.manifest(name, child.digest()).isEmpty()) {
            throw new OciException(
                ErrorCode.MANIFEST_UNKNOWN,
                "the index references a manifest unknown to this repository",
                OciException.detail("digest", child.digest().toString()));
          }
        }
      }
      case ImageManifest image -> {
        for (Descriptor d : image.references()) {
          if (!d.urls().isEmpty() && isForeign(d.mediaType())) {
            continue;
          }
          if (tx.linkedBlobSize(name, d.digest()).isEmpty()) {
            throw new OciException(
                ErrorCode.MANIFEST_BLOB_UNKNOWN,
                "the manifest references a blob unknown to this repository",
                OciException.detail("digest", d.digest().toString()));
          }
        }
      }
    }
  }

  private static boolean isForeign(String mediaType) {
    return mediaType.equals(MediaTypes.DOCKER_FOREIGN_LAYER)
        || mediaType.equals(MediaTypes.OCI_LAYER_NONDISTRIBUTABLE_TAR)
        || mediaType.equals(MediaTypes.OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP)
        || mediaType.equals(MediaTypes.OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD);
  }
}
