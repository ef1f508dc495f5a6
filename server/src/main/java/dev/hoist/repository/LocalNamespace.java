package dev.hoist.repository;

import dev.hoist.oci.RepositoryName;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.MetadataStore;
import java.time.InstantSource;
import java.util.List;

/**
 * Repositories held in this node's stores: a {@link BlobStore} for bytes and a {@link
 * MetadataStore} for what links them. The innermost namespace, which the mirror and the quotas
 * decorate. It also owns what other features write into those stores through: the {@link
 * MirrorCache} and the sync copies ({@link #hosted}), so that every manifest enters by one path.
 */
public final class LocalNamespace implements Namespace {
  private final BlobStore blobs;
  private final MetadataStore metadata;
  private final ManifestWriter manifests;
  private final LocalUploads uploads;
  private final MirrorCache mirrorCache;
  private final BlobQuarantine quarantine;
  private final ManifestBodies manifestBodies;

  public LocalNamespace(BlobStore blobs, MetadataStore metadata, InstantSource clock) {
    this(blobs, metadata, clock, ManifestBodies.uncached(blobs));
  }

  /**
   * @param manifestBodies where manifest bytes are read: {@link ManifestBodies#cached} over a
   *     remote blob store
   */
  public LocalNamespace(
      BlobStore blobs, MetadataStore metadata, InstantSource clock, ManifestBodies manifestBodies) {
    this.blobs = blobs;
    this.manifestBodies = manifestBodies;
    this.metadata = metadata;
    this.manifests = new ManifestWriter(blobs, metadata, clock);
    this.uploads = new LocalUploads(blobs, metadata, clock);
    this.quarantine = new BlobQuarantine(blobs, metadata);
    this.mirrorCache = new MirrorCache(blobs, manifestBodies, metadata, manifests, quarantine);
  }

  @Override
  public Repository repository(RepositoryRequest request) {
    return hosted(request.name());
  }

  /** A repository of this node by its name here (no routing, no quota). */
  public LocalRepository hosted(RepositoryName name) {
    return new LocalRepository(
        name, blobs, manifestBodies, metadata, manifests, uploads, quarantine);
  }

  @Override
  public List<RepositoryName> repositories(RepositoryName last, int limit) {
    return metadata.read(tx -> tx.repositories(last, limit));
  }

  /** The mirror's cache in these stores. */
  public MirrorCache mirrorCache() {
    return mirrorCache;
  }

  /** Removes abandoned upload sessions. */
  public UploadJanitor uploadJanitor() {
    return uploads;
  }
}
