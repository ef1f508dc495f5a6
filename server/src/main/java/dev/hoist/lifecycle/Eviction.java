package dev.hoist.lifecycle;

import dev.hoist.oci.Digest;
import dev.hoist.storage.CacheRepositories;
import dev.hoist.storage.CacheTotals;
import dev.hoist.storage.CachedImage;
import dev.hoist.storage.ManifestKey;
import dev.hoist.storage.MetadataStore;
import dev.hoist.storage.StoredBlob;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One eviction round of the mirror's cache: when the cache is over {@code maxSize}, the disk under
 * {@code minFreeDisk}, or images idle past {@code maxIdle}, the least recently pulled cached images
 * go, oldest first, until the cache is at the low-water mark ({@link DiskConfig#LOW_WATER}) and no
 * image is idle past its limit. Before any image, the cache's blobs that no image uses any more go:
 * bytes an earlier round had to keep, and blobs fetched by digest alone. Each image goes in its own
 * transaction (its manifests, tag records, and the blobs nothing else uses), then its bytes; a
 * crash between the two leaves only unreferenced bytes behind, never a manifest without its blobs.
 *
 * <p>Hosted content and images a sync rule keeps are never candidates ({@link
 * dev.hoist.storage.LifecycleTransaction#leastRecentlyUsedImages}); an image pulled in the last
 * {@link #RECENT}, or one of whose blobs was stored in that time, is spared (its pull is likely
 * still fetching blobs); bytes committed in that time are never deleted ({@link TrackedBlobStore}).
 * A response already sending a file keeps reading it after its deletion (an open file outlives its
 * name), so a client is never cut by eviction.
 */
final class Eviction {
  /** What was pulled or committed this recently is never evicted. */
  static final Duration RECENT = Duration.ofSeconds(2);

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
    // First the cache's blobs no image uses: bytes an earlier round kept (stored while it ran) and
    // blobs fetched by digest alone. Nothing else would ever free them before garbage collection's
    // grace, and they go without taking an image with them.
    while (need.bytes() > freed) {
      List<StoredBlob> gone =
          metadata.write(tx -> tx.lifecycle().evictUnreferencedBlobs(cache, recent, BATCH));
      for (StoredBlob blob : gone) {
        switch (delete(blob, recent)) {
          case DELETED -> {
            freed += blob.size();
            blobCount++;
          }
          case KEPT -> kept += blob.size();
          case ABSENT -> {}
        }
      }
      if (gone.size() < BATCH) {
        break;
      }
    }
    Set<ManifestKey> filling = imagesStoredSince(recent);
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
        if (filling.contains(new ManifestKey(image.repository(), image.digest()))) {
          continue;
        }
        boolean idle = idleBefore != null && image.used().isBefore(idleBefore);
        if (freed >= need.bytes() && !idle) {
          break rounds;
        }
        List<StoredBlob> gone =
            metadata.write(tx -> tx.lifecycle().evictImage(cache, image, cutoff));
        images++;
        for (StoredBlob blob : gone) {
          switch (delete(blob, recent)) {
            case DELETED -> {
              freed += blob.size();
              blobCount++;
            }
            case KEPT -> kept += blob.size();
            case ABSENT -> {}
          }
        }
      }
      if (!progress) {
        break;
      }
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

  /**
   * The images (manifests, and the indexes over them) that reference a blob stored since {@code
   * recent}: their pulls are still filling the cache, and evicting them would only keep those bytes
   * anyway, as blobs no image uses.
   */
  private Set<ManifestKey> imagesStoredSince(Instant recent) {
    Set<Digest> stored = blobs.usedSince(recent.toEpochMilli());
    if (stored.isEmpty()) {
      return Set.of();
    }
    return metadata.read(
        tx -> {
          Set<ManifestKey> images = new HashSet<>();
          List<Digest> next = new ArrayList<>(stored);
          // Layers and configs, their manifests, the indexes over those.
          for (int depth = 0; depth < 3 && !next.isEmpty(); depth++) {
            List<Digest> found = new ArrayList<>();
            for (Digest digest : next) {
              for (ManifestKey key : tx.lifecycle().manifestsUsing(digest, BATCH)) {
                if (images.add(key)) {
                  found.add(key.digest());
                }
              }
            }
            next = found;
          }
          return images;
        });
  }

  /**
   * Deletes the bytes of a blob whose record was just removed, unless it was stored since {@code
   * recent}: then its record comes back (used now), so that a later round frees it once no image
   * uses it, rather than only garbage collection after its grace. A record without bytes stays
   * forgotten.
   */
  private TrackedBlobStore.Deletion delete(StoredBlob blob, Instant recent) throws IOException {
    TrackedBlobStore.Deletion deletion =
        blobs.deleteUnlessUsedSince(blob.digest(), recent.toEpochMilli());
    if (deletion == TrackedBlobStore.Deletion.KEPT) {
      metadata.write(
          tx -> {
            tx.lifecycle().recordBlob(blob.digest(), blob.size(), clock.instant());
            return null;
          });
    }
    return deletion;
  }
}
