package dev.hoist.mirror;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestMismatchException;
import dev.hoist.oci.Digester;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.GrowingFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
final class BlobFills {
  static final int DEFAULT_MAX_RESUMES = 3;
  static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofMinutes(5);

  /** How many bytes at the end of a blob are held back from readers until it is committed. */
  static final int HOLD_BACK = 64 * 1024;

  private static final int BUFFER_SIZE = 256 * 1024;
  private static final Logger log = LoggerFactory.getLogger(BlobFills.class);

  private final BlobStore blobs;
  private final Path spoolDir;
  private final Executor executor;
  private final int maxResumes;
  private final FillListener listener;
  private final long stallNanos;
  private final ConcurrentMap<Digest, Fill> fills = new ConcurrentHashMap<>();
  private final AtomicLong spoolSequence = new AtomicLong();

  /** Fills with {@value #DEFAULT_MAX_RESUMES} resumes and no listener. */
  BlobFills(BlobStore blobs, Path spoolDir, Executor executor) throws IOException {
    this(blobs, spoolDir, executor, DEFAULT_MAX_RESUMES, FillListener.NONE);
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
    this.maxResumes = maxResumes;
    this.listener = Objects.requireNonNull(listener, "listener");
    this.stallNanos = stallTimeout.toNanos();
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
        Fill created = new Fill(digest, knownSize, source, nextSpoolFile(digest), origin);
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

  private static long holdBack(long size) {
    return Math.min(size, HOLD_BACK);
  }

  private enum State {
    /** Waiting for the upstream's headers. */
    STARTING,
    /** Bytes are arriving; readers may read all but the held-back tail. */
    STREAMING,
    /**
     * Every byte arrived and the digest matched; readers may read all of it while the blob is made
     * durable and moved into the store, so that no client waits for the fsync.
     */
    VERIFIED,
    /** Verified and in the blob store. */
    COMMITTED,
    /** The store already had the blob when the fill began; nothing was fetched. */
    STORED,
    /** Nothing was stored. */
    FAILED
  }

  /** One blob being fetched, and what its readers wait on. */
  private final class Fill implements Runnable {
    final Digest digest;
    final long knownSize;
    final BlobSource source;
    final Path spool;
    final String origin;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // Guarded by lock.
    private State state = State.STARTING;
    private long size = -1;
    private long written;
    private Throwable failure;
    private long lastProgress = System.nanoTime();

    Fill(Digest digest, long knownSize, BlobSource source, Path spool, String origin) {
      this.origin = origin;
      this.digest = digest;
      this.knownSize = knownSize;
      this.source = source;
      this.spool = spool;
    }

    // The fill itself, on the executor.

    @Override
    public void run() {
      notifyListener(() -> listener.fillStarted(digest));
      long committedSize;
      try {
        if (blobs.size(digest).isPresent()) {
          fills.remove(digest, this);
          finish(State.STORED, null);
          return;
        }
        committedSize = fetchAndCommit();
      } catch (Throwable t) {
        deleteSpool();
        fills.remove(digest, this);
        failed(t);
        if (t instanceof UpstreamException) {
          log.info("mirror fill refused by upstream: digest={} error={}", digest, t.getMessage());
        } else {
          log.warn("mirror fill failed: digest={} spooled={}", digest, writtenSoFar(), t);
        }
        notifyListener(() -> listener.fillFailed(digest, t));
        return;
      }
      // Removed before readers are told, so that whoever asks next finds the stored blob.
      fills.remove(digest, this);
      finish(State.COMMITTED, null);
      notifyListener(() -> listener.fillCommitted(digest, committedSize));
    }

    private long fetchAndCommit() throws IOException {
      BlobSource.SourceStream first = source.open(0);
      long expected;
      FileChannel out;
      try {
        expected = expectedSize(first);
        out = FileChannel.open(spool, CREATE_NEW, WRITE);
      } catch (IOException | RuntimeException e) {
        closeQuietly(first);
        throw e;
      }
      long total;
      try (out) {
        lock.lock();
        try {
          size = expected;
          state = State.STREAMING;
          lastProgress = System.nanoTime();
          changed.signalAll();
        } finally {
          lock.unlock();
        }
        total = copy(first, out, expected);
      }
      lock.lock();
      try {
        size = total;
        state = State.VERIFIED;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
      blobs.importFile(digest, total, spool);
      return total;
    }

    /** The size the blob must have: the descriptor's, checked against the upstream's. */
    private long expectedSize(BlobSource.SourceStream answer) throws IOException {
      long told = answer.totalSize();
      if (told >= 0 && knownSize >= 0 && told != knownSize) {
        throw new DigestMismatchException(digest, null, knownSize, told);
      }
      return knownSize >= 0 ? knownSize : told;
    }

    /** Copies the upstream's bytes to the spool, resuming, and verifies them; returns the size. */
    private long copy(BlobSource.SourceStream first, FileChannel out, long expected)
        throws IOException {
      Digester digester = Digester.of(digest);
      byte[] buffer = new byte[BUFFER_SIZE];
      BlobSource.SourceStream stream = first;
      IOException cause = null;
      int resumes = 0;
      while (true) {
        if (stream != null) {
          cause = drain(stream, out, digester, buffer, expected);
        }
        long have = writtenSoFar();
        if (expected >= 0 ? have == expected : stream != null && cause == null) {
          break;
        }
        if (cause instanceof DigestMismatchException m && !m.sizeMismatch()) {
          throw m; // the upstream's own check says the bytes are wrong: resuming cannot help
        }
        if (cause instanceof UpstreamException u && !u.retryable()) {
          throw u;
        }
        if (resumes == maxResumes) {
          throw truncated(expected, have, resumes, cause);
        }
        resumes++;
        log.info(
            "resuming mirror fill: digest={} offset={} resume={} cause={}",
            digest,
            have,
            resumes,
            String.valueOf(cause));
        stream = null;
        try {
          BlobSource.SourceStream next = source.open(have);
          if (next.totalSize() >= 0 && expected >= 0 && next.totalSize() != expected) {
            closeQuietly(next);
            throw new DigestMismatchException(digest, null, expected, next.totalSize());
          }
          stream = next;
        } catch (DigestMismatchException e) {
          throw e;
        } catch (IOException e) {
          cause = e;
        }
      }
      long total = writtenSoFar();
      Digest actual = digester.digest();
      if (!actual.equals(digest)) {
        throw new DigestMismatchException(digest, actual, expected, total);
      }
      return total;
    }

    /**
     * Appends the stream's bytes to the spool until it ends (null) or a read from it fails (that
     * failure, which a resume may cure). A local write failure or an overrun is thrown.
     */
    private IOException drain(
        BlobSource.SourceStream stream,
        FileChannel out,
        Digester digester,
        byte[] buffer,
        long expected)
        throws IOException {
      try {
        InputStream in = stream.body();
        while (true) {
          int n;
          try {
            n = in.read(buffer);
          } catch (IOException e) {
            return e;
          }
          if (n < 0) {
            return null;
          }
          long have = writtenSoFar();
          if (expected >= 0 && have + n > expected) {
            throw new DigestMismatchException(digest, null, expected, have + n);
          }
          ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
          while (chunk.hasRemaining()) {
            out.write(chunk);
          }
          digester.update(buffer, 0, n);
          progressed(n);
          long bytes = n;
          notifyListener(() -> listener.fillBytes(digest, bytes));
        }
      } finally {
        closeQuietly(stream);
      }
    }

    private IOException truncated(long expected, long have, int resumes, IOException cause) {
      IOException e =
          expected >= 0
              ? new DigestMismatchException(digest, null, expected, have)
              : new IOException(
                  "upstream transfer of " + digest + " failed after " + resumes + " resumes");
      if (cause != null) {
        e.initCause(cause);
      }
      return e;
    }

    private void progressed(long n) {
      lock.lock();
      try {
        written += n;
        lastProgress = System.nanoTime();
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    private long writtenSoFar() {
      lock.lock();
      try {
        return written;
      } finally {
        lock.unlock();
      }
    }

    boolean isVerified() {
      lock.lock();
      try {
        return state == State.VERIFIED;
      } finally {
        lock.unlock();
      }
    }

    void failed(Throwable t) {
      finish(State.FAILED, t);
    }

    private void finish(State end, Throwable t) {
      lock.lock();
      try {
        state = end;
        failure = t;
        lastProgress = System.nanoTime();
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    private void deleteSpool() {
      try {
        Files.deleteIfExists(spool);
      } catch (IOException e) {
        log.warn("cannot delete mirror spool file: path={}", spool, e);
      }
    }

    // What callers of serve and readers wait for.

    /**
     * Waits until the upstream answered: a live view of the fill, or null when the caller should
     * look in the store again (the fill ended with the blob stored, before the size was known).
     */
    BlobContent awaitContent() throws IOException {
      lock.lock();
      try {
        while (true) {
          if (state == State.FAILED) {
            throw failure instanceof IOException io ? io : failureFor(failure);
          }
          if (state == State.STORED || state == State.COMMITTED) {
            return null; // the store has it, and this fill is no longer in the map
          }
          if ((state == State.STREAMING || state == State.VERIFIED) && size >= 0) {
            return view(size);
          }
          awaitChange();
        }
      } finally {
        lock.unlock();
      }
    }

    private BlobContent view(long viewSize) {
      return new BlobContent.Streamed(viewSize, this::openReader);
    }

    private InputStream openReader(long offset, long length) throws IOException {
      long viewSize;
      lock.lock();
      try {
        viewSize = size;
      } finally {
        lock.unlock();
      }
      Objects.checkFromIndexSize(offset, length, viewSize);
      FileChannel channel;
      try {
        channel = FileChannel.open(spool, READ);
      } catch (NoSuchFileException e) {
        // The fill ended: its file moved into the store, or it failed and was deleted.
        awaitReadable(offset); // throws when it failed
        return openStored(offset, length);
      }
      return new SpoolReader(this, channel, offset, offset + length);
    }

    /** The committed blob, for a reader that arrives after its spool file moved away. */
    private InputStream openStored(long offset, long length) throws IOException {
      BlobContent content =
          blobs
              .open(digest)
              .orElseThrow(
                  () -> new NoSuchFileException(digest.toString(), null, "gone from the store"));
      if (content instanceof BlobContent.LocalFile file) {
        return new SpoolReader(this, FileChannel.open(file.path(), READ), offset, offset + length);
      }
      if (content instanceof BlobContent.Streamed streamed) {
        return streamed.open(offset, length);
      }
      throw new IOException("blob " + digest + " is stored behind a redirect; serve it from there");
    }

    /**
     * Waits until the bytes at {@code position} may be read; returns how far the blob may be read
     * now. Throws when the fill failed or stalled.
     */
    long awaitReadable(long position) throws IOException {
      lock.lock();
      try {
        while (true) {
          if (state == State.FAILED) {
            throw failureFor(failure);
          }
          long readable = readable();
          if (readable > position || state == State.COMMITTED || state == State.VERIFIED) {
            return readable;
          }
          awaitChange();
        }
      } finally {
        lock.unlock();
      }
    }

    /** Waits until the fill committed, found the blob stored, or failed. */
    void awaitEnd() throws IOException {
      lock.lock();
      try {
        while (state != State.COMMITTED && state != State.STORED && state != State.FAILED) {
          awaitChange();
        }
      } finally {
        lock.unlock();
      }
    }

    /** Reports what is readable without waiting. */
    long readableNow() {
      lock.lock();
      try {
        return readable();
      } finally {
        lock.unlock();
      }
    }

    /** How far readers may read; the caller holds the lock. */
    private long readable() {
      switch (state) {
        case COMMITTED:
        case VERIFIED:
          return size;
        case STREAMING:
          return Math.min(written, size - holdBack(size));
        default:
          return 0;
      }
    }

    /** Waits for the next change; fails when the fill made no progress for the stall timeout. */
    private void awaitChange() throws IOException {
      long idle = System.nanoTime() - lastProgress;
      long left = stallNanos - idle;
      if (left <= 0) {
        throw new IOException(
            "mirror fill of "
                + digest
                + " made no progress for "
                + TimeUnit.NANOSECONDS.toSeconds(idle)
                + " s");
      }
      try {
        changed.awaitNanos(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted waiting for the mirror fill of " + digest);
      }
    }

    private IOException failureFor(Throwable t) {
      return new IOException("mirror fill of " + digest + " failed: " + t.getMessage(), t);
    }
  }

  /**
   * Reads a byte range of a fill's file with its own channel, waiting for bytes the fill has not
   * written (or not yet released) and failing when the fill fails.
   */
  private static final class SpoolReader extends InputStream
      implements ReadableByteChannel, GrowingFile {
    private final Fill fill;
    private final FileChannel channel;
    private final long end;
    private long position;

    SpoolReader(Fill fill, FileChannel channel, long offset, long end) {
      this.fill = fill;
      this.channel = channel;
      this.position = offset;
      this.end = end;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      return read(ByteBuffer.wrap(b, off, len));
    }

    /**
     * Reads what the fill has released at the position, waiting for it; into a direct buffer this
     * costs no copy through the heap.
     */
    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (!dst.hasRemaining()) {
        return 0;
      }
      if (position >= end) {
        return -1;
      }
      long readable = Math.min(fill.awaitReadable(position), end);
      if (readable <= position) {
        throw new IOException("mirror fill of " + fill.digest + " ended before " + end + " bytes");
      }
      ByteBuffer window = dst.slice();
      window.limit((int) Math.min(window.remaining(), readable - position));
      int n = channel.read(window, position);
      if (n <= 0) {
        throw new IOException("spool of " + fill.digest + " is shorter than its fill says");
      }
      dst.position(dst.position() + n);
      position += n;
      return n;
    }

    @Override
    public boolean isOpen() {
      return channel.isOpen();
    }

    @Override
    public FileChannel channel() {
      return channel;
    }

    @Override
    public long readableNow() {
      return fill.readableNow();
    }

    @Override
    public long awaitReadable(long position) throws IOException {
      return fill.awaitReadable(position);
    }

    @Override
    public int available() {
      return (int)
          Math.max(0, Math.min(Integer.MAX_VALUE, Math.min(fill.readableNow(), end) - position));
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  private static void closeQuietly(BlobSource.SourceStream stream) {
    try {
      stream.close();
    } catch (IOException | RuntimeException e) {
      // The upstream connection is being abandoned anyway.
    }
  }

  private static void notifyListener(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      log.warn("mirror fill listener failed", e);
    }
  }
}
