package dev.hoist.storage;

import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What the disk's lifecycle (cache eviction, garbage collection, scrub) reads and writes inside one
 * {@link MetadataStore} transaction. Every decision is a query here, never a walk of the blob
 * store's files, so that it works the same on every store.
 *
 * <p>The model: every blob a repository links, and every stored manifest, has one {@link
 * StoredBlob} record; a manifest records the digests it references (config, layers, child
 * manifests), so "no manifest uses this blob" is a query. Methods that write throw {@link
 * IllegalStateException} in a read transaction.
 */
public interface LifecycleTransaction {

  // Use.

  /**
   * Records when blobs were last used (served); a time earlier than the recorded one is ignored.
   */
  void touchBlobs(Map<Digest, Instant> used);

  /**
   * Records when manifests were last pulled, in every repository that has them, and in the indexes
   * that reference them there (an image is as recent as its most recently pulled part).
   */
  void touchManifests(Map<Digest, Instant> used);

  // Sizes.

  CacheTotals cacheTotals(CacheRepositories cache);

  /** Bytes of all blob records. */
  long storedBytes();

  // Garbage collection.

  /**
   * Blobs no manifest references and none was stored or used since {@code usedBefore}, by digest
   * after {@code after} (exclusive, may be null), at most {@code limit}.
   */
  List<StoredBlob> unreferencedBlobs(Instant usedBefore, @Nullable Digest after, int limit);

  /**
   * Removes the record of a blob and every link to it, when it is still unreferenced and unused
   * since {@code usedBefore} (checked again in this transaction); returns it when removed.
   */
  Optional<StoredBlob> forgetUnreferencedBlob(Digest digest, Instant usedBefore);

  /** Removes a blob's record and every link to it, referenced or not (a quarantined blob). */
  Optional<StoredBlob> forgetBlob(Digest digest);

  /** Records a blob the store has (again); its use time becomes {@code used}. Idempotent. */
  void recordBlob(Digest digest, long size, Instant used);

  // Eviction.

  /**
   * The cache's images unused since {@code usedBefore}, least recently used first, at most {@code
   * limit}; images that a sync rule keeps (a kept mirror tag points at them) are never listed.
   */
  List<CachedImage> leastRecentlyUsedImages(CacheRepositories cache, Instant usedBefore, int limit);

  /**
   * Removes a cached image: its manifest, the child manifests no other manifest of the repository
   * references, the mirror tags that pointed at them (and the repository's negative entries once it
   * has no manifest left), and the records and links of the blobs that nothing else references and
   * no hosted repository links. Returns those blobs, whose bytes the caller then deletes; nothing
   * when the image is gone or is now kept or used since {@code usedBefore}.
   */
  List<StoredBlob> evictImage(CacheRepositories cache, CachedImage image, Instant usedBefore);

  /**
   * Removes the records and links of at most {@code limit} of the cache's blobs that no manifest is
   * or references, no hosted repository links, and none used since {@code usedBefore}, least
   * recently used first: bytes an eviction kept because they were stored while it ran, and blobs
   * the mirror fetched by digest alone. Returns them, whose bytes the caller then deletes.
   */
  List<StoredBlob> evictUnreferencedBlobs(CacheRepositories cache, Instant usedBefore, int limit);

  /**
   * Marks a mirror tag as kept by a sync rule (never evicted), or releases it ({@code rule} null).
   */
  void keepMirrorTag(RepositoryName repository, Tag tag, @Nullable String rule);

  /** Releases every mirror tag a rule kept; returns how many. */
  int releaseKeptMirrorTags(String rule);

  // References of manifests stored before they were recorded.

  /** Manifests whose references are not recorded yet, at most {@code limit}. */
  List<ManifestKey> unindexedManifests(int limit);

  /** Records a stored manifest's references (replacing any). */
  void indexManifest(ManifestKey manifest, Set<Digest> references);

  // Scrub.

  /** Blob records by digest after {@code after} (exclusive, may be null), at most {@code limit}. */
  List<StoredBlob> blobs(@Nullable Digest after, int limit);

  Optional<StoredBlob> blob(Digest digest);

  /** Manifests (any repository) that reference {@code digest} or are it: what a loss breaks. */
  List<ManifestKey> manifestsUsing(Digest digest, int limit);
}
