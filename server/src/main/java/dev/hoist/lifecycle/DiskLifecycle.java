package dev.hoist.lifecycle;

import dev.hoist.repository.Namespace;
import dev.hoist.repository.UploadJanitor;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.CacheRepositories;
import dev.hoist.storage.CacheTotals;
import dev.hoist.storage.MetadataStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk's lifecycle, as the composition root sees it: the {@linkplain #blobs() tracked blob
 * store} every component writes through, the {@linkplain #decorate use-recording decorator} of the
 * namespace, and, once {@linkplain #start started}, one background thread that writes use times
 * every few seconds, keeps the mirror cache within its limits (on a schedule and as soon as a
 * committed blob passes them) and collects garbage on a schedule. Eviction and collection never run
 * at the same time.
 */
public final class DiskLifecycle implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DiskLifecycle.class);
  private static final Duration FLUSH_INTERVAL = Duration.ofSeconds(5);
  private static final Duration SCRUB_FIRST_DELAY = Duration.ofMinutes(10);

  private final DiskConfig config;
  private final TrackedBlobStore blobs;
  private final MetadataStore metadata;
  private final CacheRepositories cache;
  private final Path spoolDir;
  private final DiskProbe disk;
  private final InstantSource clock;
  private final UsageRecorder usage;
  private final Eviction eviction;
  private final ReferenceIndexer indexer;
  private final ScheduledExecutorService worker;
  private final AtomicBoolean evictionPending = new AtomicBoolean();
  // The cache's size as last measured, plus the bytes committed since: when to evict at once.
  private final AtomicLong estimatedCacheBytes = new AtomicLong();
  private final AtomicReference<CacheTotals> lastTotals =
      new AtomicReference<>(new CacheTotals(0, 0, 0));
  private final Counter evictedImages;
  private final Counter evictedBytes;
  private final Counter evictedBlobs;
  private final Counter gcBlobs;
  private final Counter gcBytes;
  private final MeterRegistry meters;
  private @Nullable GarbageCollector collector;
  private @Nullable BackgroundScrub scrub;

  private DiskLifecycle(
      DiskConfig config,
      BlobStore store,
      MetadataStore metadata,
      CacheRepositories cache,
      Path dataDir,
      DiskProbe disk,
      InstantSource clock,
      MeterRegistry meters) {
    this.config = config;
    this.blobs = new TrackedBlobStore(store, clock);
    this.metadata = metadata;
    this.cache = cache;
    this.spoolDir = dataDir.resolve("spool");
    this.disk = disk;
    this.clock = clock;
    this.usage = new UsageRecorder(metadata, clock);
    this.meters = meters;
    this.eviction = new Eviction(metadata, blobs, cache, config, disk, clock);
    this.indexer = new ReferenceIndexer(blobs, metadata);
    this.worker =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("hoist-disk").daemon().factory());
    Gauge.builder("hoist.cache.bytes", lastTotals, t -> t.get().bytes())
        .description("Bytes of the mirror's cache (blobs no hosted repository links)")
        .baseUnit("bytes")
        .register(meters);
    Gauge.builder("hoist.cache.blobs", lastTotals, t -> t.get().blobs())
        .description("Blobs in the mirror's cache")
        .register(meters);
    Gauge.builder("hoist.cache.images", lastTotals, t -> t.get().images())
        .description("Images in the mirror's cache")
        .register(meters);
    Gauge.builder("hoist.cache.limit.bytes", config, c -> c.cacheMaxSize())
        .description("mirror.cache.maxSize (0: none)")
        .baseUnit("bytes")
        .register(meters);
    Gauge.builder("hoist.disk.free.bytes", disk, d -> d.space().usable())
        .description("Usable bytes on the data disk")
        .baseUnit("bytes")
        .register(meters);
    evictedImages =
        Counter.builder("hoist.cache.evicted.images")
            .description("Cached images evicted")
            .register(meters);
    evictedBlobs =
        Counter.builder("hoist.cache.evicted.blobs")
            .description("Blobs deleted by eviction")
            .register(meters);
    evictedBytes =
        Counter.builder("hoist.cache.evicted.bytes")
            .description("Bytes freed by eviction")
            .baseUnit("bytes")
            .register(meters);
    gcBlobs =
        Counter.builder("hoist.gc.blobs")
            .description("Blobs deleted by garbage collection")
            .register(meters);
    gcBytes =
        Counter.builder("hoist.gc.bytes")
            .description("Bytes freed by garbage collection")
            .baseUnit("bytes")
            .register(meters);
  }

  /**
   * @param store the node's blob store; from now on written only through {@link #blobs()}
   * @param cache which repositories are the mirror's cache (the configured upstreams' cache keys)
   */
  public static DiskLifecycle create(
      DiskConfig config,
      BlobStore store,
      MetadataStore metadata,
      CacheRepositories cache,
      Path dataDir,
      DiskProbe disk,
      InstantSource clock,
      MeterRegistry meters) {
    return new DiskLifecycle(config, store, metadata, cache, dataDir, disk, clock, meters);
  }

  /** The blob store every component must write through (commits are tracked). */
  public BlobStore blobs() {
    return blobs;
  }

  /** The namespace with use times recorded on every manifest and blob read. */
  public Namespace decorate(Namespace namespace) {
    return new UsageNamespace(namespace, usage);
  }

  /** Starts the background work: use times, cache limits, scheduled garbage collection. */
  public void start(UploadJanitor uploads, Duration uploadPurgeAge) {
    collector =
        new GarbageCollector(metadata, blobs, indexer, uploads, uploadPurgeAge, spoolDir, clock);
    DiskProbe.Space space = disk.space();
    long minFree = config.minFreeDisk().of(space.total());
    if (minFree > 0 && space.usable() < minFree) {
      log.warn(
          "the data disk has less free space than mirror.cache.minFreeDisk: free={} of {},"
              + " keep={}; evicting the mirror cache",
          bytes(space.usable()),
          bytes(space.total()),
          bytes(minFree));
    }
    blobs.onCommit(this::committed);
    worker.scheduleWithFixedDelay(
        this::flushQuietly,
        FLUSH_INTERVAL.toMillis(),
        FLUSH_INTERVAL.toMillis(),
        TimeUnit.MILLISECONDS);
    if (config.limitsCache() && !cache.keys().isEmpty()) {
      worker.scheduleWithFixedDelay(
          this::evictQuietly, 0, config.checkInterval().toMillis(), TimeUnit.MILLISECONDS);
    } else {
      worker.execute(this::measureQuietly);
    }
    if (config.scrubRate() > 0) {
      // The first pass waits a while: a node that has just started has other work.
      scrub =
          BackgroundScrub.start(
              new Scrubber(blobs, metadata, cache::contains, config.scrubRate(), meters, clock),
              config.scrubInterval(),
              SCRUB_FIRST_DELAY);
    }
    if (config.gcInterval().isPositive()) {
      worker.scheduleWithFixedDelay(
          this::collectQuietly,
          config.gcInterval().toMillis(),
          config.gcInterval().toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Garbage collection on the calling thread, for a stopped server ({@code hoist gc}): every spool
   * file goes (no fill runs), blobs no manifest uses once unused for {@code grace}.
   */
  public GarbageCollector.Report collectStopped(
      UploadJanitor uploads, Duration uploadPurgeAge, Duration grace, boolean dryRun)
      throws IOException {
    return new GarbageCollector(metadata, blobs, indexer, uploads, uploadPurgeAge, spoolDir, clock)
        .collect(grace, Duration.ZERO, dryRun);
  }

  /** Runs an eviction round now (on the lifecycle's thread) and returns what it did. */
  public Eviction.Report evictNow() {
    return await(this::evict);
  }

  /** Runs garbage collection now (on the lifecycle's thread) and returns what it did. */
  public GarbageCollector.Report collectGarbage(boolean dryRun) {
    return await(() -> collect(dryRun));
  }

  /** The cache's size (measured now), its limit, and the data disk's space. */
  public record Status(CacheTotals cache, long maxSize, DiskProbe.Space space, long minFree) {}

  public Status status() {
    CacheTotals totals = metadata.read(tx -> tx.lifecycle().cacheTotals(cache));
    lastTotals.set(totals);
    DiskProbe.Space space = disk.space();
    return new Status(totals, config.cacheMaxSize(), space, config.minFreeDisk().of(space.total()));
  }

  /** Writes the use times noted so far. */
  public void flushUsage() {
    await(usage::flush);
  }

  private void committed(long size) {
    if (!config.limitsCache() || cache.keys().isEmpty()) {
      return;
    }
    long estimate = estimatedCacheBytes.addAndGet(size);
    boolean over = config.cacheMaxSize() > 0 && estimate > config.cacheMaxSize();
    if (!over && !config.minFreeDisk().equals(DiskConfig.FreeSpace.NONE)) {
      DiskProbe.Space space = disk.space();
      over = space.usable() < config.minFreeDisk().of(space.total());
    }
    if (over && evictionPending.compareAndSet(false, true)) {
      worker.execute(this::evictQuietly);
    }
  }

  private Eviction.Report evict() throws IOException {
    evictionPending.set(false);
    indexer.indexAll();
    usage.flush();
    Eviction.Report report = eviction.run();
    CacheTotals after = metadata.read(tx -> tx.lifecycle().cacheTotals(cache));
    lastTotals.set(after);
    estimatedCacheBytes.set(after.bytes());
    evictedImages.increment(report.images());
    evictedBlobs.increment(report.blobs());
    evictedBytes.increment(report.bytes());
    if (report.didSomething() || report.needed() > 0) {
      log.info(
          "cache eviction: freed={} images={} blobs={} took={}ms cache={} limit={} diskFree={}"
              + " needed={}{}",
          bytes(report.bytes()),
          report.images(),
          report.blobs(),
          report.took().toMillis(),
          bytes(after.bytes()),
          config.cacheMaxSize() > 0 ? bytes(config.cacheMaxSize()) : "none",
          bytes(report.space().usable()),
          bytes(report.needed()),
          report.bytes() < report.needed()
              ? " (short: the rest is hosted, kept by sync rules or in use)"
              : "");
    }
    return report;
  }

  private GarbageCollector.Report collect(boolean dryRun) throws IOException {
    if (collector == null) {
      throw new IllegalStateException("not started");
    }
    usage.flush();
    GarbageCollector.Report report = collector.collect(config.gcGrace(), config.gcGrace(), dryRun);
    if (!dryRun) {
      gcBlobs.increment(report.blobs());
      gcBytes.increment(report.bytes());
    }
    log.info(
        "garbage collection{}: blobs={} freed={} orphans={} uploads={} spoolFiles={}"
            + " spoolFreed={} took={}ms grace={}",
        dryRun ? " (dry run)" : "",
        report.blobs(),
        bytes(report.bytes()),
        report.orphans(),
        report.uploads(),
        report.spoolFiles(),
        bytes(report.spoolBytes()),
        report.took().toMillis(),
        config.gcGrace());
    return report;
  }

  private void measureQuietly() {
    try {
      CacheTotals totals = metadata.read(tx -> tx.lifecycle().cacheTotals(cache));
      lastTotals.set(totals);
      estimatedCacheBytes.set(totals.bytes());
    } catch (RuntimeException e) {
      log.warn("measuring the cache failed: {}", e.toString());
    }
  }

  private void flushQuietly() {
    try {
      usage.flush();
      blobs.pruneUsesBefore(clock.millis() - Duration.ofMinutes(1).toMillis());
    } catch (RuntimeException e) {
      log.warn("recording use times failed (retried at the next flush): {}", e.toString());
    }
  }

  private void evictQuietly() {
    try {
      evict();
    } catch (IOException | RuntimeException e) {
      log.warn("cache eviction failed: {}", e.toString(), e);
    }
  }

  private void collectQuietly() {
    try {
      collect(false);
    } catch (IOException | RuntimeException e) {
      log.warn("garbage collection failed: {}", e.toString(), e);
    }
  }

  private interface Task<T> {
    T run() throws IOException;
  }

  private <T> T await(Task<T> task) {
    try {
      return worker
          .submit(
              () -> {
                try {
                  return task.run();
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              })
          .get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Stops the background work (a round in progress finishes) and writes the last use times. */
  @Override
  public void close() {
    if (scrub != null) {
      try {
        scrub.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    worker.shutdown();
    try {
      if (!worker.awaitTermination(30, TimeUnit.SECONDS)) {
        worker.shutdownNow();
      }
    } catch (InterruptedException e) {
      worker.shutdownNow();
      Thread.currentThread().interrupt();
    }
    flushQuietly();
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + "B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f%s", v, units[u]);
  }
}
