package dev.hoist.lifecycle;

import dev.hoist.oci.Digest;
import dev.hoist.storage.CacheRepositories;
import dev.hoist.storage.CacheTotals;
import dev.hoist.storage.CachedImage;
import dev.hoist.storage.MetadataStore;
import dev.hoist.storage.StoredBlob;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One eviction round of the mirror's cache: when the cache is over {@code maxSize}, the disk under
 * {@code minFreeDisk}, or images idle past {@code maxIdle}, the least recently pulled cached images
 * go, oldest first, until the cache is at the low-water mark ({@link DiskConfig#LOW_WATER}) and no
 * image is idle past its limit. Each image goes in its own transaction (its manifests, tag records,
 * and the blobs nothing else uses), then its bytes; a crash between the two leaves only
 * unreferenced bytes behind, never a manifest without its blobs.
 *
 * <p>Hosted content and images a sync rule keeps are never candidates ({@link
 * dev.hoist.storage.LifecycleTransaction#leastRecentlyUsedImages}); an image pulled in the last
 * {@link #RECENT} is spared (its pull is likely still fetching blobs); bytes committed in that time
 * are never deleted ({@link TrackedBlobStore}). A response already sending a file keeps reading it
 * after its deletion (an open file outlives its name), so a client is never cut by eviction.
 */
final class Eviction {
  /** What was pulled or committed this recently is never evicted. */
  static final Duration RECENT = Duration.ofSeconds(5);

  private static final int BATCH = 100;

  private final MetadataStore metadata;
  private final TrackedBlobStore blobs;
  private final CacheRepositories cache;
  private final DiskConfig config;
  private final DiskProbe disk;
  private final InstantSource clock;

  Eviction(
      MetadataStore metadata,
      TrackedBlobStore blobs,
      CacheRepositories cache,
      DiskConfig config,
      DiskProbe disk,
      InstantSource clock) {
    this.metadata = metadata;
    this.blobs = blobs;
    this.cache = cache;
    this.config = config;
    this.disk = disk;
    this.clock = clock;
  }

  /** What a round found and did. */
  record Report(
      CacheTotals before,
      long needed,
      int images,
      int blobs,
      long bytes,
      long keptBytes,
      Duration took,
      DiskProbe.Space space) {
    boolean didSomething() {
      return images > 0 || blobs > 0;
    }
  }

  private long[] sweepUnreferenced(long wanted, Instant usedBefore) throws IOException {
    long freed = 0;
    long count = 0;
    Digest after = null;
    while (freed < wanted) {
      Digest from = after;
      List<StoredBlob> page =
          metadata.read(tx -> tx.lifecycle().unreferencedBlobs(usedBefore, from, BATCH));
      if (page.isEmpty()) {
        break;
      }
      for (StoredBlob candidate : page) {
        long decided = clock.millis();
        Optional<StoredBlob> gone =
            metadata.write(
                tx ->
                    tx.lifecycle()
                        .forgetUnreferencedCacheBlob(cache, candidate.digest(), usedBefore));
        if (gone.isEmpty()) {
          continue;
        }
        if (blobs.deleteUnlessUsedSince(candidate.digest(), decided)) {
          freed += gone.get().size();
          count++;
        } else {
          metadata.write(
              tx -> {
                tx.lifecycle().recordBlob(candidate.digest(), gone.get().size(), clock.instant());
                return null;
              });
        }
        if (freed >= wanted) {
          break;
        }
      }
      after = page.get(page.size() - 1).digest();
    }
    return new long[] {freed, count};
  }

  /** The bytes the cache must give back now (0 when within its limits), and the cache's size. */
  record Need(CacheTotals totals, long bytes, DiskProbe.Space space) {}

  Need need() {
    CacheTotals totals = metadata.read(tx -> tx.lifecycle().cacheTotals(cache));
    long need = 0;
    if (config.cacheMaxSize() > 0 && totals.bytes() > config.cacheMaxSize()) {
      need = totals.bytes() - (long) (config.cacheMaxSize() * DiskConfig.LOW_WATER);
    }
    DiskProbe.Space space = disk.space();
    long minFree = config.minFreeDisk().of(space.total());
    if (minFree > 0 && space.usable() < minFree) {
      need = Math.max(need, (long) (minFree / DiskConfig.LOW_WATER) - space.usable());
    }
    return new Need(totals, need, space);
  }

  Report run() throws IOException {
    long started = System.nanoTime();
    Need need = need();
    Instant now = clock.instant();
    Instant recent = now.minus(RECENT);
    @Nullable Instant idleBefore =
        config.cacheMaxIdle() == null ? null : now.minus(config.cacheMaxIdle());
    long freed = 0;
    long kept = 0;
    int images = 0;
    int blobCount = 0;
    // An image listed again (touched or kept meanwhile, so not evicted) is not tried twice.
    Set<CachedImage> tried = new HashSet<>();
    rounds:
    while (need.bytes() > freed || idleBefore != null) {
      Instant cutoff = need.bytes() > freed ? recent : idleBefore;
      List<CachedImage> batch =
          metadata.read(tx -> tx.lifecycle().leastRecentlyUsedImages(cache, cutoff, BATCH));
      if (batch.isEmpty()) {
        break;
      }
      boolean progress = false;
      for (CachedImage image : batch) {
        if (!tried.add(image)) {
          continue;
        }
        progress = true;
        boolean idle = idleBefore != null && image.used().isBefore(idleBefore);
        if (freed >= need.bytes() && !idle) {
          break rounds;
        }
        List<StoredBlob> gone =
            metadata.write(tx -> tx.lifecycle().evictImage(cache, image, cutoff));
        images++;
        for (StoredBlob blob : gone) {
          if (blobs.deleteUnlessUsedSince(blob.digest(), recent.toEpochMilli())) {
            freed += blob.size();
            blobCount++;
          } else {
            // Stored again meanwhile: its writer links it, but keep its record in any case.
            kept += blob.size();
            metadata.write(
                tx -> {
                  tx.lifecycle().recordBlob(blob.digest(), blob.size(), clock.instant());
                  return null;
                });
          }
        }
      }
      if (!progress) {
        break;
      }
    }
    if (freed < need.bytes()) {
      // Cache blobs no image uses any more (left by a round that found them in use, or fetched
      // without their manifest): the last bytes to give back before the limit is missed.
      long[] swept = sweepUnreferenced(need.bytes() - freed, recent);
      freed += swept[0];
      blobCount += (int) swept[1];
    }
    return new Report(
        need.totals(),
        need.bytes(),
        images,
        blobCount,
        freed,
        kept,
        Duration.ofNanos(System.nanoTime() - started),
        disk.space());
  }
}
