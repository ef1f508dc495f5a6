package dev.hoist.repository;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.OciException;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.BlobUpload;
import dev.hoist.storage.ManifestRecord;
import dev.hoist.storage.MetadataStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A repository in this node's stores. A blob is readable through it only while it links the blob;
 * deleting removes this repository's link and leaves the bytes, which other repositories may link,
 * to garbage collection. Manifests are stored through {@link ManifestWriter}.
 */
public final class LocalRepository
    implements Repository,
        Repository.Manifests,
        Repository.Blobs,
        Repository.Tags,
        Repository.Referrers,
        Repository.Writer {
  private static final Logger log = LoggerFactory.getLogger(LocalRepository.class);
  private static final int PAGE = 1000;

  private final RepositoryName name;
  private final BlobStore blobs;
  private final ManifestBodies manifestBodies;
  private final MetadataStore metadata;
  private final ManifestWriter writer;
  private final LocalUploads uploads;
  private final BlobQuarantine quarantine;

  LocalRepository(
      RepositoryName name,
      BlobStore blobs,
      ManifestBodies manifestBodies,
      MetadataStore metadata,
      ManifestWriter writer,
      LocalUploads uploads,
      BlobQuarantine quarantine) {
    this.name = name;
    this.blobs = blobs;
    this.manifestBodies = manifestBodies;
    this.metadata = metadata;
    this.writer = writer;
    this.uploads = uploads;
    this.quarantine = quarantine;
  }

  @Override
  public RepositoryName name() {
    return name;
  }

  @Override
  public Optional<Origin> origin() {
    return Optional.empty();
  }

  @Override
  public Manifests manifests() {
    return this;
  }

  @Override
  public Blobs blobs() {
    return this;
  }

  @Override
  public Tags tags() {
    return this;
  }

  @Override
  public Referrers referrers() {
    return this;
  }

  @Override
  public Writer writer() {
    return this;
  }

  // Manifests.

  @Override
  public Content get(ManifestReference reference, boolean head) throws IOException {
    ManifestRecord record =
        metadata.read(
            tx -> {
              Optional<Digest> digest =
                  switch (reference) {
                    case ManifestReference.ByDigest d -> Optional.of(d.digest());
                    case ManifestReference.ByTag t -> tx.tag(name, t.tag());
                  };
              return digest.flatMap(d -> tx.manifest(name, d)).orElse(null);
            });
    if (record == null) {
      throw manifestUnknown(reference);
    }
    BlobContent body = manifestBodies.open(record.digest(), record.size()).orElse(null);
    if (body == null) {
      log.warn(
          "manifest recorded but its bytes are missing: repository={} digest={}",
          name,
          record.digest());
      throw manifestUnknown(reference);
    }
    if (body.size() != record.size()) {
      sizeMismatch("manifest", record.digest(), record.size(), body.size());
      throw manifestUnknown(reference);
    }
    Digest digest = record.digest();
    return Content.hosted(body, digest, record.mediaType())
        .withQuarantine(() -> quarantine.quarantine(digest));
  }

  // Blobs.

  @Override
  public Content get(Digest digest, boolean head) throws IOException {
    Long linkedSize = metadata.read(tx -> tx.linkedBlobSize(name, digest)).orElse(null);
    if (linkedSize == null) {
      throw blobUnknown(digest);
    }
    BlobContent body = blobs.open(digest).orElse(null);
    if (body == null) {
      log.warn("blob linked but its bytes are missing: repository={} digest={}", name, digest);
      throw blobUnknown(digest);
    }
    if (body.size() != linkedSize) {
      sizeMismatch("blob", digest, linkedSize, body.size());
      throw blobUnknown(digest);
    }
    return Content.hosted(body, digest, null).withQuarantine(() -> quarantine.quarantine(digest));
  }

  /**
   * Stored bytes of another size than the one recorded when they were verified are not the blob:
   * they are never served, and go out of service unless they hash to the digest after all (then the
   * record is wrong, and they stay for a push or the scrub to settle).
   */
  private void sizeMismatch(String what, Digest digest, long recorded, long stored)
      throws IOException {
    boolean quarantined = quarantine.quarantine(digest);
    log.warn(
        "stored {} has another size than recorded, not served: repository={} digest={}"
            + " recordedSize={} storedSize={} quarantined={}",
        what,
        name,
        digest,
        recorded,
        stored,
        quarantined);
  }

  // Tags.

  @Override
  public TagPage list(Tag last, int limit) {
    List<Tag> tags =
        metadata.read(
            tx -> {
              if (!tx.repositoryExists(name)) {
                throw new OciException(
                    ErrorCode.NAME_UNKNOWN,
                    "repository name not known to registry",
                    OciException.detail("name", name.value()));
              }
              return limit == 0 ? List.<Tag>of() : tx.tags(name, last, limit + 1);
            });
    boolean more = tags.size() > limit;
    return new TagPage(more ? tags.subList(0, limit) : tags, more);
  }

  /** Every tag, in lexical order (sync reads whole repositories). */
  public List<Tag> allTags() {
    List<Tag> all = new ArrayList<>();
    Tag last = null;
    while (true) {
      Tag after = last;
      List<Tag> page = metadata.read(tx -> tx.tags(name, after, PAGE));
      all.addAll(page);
      if (page.size() < PAGE) {
        return all;
      }
      last = page.get(page.size() - 1);
    }
  }

  /** The manifest a tag points at. */
  public Optional<Digest> tag(Tag tag) {
    return metadata.read(tx -> tx.tag(name, tag));
  }

  /** Whether the repository has the manifest, record and bytes. */
  public boolean hasManifest(Digest digest) throws IOException {
    return metadata.read(tx -> tx.manifest(name, digest)).isPresent()
        && manifestBodies.present(digest);
  }

  // Referrers.

  @Override
  public List<Descriptor> of(Digest subject, String artifactType) {
    return metadata.read(tx -> tx.referrers(name, subject, artifactType)).stream()
        .map(
            r ->
                new Descriptor(
                    r.mediaType(),
                    r.digest(),
                    r.size(),
                    r.artifactType(),
                    null,
                    r.annotations(),
                    List.of()))
        .toList();
  }

  // Writes.

  @Override
  public void putManifest(Manifest manifest, Tag tag) throws IOException {
    writer.write(
        name,
        manifest,
        ManifestWriter.References.MUST_BE_PRESENT,
        ManifestWriter.TagMove.hosted(tag));
  }

  /**
   * Stores a copied manifest (sync) with its blobs linked in the same transaction, and moves {@code
   * tag} (may be null) to it: the image appears whole or not at all.
   */
  public void putCopy(Manifest manifest, Tag tag) throws IOException {
    writer.write(
        name,
        manifest,
        ManifestWriter.References.LINKED_WITH_IT,
        ManifestWriter.TagMove.hosted(tag));
  }

  @Override
  public void deleteManifest(Digest digest) {
    boolean existed =
        metadata.write(
            tx -> {
              boolean found = tx.deleteManifest(name, digest);
              if (found) {
                tx.unlinkBlob(name, digest);
              }
              return found;
            });
    if (!existed) {
      throw manifestUnknown(new ManifestReference.ByDigest(digest));
    }
  }

  @Override
  public void deleteTag(Tag tag) {
    if (!metadata.write(tx -> tx.deleteTag(name, tag))) {
      throw manifestUnknown(new ManifestReference.ByTag(tag));
    }
  }

  /** Deletes a tag; returns whether it existed (sync drops tags that vanished upstream). */
  public boolean removeTag(Tag tag) {
    return metadata.write(tx -> tx.deleteTag(name, tag));
  }

  @Override
  public void deleteBlob(Digest digest) {
    if (!metadata.write(tx -> tx.unlinkBlob(name, digest))) {
      throw blobUnknown(digest);
    }
  }

  @Override
  public boolean mountBlob(Digest digest, RepositoryName from) throws IOException {
    if (metadata.read(tx -> tx.linkedBlobSize(from, digest)).isEmpty()
        || blobs.size(digest).isEmpty()) {
      return false;
    }
    return metadata.write(
        tx -> {
          Long size = tx.linkedBlobSize(from, digest).orElse(null);
          if (size == null) {
            return false;
          }
          tx.linkBlob(name, digest, size);
          return true;
        });
  }

  @Override
  public Uploads uploads() {
    return uploads.of(name);
  }

  /**
   * Stores a copied blob's bytes, verified against its digest and size before they become visible;
   * {@link #putCopy} links it with its manifest. Returns the bytes written.
   */
  public long storeBlob(Descriptor blob, InputStream content) throws IOException {
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

  /** Whether the blob's bytes are stored here, whichever repository brought them. */
  public boolean hasBlobBytes(Digest digest) throws IOException {
    return blobs.size(digest).isPresent();
  }

  private OciException manifestUnknown(ManifestReference reference) {
    return new OciException(
        ErrorCode.MANIFEST_UNKNOWN,
        "manifest unknown",
        OciException.detail("name", name.value(), "reference", reference.toString()));
  }

  private OciException blobUnknown(Digest digest) {
    return new OciException(
        ErrorCode.BLOB_UNKNOWN,
        "blob unknown to this repository",
        OciException.detail("name", name.value(), "digest", digest.toString()));
  }
}
