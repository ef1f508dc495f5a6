package dev.hoist.storage;

import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What can be read and written inside one {@link MetadataStore} transaction. Methods that write
 * throw {@link IllegalStateException} inside a read transaction.
 */
public interface MetadataTransaction {

  // Repositories. A repository exists while it has a manifest, a tag or a blob link.

  /** Repository names in lexical order, after {@code last} (exclusive, may be null), at most n. */
  List<RepositoryName> repositories(@Nullable RepositoryName last, int limit);

  boolean repositoryExists(RepositoryName repository);

  // Blob links: which repository may read which blob.

  /**
   * Records that {@code repository} may read the blob, and that the blob is stored (its {@link
   * StoredBlob} record, used now); idempotent.
   */
  void linkBlob(RepositoryName repository, Digest digest, long size);

  /** The linked blob's size, or empty when the repository has no link to it. */
  Optional<Long> linkedBlobSize(RepositoryName repository, Digest digest);

  /** Removes a link; returns whether it existed. */
  boolean unlinkBlob(RepositoryName repository, Digest digest);

  /** How many repositories link the blob (0 means it may be garbage-collected). */
  int blobLinkCount(Digest digest);

  // Manifests and tags.

  /**
   * Stores a manifest in a repository (idempotent for the same digest; storing it again marks it
   * used now) with the digests it references (config, layers, child manifests: what must not be
   * garbage-collected while it exists) and, when {@code tag} is not null, points the tag at it, all
   * in this transaction.
   */
  void putManifest(
      RepositoryName repository,
      ManifestRecord manifest,
      Set<Digest> references,
      @Nullable Tag tag);

  Optional<ManifestRecord> manifest(RepositoryName repository, Digest digest);

  /** Removes the manifest and every tag pointing at it; returns whether it existed. */
  boolean deleteManifest(RepositoryName repository, Digest digest);

  /** The manifest a tag points at. */
  Optional<Digest> tag(RepositoryName repository, Tag tag);

  /** Tags in lexical order after {@code last} (exclusive, may be null), at most {@code limit}. */
  List<Tag> tags(RepositoryName repository, @Nullable Tag last, int limit);

  /** Removes a tag (the manifest stays); returns whether it existed. */
  boolean deleteTag(RepositoryName repository, Tag tag);

  /**
   * Manifests in the repository whose subject is {@code subject}, optionally of one type ({@code
   * artifactType} null: of every type).
   */
  List<ManifestRecord> referrers(
      RepositoryName repository, Digest subject, @Nullable String artifactType);

  // Upload sessions.

  void createUpload(UploadSession session);

  Optional<UploadSession> upload(String id);

  /** Records progress (the new size and time) of an upload. */
  void updateUpload(String id, long size, Instant updated);

  boolean deleteUpload(String id);

  /** Sessions not updated since {@code before}, oldest first, at most {@code limit}. */
  List<UploadSession> uploadsUpdatedBefore(Instant before, int limit);

  // Mirror freshness.

  /** What the mirror last learned of an upstream tag, in the repository's cache name. */
  Optional<MirrorTagState> mirrorTag(RepositoryName repository, Tag tag);

  /** Records what the upstream said of a tag (replacing what was known). */
  void putMirrorTag(MirrorTagState state);

  /**
   * Every tag the mirror knows of in a cache repository (present or recorded absent), in lexical
   * order: what sync checks against the upstream's tag list to drop tags that vanished there.
   */
  List<MirrorTagState> mirrorTags(RepositoryName repository);

  // Sync.

  /** Sync rules and their run status. */
  SyncTransaction sync();

  // Disk lifecycle.

  /** Use times, sizes and references for eviction, garbage collection and scrub. */
  LifecycleTransaction lifecycle();

  // Accelerator.

  /** Accelerator accounts, their tenants and daily traffic. */
  AccountsTransaction accounts();

  /** What the nodes of a cluster share: leases, nodes, console sessions, failed logins. */
  ClusterTransaction cluster();
}
