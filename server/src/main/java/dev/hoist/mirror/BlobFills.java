package dev.hoist.mirror;

import dev.hoist.oci.Digest;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.BlobStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Fills the blob cache from upstreams, one upstream fetch per digest at a time however many clients
 * ask (ARCHITECTURE §3, "Fills").
 *
 * <p>A fill asks its {@link BlobSource} for the blob and writes the bytes to {@code
 * <spool>/<hex>.<n>}, hashing them as they arrive. Every client asking for the digest meanwhile
 * gets a live view of that file as soon as the upstream answered with headers: it reads what is
 * there and waits for more, Range reads included. When the upstream's stream ends early or breaks,
 * the fill reopens it at the bytes it has, up to {@code maxResumes} times. At the end the size and
 * digest are checked; a good blob is moved into the {@link BlobStore} ({@link
 * BlobStore#importFile}), a bad one is deleted and nothing is stored.
 *
 * <p>Readers never receive the last {@value #HOLD_BACK} bytes of a blob (all of a smaller one)
 * before its size and digest are verified; when the fill fails their next read throws, so the HTTP
 * layer cuts the connection and no client receives a complete response of wrong bytes. Verified
 * bytes are released before the commit makes them durable (fsync and rename), which would otherwise
 * add its time to every cold pull; a commit that fails then stores nothing, and only readers still
 * reading see the failure. A reader that goes away does not stop the fill. Memory use is a small
 * buffer per fill and per read.
 *
 * <p>Fill work runs on the given executor (blocking I/O: virtual threads suit it). Thread-safe.
 */
public final class BlobFills {
  static final int DEFAULT_MAX_RESUMES = 3;
  static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofMinutes(5);

  /** How many bytes at the end of a blob are held back from readers until it is committed. */
  static final int HOLD_BACK = 64 * 1024;

  private final BlobStore blobs;
  private final Path spoolDir;
  private final Executor executor;
  private final Fill.Settings settings;
  private final ConcurrentMap<Digest, Fill> fills = new ConcurrentHashMap<>();
  private final AtomicLong spoolSequence = new AtomicLong();
  private @Nullable ClusterFills cluster;

  /** Fills with {@value #DEFAULT_MAX_RESUMES} resumes and no listener. */
  BlobFills(BlobStore blobs, Path spoolDir, Executor executor) throws IOException {
    this(blobs, spoolDir, executor, DEFAULT_MAX_RESUMES, FillListener.NONE);
  }

  /**
   * Fills as the mirror runs them: {@value #DEFAULT_MAX_RESUMES} resumes, a reader waits up to five
   * minutes for a fill that makes no progress.
   *
   * @param spoolDir where fills keep their bytes ({@code <data-dir>/spool}, on the blob store's
   *     filesystem so that a commit is a rename); created when missing, emptied of what an earlier
   *     process left
   * @param executor runs the fills (blocking I/O: virtual threads suit it)
   */
  public static BlobFills create(
      BlobStore blobs, Path spoolDir, Executor executor, FillListener listener) throws IOException {
    return new BlobFills(blobs, spoolDir, executor, DEFAULT_MAX_RESUMES, listener);
  }

  /**
   * As {@link #create(BlobStore, Path, Executor, FillListener)}, for a node of a cluster: a fill
   * takes the cluster's lease on its digest before it asks the upstream, and streams from the node
   * holding it otherwise (see {@link ClusterFills}).
   */
  public static BlobFills create(
      BlobStore blobs,
      Path spoolDir,
      Executor executor,
      FillListener listener,
      ClusterFills cluster)
      throws IOException {
    BlobFills fills = new BlobFills(blobs, spoolDir, executor, DEFAULT_MAX_RESUMES, listener);
    fills.cluster = Objects.requireNonNull(cluster, "cluster");
    return fills;
  }

  BlobFills(
      BlobStore blobs, Path spoolDir, Executor executor, int maxResumes, FillListener listener)
      throws IOException {
    this(blobs, spoolDir, executor, maxResumes, listener, DEFAULT_STALL_TIMEOUT);
  }

  /**
   * @param spoolDir where fills keep their bytes ({@code <data-dir>/spool}, on the blob store's
   *     filesystem so that a commit is a rename); created when missing, emptied of what an earlier
   *     process left
   * @param stallTimeout how long a reader waits for a fill that makes no progress before failing
   */
  BlobFills(
      BlobStore blobs,
      Path spoolDir,
      Executor executor,
      int maxResumes,
      FillListener listener,
      Duration stallTimeout)
      throws IOException {
    if (maxResumes < 0) {
      throw new IllegalArgumentException("maxResumes must be >= 0");
    }
    if (stallTimeout.isNegative() || stallTimeout.isZero()) {
      throw new IllegalArgumentException("stallTimeout must be positive");
    }
    this.blobs = Objects.requireNonNull(blobs, "blobs");
    this.spoolDir = spoolDir.toAbsolutePath().normalize();
    this.executor = Objects.requireNonNull(executor, "executor");
    this.settings =
        new Fill.Settings(
            blobs,
            Objects.requireNonNull(listener, "listener"),
            maxResumes,
            stallTimeout.toNanos());
    Files.createDirectories(this.spoolDir);
    deleteLeftovers(this.spoolDir);
  }

  /**
   * The blob's content: the committed blob when the store has it, otherwise a live view of the fill
   * in flight for it, starting one from {@code source} when there is none. Returns once the
   * upstream answered with headers, not when the blob is complete; when neither {@code knownSize}
   * nor the upstream tells the size, it waits until every byte arrived and was verified.
   *
   * @param knownSize the blob's size from its descriptor, or -1 if not known; an upstream that
   *     disagrees fails the fill
   * @throws IOException the source's failure (an {@link UpstreamException} for an upstream 404 and
   *     the like), the same one for every caller waiting on that fill
   */
  BlobContent serve(Digest digest, long knownSize, BlobSource source) throws IOException {
    return serve(digest, knownSize, source, "");
  }

  /**
   * As {@link #serve(Digest, long, BlobSource)}, noting who asked: when this call starts the fill,
   * {@link #origin} reports {@code origin} until the fill ends.
   */
  BlobContent serve(Digest digest, long knownSize, BlobSource source, String origin)
      throws IOException {
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(source, "source");
    if (knownSize < -1) {
      throw new IllegalArgumentException("knownSize must be -1 (unknown) or >= 0");
    }
    while (true) {
      Fill fill = fills.get(digest);
      if (fill == null) {
        Optional<BlobContent> stored = blobs.open(digest);
        if (stored.isPresent()) {
          return stored.get();
        }
        Fill created =
            new Fill(
                digest,
                knownSize,
                cluster == null ? source : cluster.source(digest, source),
                nextSpoolFile(digest),
                origin,
                settings,
                ended -> fills.remove(ended.digest, ended));
        fill = fills.putIfAbsent(digest, created);
        if (fill == null) {
          fill = created;
          start(created);
        }
      }
      BlobContent content = fill.awaitContent();
      if (content != null) {
        return content;
      }
      // The fill found the blob already stored, or it was gone again: look once more.
    }
  }

  /**
   * What this node has of a blob, for another node of the cluster: a live view of its fill in
   * progress, else the stored blob; empty when it has neither. Never starts a fill.
   */
  public Optional<BlobContent> local(Digest digest) throws IOException {
    while (true) {
      Fill fill = fills.get(digest);
      if (fill == null) {
        return blobs.open(digest);
      }
      BlobContent content = fill.awaitContent();
      if (content != null) {
        return Optional.of(content);
      }
    }
  }

  /** Whether a fill for the digest is in progress. */
  boolean inFlight(Digest digest) {
    return fills.containsKey(digest);
  }

  /**
   * Whether a fill for the digest has every byte verified and is only being committed: serving it
   * waits for nothing, as a cache hit does.
   */
  boolean verified(Digest digest) {
    Fill fill = fills.get(digest);
    return fill != null && fill.isVerified();
  }

  /**
   * Waits for a fill of the digest in progress to end (its readers may be done before it is
   * committed); says whether the store then has the blob.
   *
   * @throws IOException the fill made no progress for the stall timeout, or the wait was
   *     interrupted
   */
  boolean awaitStored(Digest digest) throws IOException {
    Fill fill = fills.get(digest);
    if (fill != null) {
      fill.awaitEnd();
    }
    return blobs.size(digest).isPresent();
  }

  /** Who started the fill in progress for the digest, if one is. */
  Optional<String> origin(Digest digest) {
    Fill fill = fills.get(digest);
    return fill == null ? Optional.empty() : Optional.of(fill.origin);
  }

  /** How many fills are in progress. */
  int inFlightCount() {
    return fills.size();
  }

  private Path nextSpoolFile(Digest digest) {
    return spoolDir.resolve(digest.encoded() + "." + spoolSequence.incrementAndGet());
  }

  private void start(Fill fill) {
    try {
      executor.execute(fill);
    } catch (RejectedExecutionException e) {
      fills.remove(fill.digest, fill);
      fill.failed(e);
    }
  }

  private static void deleteLeftovers(Path dir) throws IOException {
    List<Path> leftovers;
    try (Stream<Path> walk = Files.walk(dir)) {
      leftovers = walk.filter(p -> !p.equals(dir)).sorted(Comparator.reverseOrder()).toList();
    }
    for (Path p : leftovers) {
      Files.deleteIfExists(p);
    }
  }
}
