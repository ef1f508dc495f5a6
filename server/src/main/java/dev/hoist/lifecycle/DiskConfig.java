package dev.hoist.lifecycle;

import dev.hoist.config.ConfigException;
import dev.hoist.config.ConfigNode;
import dev.hoist.config.Values;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How much disk Hoist may use, and how it gives it back.
 *
 * @param cacheMaxSize the mirror cache's size above which the least recently pulled images are
 *     evicted, down to {@link #LOW_WATER} of it; 0: no limit
 * @param minFreeDisk evict the cache (down to a low-water mark) when the data disk has less free
 *     than this; 0: never for free space
 * @param cacheMaxIdle cached images not pulled for this long are evicted; null: never for age
 * @param checkInterval how often the cache limits are checked (also after each fill that passes
 *     them)
 * @param gcGrace a blob no manifest uses is deleted once unused for this long, so that a push that
 *     uploads blobs before its manifest is never broken
 * @param gcInterval how often garbage collection runs online; 0: only on demand
 * @param scrubRate bytes per second the background scrub re-hashes; 0: no background scrub
 * @param scrubInterval how often a scrub pass starts
 * @param verifyOnRead hash blobs while serving them (no zero-copy), cutting a response whose bytes
 *     do not match before its end
 */
public record DiskConfig(
    long cacheMaxSize,
    FreeSpace minFreeDisk,
    @Nullable Duration cacheMaxIdle,
    Duration checkInterval,
    Duration gcGrace,
    Duration gcInterval,
    long scrubRate,
    Duration scrubInterval,
    boolean verifyOnRead) {

  /** Eviction stops when the cache is at this fraction of its limit. */
  public static final double LOW_WATER = 0.9;

  public DiskConfig {
    Objects.requireNonNull(minFreeDisk, "minFreeDisk");
    Objects.requireNonNull(checkInterval, "checkInterval");
    Objects.requireNonNull(gcGrace, "gcGrace");
    Objects.requireNonNull(gcInterval, "gcInterval");
    Objects.requireNonNull(scrubInterval, "scrubInterval");
    if (cacheMaxSize < 0) {
      throw new ConfigException("mirror.cache.maxSize", "must not be negative");
    }
    if (cacheMaxIdle != null && !cacheMaxIdle.isPositive()) {
      throw new ConfigException("mirror.cache.maxIdle", "must be positive");
    }
    if (!checkInterval.isPositive()) {
      throw new ConfigException("mirror.cache.checkInterval", "must be positive");
    }
    if (gcGrace.isNegative()) {
      throw new ConfigException("storage.gc.grace", "must not be negative");
    }
    if (gcInterval.isNegative()) {
      throw new ConfigException("storage.gc.interval", "must not be negative");
    }
    if (scrubRate < 0) {
      throw new ConfigException("storage.scrub.rate", "must not be negative");
    }
    if (!scrubInterval.isPositive()) {
      throw new ConfigException("storage.scrub.interval", "must be positive");
    }
  }

  public static DiskConfig defaults() {
    return new DiskConfig(
        0,
        FreeSpace.percent(10),
        null,
        Duration.ofSeconds(30),
        Duration.ofHours(1),
        Duration.ofHours(6),
        10L << 20,
        Duration.ofDays(7),
        false);
  }

  /** Nothing deleted behind a test's back: no limits, no schedules. */
  public static DiskConfig off() {
    return new DiskConfig(
        0,
        FreeSpace.NONE,
        null,
        Duration.ofSeconds(30),
        Duration.ofHours(1),
        Duration.ZERO,
        0,
        Duration.ofDays(7),
        false);
  }

  /**
   * Reads {@code mirror.cache} ({@code maxSize}, {@code minFreeDisk}, {@code maxIdle}, {@code
   * checkInterval}) and {@code storage} ({@code verifyOnRead}, {@code gc: {grace, interval}},
   * {@code scrub: {rate, interval}}) over {@code base}. The caller checks the keys of {@code
   * storage}, which holds other settings too.
   */
  public static DiskConfig read(
      DiskConfig base, @Nullable ConfigNode mirrorCache, @Nullable ConfigNode storage) {
    long maxSize = base.cacheMaxSize;
    FreeSpace minFree = base.minFreeDisk;
    Duration maxIdle = base.cacheMaxIdle;
    Duration check = base.checkInterval;
    Duration grace = base.gcGrace;
    Duration gcInterval = base.gcInterval;
    long scrubRate = base.scrubRate;
    Duration scrubInterval = base.scrubInterval;
    boolean verify = base.verifyOnRead;
    if (mirrorCache != null) {
      mirrorCache.keys("maxSize", "minFreeDisk", "maxIdle", "checkInterval");
      maxSize = mirrorCache.size("maxSize").orElse(maxSize);
      minFree =
          mirrorCache
              .parse("minFreeDisk", t -> FreeSpace.parse(mirrorCache.setting("minFreeDisk"), t))
              .orElse(minFree);
      if (mirrorCache.has("maxIdle")) {
        String text = mirrorCache.required("maxIdle").text();
        maxIdle = text.equals("none") ? null : mirrorCache.required("maxIdle").duration();
      }
      check = mirrorCache.duration("checkInterval").orElse(check);
    }
    if (storage != null) {
      verify = storage.bool("verifyOnRead").orElse(verify);
      ConfigNode gc = storage.mapping("gc").orElse(null);
      if (gc != null) {
        gc.keys("grace", "interval");
        grace = gc.duration("grace").orElse(grace);
        gcInterval = gc.duration("interval").orElse(gcInterval);
      }
      ConfigNode scrub = storage.mapping("scrub").orElse(null);
      if (scrub != null) {
        scrub.keys("rate", "interval");
        scrubRate = scrub.size("rate").orElse(scrubRate);
        scrubInterval = scrub.duration("interval").orElse(scrubInterval);
      }
    }
    return new DiskConfig(
        maxSize, minFree, maxIdle, check, grace, gcInterval, scrubRate, scrubInterval, verify);
  }

  public DiskConfig withCacheMaxSize(long bytes) {
    return new DiskConfig(
        bytes,
        minFreeDisk,
        cacheMaxIdle,
        checkInterval,
        gcGrace,
        gcInterval,
        scrubRate,
        scrubInterval,
        verifyOnRead);
  }

  public DiskConfig withMinFreeDisk(FreeSpace free) {
    return new DiskConfig(
        cacheMaxSize,
        free,
        cacheMaxIdle,
        checkInterval,
        gcGrace,
        gcInterval,
        scrubRate,
        scrubInterval,
        verifyOnRead);
  }

  public DiskConfig withCacheMaxIdle(@Nullable Duration idle) {
    return new DiskConfig(
        cacheMaxSize,
        minFreeDisk,
        idle,
        checkInterval,
        gcGrace,
        gcInterval,
        scrubRate,
        scrubInterval,
        verifyOnRead);
  }

  public DiskConfig withGc(Duration grace, Duration interval) {
    return new DiskConfig(
        cacheMaxSize,
        minFreeDisk,
        cacheMaxIdle,
        checkInterval,
        grace,
        interval,
        scrubRate,
        scrubInterval,
        verifyOnRead);
  }

  public DiskConfig withScrub(long rate, Duration interval) {
    return new DiskConfig(
        cacheMaxSize,
        minFreeDisk,
        cacheMaxIdle,
        checkInterval,
        gcGrace,
        gcInterval,
        rate,
        interval,
        verifyOnRead);
  }

  public DiskConfig withVerifyOnRead(boolean verify) {
    return new DiskConfig(
        cacheMaxSize,
        minFreeDisk,
        cacheMaxIdle,
        checkInterval,
        gcGrace,
        gcInterval,
        scrubRate,
        scrubInterval,
        verify);
  }

  /** Whether the cache has any limit to keep. */
  boolean limitsCache() {
    return cacheMaxSize > 0 || !minFreeDisk.equals(FreeSpace.NONE) || cacheMaxIdle != null;
  }

  /** Free disk space to keep: a share of the disk ({@code 10%}) or a size ({@code 20GiB}). */
  public record FreeSpace(double percent, long bytes) {
    public static final FreeSpace NONE = new FreeSpace(0, 0);

    public static FreeSpace percent(double percent) {
      return new FreeSpace(percent, 0);
    }

    static FreeSpace parse(String setting, String text) {
      String t = text.trim();
      if (t.endsWith("%")) {
        double p;
        try {
          p = Double.parseDouble(t.substring(0, t.length() - 1).trim());
        } catch (NumberFormatException e) {
          throw new ConfigException(setting, "not a percentage: " + text);
        }
        if (!(p >= 0 && p < 100)) {
          throw new ConfigException(setting, "must be between 0% and 100%");
        }
        return new FreeSpace(p, 0);
      }
      return new FreeSpace(0, Values.size(setting, t));
    }

    /** The bytes to keep free on a disk of {@code total} bytes. */
    long of(long total) {
      return bytes > 0 ? bytes : (long) (total * percent / 100);
    }

    @Override
    public String toString() {
      return bytes > 0 ? bytes + " bytes" : percent + "%";
    }
  }
}
