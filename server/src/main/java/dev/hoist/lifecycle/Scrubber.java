package dev.hoist.lifecycle;

import dev.hoist.oci.Digest;
import dev.hoist.oci.Digester;
import dev.hoist.oci.RepositoryName;
import dev.hoist.repository.BlobQuarantine;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.ManifestKey;
import dev.hoist.storage.MetadataStore;
import dev.hoist.storage.StoredBlob;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-hashes stored blobs, one pass over every blob record ({@link
 * dev.hoist.storage.LifecycleTransaction#blobs}) at a time, at a rate limit.
 *
 * <ul>
 *   <li>Bytes that do not hash to their digest ({@link Corruption.Kind#HASH}), or are not as many
 *       as their record says ({@link Corruption.Kind#SIZE}), go to the quarantine and the blob is
 *       forgotten ({@link BlobQuarantine}): never served again; a mirrored blob is fetched again on
 *       the next request, a hosted one must be pushed again.
 *   <li>A record whose bytes are missing ({@link Corruption.Kind#MISSING}) is forgotten when no
 *       hosted manifest uses the blob (the mirror fetches it again); otherwise it stays, so that
 *       every pass reports the loss until the blob is pushed again.
 *   <li>Bytes that cannot be read (an I/O error) are counted and left alone: a failed read says
 *       nothing of the bytes, and the quarantine itself checks them once more before moving them.
 * </ul>
 *
 * <p>Garbage collection and eviction may remove a blob while a pass reads it; they forget the
 * record before deleting the bytes, so a blob whose bytes are gone is reported only if its record
 * is still there afterwards.
 *
 * <p>Each finding is one WARN line, each pass one INFO line. Meters: {@code hoist.scrub.blobs},
 * {@code hoist.scrub.bytes}, {@code hoist.scrub.corruptions} (tag {@code kind}), {@code
 * hoist.scrub.unreadable}, and {@code hoist.scrub.last.pass.seconds}, when the last complete pass
 * ended in epoch seconds (NaN before one did). Blocking; one pass at a time.
 */
public final class Scrubber {
  private static final Logger log = LoggerFactory.getLogger(Scrubber.class);

  /** Blob records read per metadata query. */
  private static final int PAGE = 500;

  /** The most manifests a {@link Corruption} lists. */
  public static final int USERS_LISTED = 100;

  private static final int BUFFER = 256 * 1024;

  private final BlobStore blobs;
  private final MetadataStore metadata;
  private final BlobQuarantine quarantine;
  private final Predicate<RepositoryName> isCache;
  private final long bytesPerSecond;
  private final InstantSource clock;
  private final LongFunction<Pacer> pacers;
  private final int pageSize;

  private final Counter blobsChecked;
  private final Counter bytesChecked;
  private final Map<Corruption.Kind, Counter> corruptions = new EnumMap<>(Corruption.Kind.class);
  private final Counter unreadable;
  private final AtomicLong lastPass = new AtomicLong(-1);

  /**
   * @param blobs the bytes
   * @param metadata the blob records, and the manifests that use each blob
   * @param isCache whether a repository is the mirror's cache (an upstream can bring its blobs
   *     back) rather than hosted here; {@link dev.hoist.storage.CacheRepositories#contains} of the
   *     configured upstreams' cache keys
   * @param bytesPerSecond how fast a pass reads; 0 for no limit ({@code hoist fsck})
   * @param meters where the scrub's meters are registered
   * @param clock gives the time of the last pass's gauge
   */
  public Scrubber(
      BlobStore blobs,
      MetadataStore metadata,
      Predicate<RepositoryName> isCache,
      long bytesPerSecond,
      MeterRegistry meters,
      InstantSource clock) {
    this(blobs, metadata, isCache, bytesPerSecond, meters, clock, Pacer::of, PAGE);
  }

  Scrubber(
      BlobStore blobs,
      MetadataStore metadata,
      Predicate<RepositoryName> isCache,
      long bytesPerSecond,
      MeterRegistry meters,
      InstantSource clock,
      LongFunction<Pacer> pacers,
      int pageSize) {
    if (bytesPerSecond < 0) {
      throw new IllegalArgumentException("bytesPerSecond must not be negative: " + bytesPerSecond);
    }
    this.blobs = Objects.requireNonNull(blobs, "blobs");
    this.metadata = Objects.requireNonNull(metadata, "metadata");
    this.quarantine = new BlobQuarantine(blobs, metadata);
    this.isCache = Objects.requireNonNull(isCache, "isCache");
    this.bytesPerSecond = bytesPerSecond;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.pacers = pacers;
    this.pageSize = pageSize;
    this.blobsChecked =
        Counter.builder("hoist.scrub.blobs")
            .description("Stored blobs the scrub checked")
            .register(meters);
    this.bytesChecked =
        Counter.builder("hoist.scrub.bytes")
            .description("Stored bytes the scrub read and hashed")
            .baseUnit("bytes")
            .register(meters);
    for (Corruption.Kind kind : Corruption.Kind.values()) {
      corruptions.put(
          kind,
          Counter.builder("hoist.scrub.corruptions")
              .description("Stored blobs the scrub found unsound, by kind")
              .tag("kind", kind.name().toLowerCase(Locale.ROOT))
              .register(meters));
    }
    this.unreadable =
        Counter.builder("hoist.scrub.unreadable")
            .description("Stored blobs the scrub could not read (I/O errors)")
            .register(meters);
    Gauge.builder(
            "hoist.scrub.last.pass.seconds", lastPass, t -> t.get() < 0 ? Double.NaN : t.get())
        .description("When the scrub's last complete pass ended, in epoch seconds")
        .register(meters);
  }

  /** How fast a pass reads, in bytes per second; 0 for no limit. */
  public long bytesPerSecond() {
    return bytesPerSecond;
  }

  /**
   * One pass over every stored blob, in digest order.
   *
   * @throws InterruptedException the thread was interrupted (a server stopping): the pass ends
   *     where it was, with what it found so far already acted on
   */
  public ScrubReport scrubAll() throws InterruptedException {
    long started = System.nanoTime();
    Pass pass = new Pass(pacers.apply(bytesPerSecond));
    Digest after = null;
    while (true) {
      Digest from = after;
      List<StoredBlob> page = metadata.read(tx -> tx.lifecycle().blobs(from, pageSize));
      for (StoredBlob blob : page) {
        if (Thread.interrupted()) {
          throw new InterruptedException("scrub stopped");
        }
        pass.check(blob);
      }
      if (page.size() < pageSize) {
        break;
      }
      after = page.get(page.size() - 1).digest();
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
    ScrubReport report =
        new ScrubReport(pass.blobs, pass.bytes, pass.found, pass.unreadable, elapsed);
    lastPass.set(clock.instant().getEpochSecond());
    log.info(
        "scrub pass done: blobs={} bytes={} corrupt={} unreadable={} seconds={}",
        report.blobs(),
        report.bytes(),
        report.corruptions().size(),
        report.unreadable(),
        elapsed.toMillis() / 1000.0);
    return report;
  }

  /** One pass's reading and findings. */
  private final class Pass {
    private final Pacer pacer;
    private final byte[] buffer = new byte[BUFFER];
    private final List<Corruption> found = new ArrayList<>();
    private long blobs;
    private long bytes;
    private long unreadable;

    Pass(Pacer pacer) {
      this.pacer = pacer;
    }

    void check(StoredBlob blob) throws InterruptedException {
      Digest digest = blob.digest();
      blobs++;
      blobsChecked.increment();
      try {
        Optional<BlobContent> content = Scrubber.this.blobs.open(digest);
        if (content.isEmpty()) {
          missing(blob);
          return;
        }
        long stored = content.get().size();
        if (stored != blob.size()) {
          mismatch(blob, Corruption.Kind.SIZE, stored);
          return;
        }
        Digester digester = Digester.of(digest);
        long read = 0;
        try (InputStream in = content.get().openStream(0, stored)) {
          for (int n; (n = in.read(buffer)) != -1; ) {
            digester.update(buffer, 0, n);
            read += n;
            bytes += n;
            bytesChecked.increment(n);
            pacer.read(n);
          }
        }
        if (read != blob.size()) {
          mismatch(blob, Corruption.Kind.SIZE, read);
        } else if (!digester.digest().equals(digest)) {
          mismatch(blob, Corruption.Kind.HASH, read);
        }
      } catch (ClosedByInterruptException | InterruptedIOException e) {
        throw new InterruptedException("scrub stopped");
      } catch (IOException | RuntimeException e) {
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedException("scrub stopped");
        }
        unreadable++;
        Scrubber.this.unreadable.increment();
        log.warn("stored blob unreadable, left as it is: digest={} error={}", digest, e.toString());
      }
    }

    private void mismatch(StoredBlob blob, Corruption.Kind kind, long actualSize)
        throws IOException {
      Digest digest = blob.digest();
      List<ManifestKey> users = users(digest);
      if (!quarantine.quarantine(digest)) {
        // Gone meanwhile (collected), or it matched when the quarantine hashed it again (a good
        // copy stored since, or a read that failed once): nothing unsound is left.
        log.info("scrub mismatch not confirmed, bytes kept: digest={} kind={}", digest, kind);
        return;
      }
      report(
          new Corruption(
              digest,
              kind,
              blob.size(),
              actualSize,
              users,
              anyHosted(users),
              Corruption.Outcome.QUARANTINED));
    }

    private void missing(StoredBlob blob) throws IOException {
      Digest digest = blob.digest();
      // Collected since the page was read: its record went first, then its bytes.
      if (metadata.read(tx -> tx.lifecycle().blob(digest)).isEmpty()
          || Scrubber.this.blobs.size(digest).isPresent()) {
        return;
      }
      List<ManifestKey> users = users(digest);
      boolean hosted = anyHosted(users);
      Corruption.Outcome outcome;
      if (hosted) {
        outcome = Corruption.Outcome.KEPT;
      } else if (quarantine.forgetUnlessStored(digest)) {
        outcome = Corruption.Outcome.FORGOTTEN;
      } else {
        return; // stored again, or forgotten, meanwhile
      }
      report(
          new Corruption(digest, Corruption.Kind.MISSING, blob.size(), -1, users, hosted, outcome));
    }

    private void report(Corruption corruption) {
      found.add(corruption);
      corruptions.get(corruption.kind()).increment();
      log.warn(
          "stored blob unsound: digest={} kind={} expectedSize={} actualSize={} outcome={}"
              + " hosted={} usedBy={}",
          corruption.digest(),
          corruption.kind(),
          corruption.expectedSize(),
          corruption.actualSize(),
          corruption.outcome(),
          corruption.hosted(),
          corruption.usedBy().stream()
              .map(m -> m.repository().value() + "@" + m.digest())
              .collect(Collectors.joining(",", "[", "]")));
    }
  }

  private List<ManifestKey> users(Digest digest) {
    return metadata.read(tx -> tx.lifecycle().manifestsUsing(digest, USERS_LISTED));
  }

  private boolean anyHosted(List<ManifestKey> users) {
    return users.stream().anyMatch(m -> !isCache.test(m.repository()));
  }

  /** When the last complete pass ended; empty before one did. */
  public Optional<Instant> lastPass() {
    long seconds = lastPass.get();
    return seconds < 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(seconds));
  }
}
