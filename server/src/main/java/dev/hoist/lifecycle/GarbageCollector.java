package dev.hoist.lifecycle;

import dev.hoist.oci.Digest;
import dev.hoist.repository.UploadJanitor;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.MetadataStore;
import dev.hoist.storage.StoredBlob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Garbage collection: deletes the blobs no manifest uses (after tag and manifest deletes, evicted
 * or abandoned pushes) once they have been unused for the grace window, so that a push that uploads
 * its blobs before its manifest is never broken; a HEAD or a link of a blob counts as a use. Also
 * purges upload sessions their clients abandoned and spool files no fill owns.
 *
 * <p>Each blob's record and links go in one transaction that checks again that nothing uses it,
 * then its bytes; a push racing with it either finds the blob gone ({@code MANIFEST_BLOB_UNKNOWN},
 * and the client uploads it again) or keeps it. A crash between the two leaves only unreferenced
 * bytes.
 */
public final class GarbageCollector {
  private static final int PAGE = 500;
  private static final Duration LEASE_MARGIN = Duration.ofSeconds(60);

  private final MetadataStore metadata;
  private final TrackedBlobStore blobs;
  private final ReferenceIndexer indexer;
  private final UploadJanitor uploads;
  private final Duration uploadPurgeAge;
  private final Path spoolDir;
  private final InstantSource clock;
  private long leaseMargin;

  GarbageCollector(
      MetadataStore metadata,
      TrackedBlobStore blobs,
      ReferenceIndexer indexer,
      UploadJanitor uploads,
      Duration uploadPurgeAge,
      Path spoolDir,
      InstantSource clock) {
    this.metadata = metadata;
    this.blobs = blobs;
    this.indexer = indexer;
    this.uploads = uploads;
    this.uploadPurgeAge = uploadPurgeAge;
    this.spoolDir = spoolDir;
    this.clock = clock;
  }

  /** What a run deleted (or, dry, would delete). */
  public record Report(
      boolean dryRun,
      int blobs,
      long bytes,
      int orphans,
      int uploads,
      int spoolFiles,
      long spoolBytes,
      Duration took) {}

  /**
   * Collects blobs unused for {@code grace}; spool files untouched for {@code spoolAge} (zero:
   * every spool file, for a stopped server).
   */
  Report collect(Duration grace, Duration spoolAge, boolean dryRun) throws IOException {
    long started = System.nanoTime();
    indexer.indexAll();
    Instant now = clock.instant();
    Instant usedBefore = now.minus(grace);
    // Never more than the grace itself: a look within it keeps a blob anyway.
    leaseMargin = Math.min(LEASE_MARGIN.toMillis(), grace.toMillis());
    int count = 0;
    long bytes = 0;
    @Nullable Digest after = null;
    while (true) {
      Digest from = after;
      List<StoredBlob> page =
          metadata.read(tx -> tx.lifecycle().unreferencedBlobs(usedBefore, from, PAGE));
      if (page.isEmpty()) {
        break;
      }
      for (StoredBlob candidate : page) {
        if (dryRun) {
          count++;
          bytes += candidate.size();
          continue;
        }
        // A writer's look at the bytes comes moments before its link: any look in the last
        // LEASE_MARGIN means one may be about to link them, so they stay.
        long decided = clock.millis() - leaseMargin;
        Optional<StoredBlob> forgotten =
            metadata.write(
                tx -> tx.lifecycle().forgetUnreferencedBlob(candidate.digest(), usedBefore));
        if (forgotten.isEmpty()) {
          continue;
        }
        TrackedBlobStore.Deletion deletion =
            blobs.deleteUnlessUsedSince(candidate.digest(), decided);
        if (deletion == TrackedBlobStore.Deletion.DELETED) {
          count++;
          bytes += forgotten.get().size();
        } else if (deletion == TrackedBlobStore.Deletion.KEPT) {
          metadata.write(
              tx -> {
                tx.lifecycle()
                    .recordBlob(candidate.digest(), forgotten.get().size(), clock.instant());
                return null;
              });
        }
      }
      after = page.get(page.size() - 1).digest();
    }
    long[] orphans = sweepOrphans(usedBefore, dryRun);
    count += (int) orphans[0];
    bytes += orphans[1];
    int purged = purgeUploads(now, dryRun);
    long[] spool = purgeSpool(now.minus(spoolAge), dryRun);
    return new Report(
        dryRun,
        count,
        bytes,
        (int) orphans[0],
        purged,
        (int) spool[0],
        spool[1],
        Duration.ofNanos(System.nanoTime() - started));
  }

  /**
   * Bytes no record names, stored before {@code storedBefore}: left by a crash between forgetting a
   * blob and deleting its bytes, or between storing bytes and linking them. The one walk of the
   * store, and only to repair: what to keep is decided by the records.
   */
  private long[] sweepOrphans(Instant storedBefore, boolean dryRun) throws IOException {
    List<BlobStore.StoredFile> old;
    try (Stream<BlobStore.StoredFile> files = blobs.list()) {
      old = files.filter(f -> f.stored().isBefore(storedBefore)).toList();
    }
    long count = 0;
    long bytes = 0;
    for (BlobStore.StoredFile file : old) {
      if (metadata.read(tx -> tx.lifecycle().blob(file.digest())).isPresent()) {
        continue;
      }
      if (dryRun
          || blobs.deleteUnlessUsedSince(file.digest(), clock.millis() - leaseMargin)
              == TrackedBlobStore.Deletion.DELETED) {
        count++;
        bytes += file.size();
      }
    }
    return new long[] {count, bytes};
  }

  private int purgeUploads(Instant now, boolean dryRun) throws IOException {
    Instant cutoff = now.minus(uploadPurgeAge);
    List<String> stale = uploads.staleSessions(cutoff, Integer.MAX_VALUE);
    if (dryRun) {
      return stale.size();
    }
    int purged = 0;
    for (String id : stale) {
      if (uploads.purge(id, cutoff)) {
        purged++;
      }
    }
    return purged;
  }

  /** Spool files not modified since {@code before}: no running fill writes them any more. */
  private long[] purgeSpool(Instant before, boolean dryRun) throws IOException {
    long files = 0;
    long bytes = 0;
    if (!Files.isDirectory(spoolDir)) {
      return new long[] {0, 0};
    }
    List<Path> stale;
    try (Stream<Path> entries = Files.list(spoolDir)) {
      stale = entries.filter(Files::isRegularFile).filter(p -> modifiedBefore(p, before)).toList();
    }
    for (Path file : stale) {
      long size = Files.size(file);
      if (dryRun || Files.deleteIfExists(file)) {
        files++;
        bytes += size;
      }
    }
    return new long[] {files, bytes};
  }

  private static boolean modifiedBefore(Path file, Instant before) {
    try {
      return Files.getLastModifiedTime(file).toInstant().isBefore(before)
          || Files.getLastModifiedTime(file).toInstant().equals(before);
    } catch (IOException e) {
      return false;
    }
  }
}
