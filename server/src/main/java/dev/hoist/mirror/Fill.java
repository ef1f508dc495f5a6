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
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One blob being fetched into its spool file by {@link BlobFills}, and what its readers wait on. A
 * fill runs once, on the fills' executor; its readers run on any thread. Thread-safe.
 */
final class Fill implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Fill.class);
  private static final int BUFFER_SIZE = 256 * 1024;

  /** What every fill of one {@link BlobFills} shares. */
  record Settings(BlobStore blobs, FillListener listener, int maxResumes, long stallNanos) {}

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

  private final Settings settings;
  private final Consumer<Fill> ended;

  /**
   * @param ended called once the fill is over (stored or failed), before its readers are told, so
   *     that whoever asks next finds the stored blob
   */
  Fill(
      Digest digest,
      long knownSize,
      BlobSource source,
      Path spool,
      String origin,
      Settings settings,
      Consumer<Fill> ended) {
    this.settings = settings;
    this.ended = ended;
    this.origin = origin;
    this.digest = digest;
    this.knownSize = knownSize;
    this.source = source;
    this.spool = spool;
  }

  // The fill itself, on the executor.

  @Override
  public void run() {
    try {
      fill();
    } finally {
      source.fillEnded();
    }
  }

  private void fill() {
    notifyListener(() -> settings.listener().fillStarted(digest));
    long committedSize;
    try {
      if (settings.blobs().size(digest).isPresent()) {
        ended.accept(this);
        finish(State.STORED, null);
        return;
      }
      committedSize = fetchAndCommit();
    } catch (BlobSource.StoredMeanwhile stored) {
      deleteSpool();
      ended.accept(this);
      finish(State.STORED, null);
      return;
    } catch (Throwable t) {
      deleteSpool();
      ended.accept(this);
      failed(t);
      if (t instanceof UpstreamException) {
        log.info("mirror fill refused by upstream: digest={} error={}", digest, t.getMessage());
      } else {
        log.warn("mirror fill failed: digest={} spooled={}", digest, writtenSoFar(), t);
      }
      notifyListener(() -> settings.listener().fillFailed(digest, t));
      return;
    }
    // Removed before readers are told, so that whoever asks next finds the stored blob.
    ended.accept(this);
    finish(State.COMMITTED, null);
    notifyListener(() -> settings.listener().fillCommitted(digest, committedSize));
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
    if (source.storedElsewhere()) {
      // Readers still reading hold the file open; later ones find the blob in the store.
      deleteSpool();
    } else {
      settings.blobs().importFile(digest, total, spool);
    }
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
      if (resumes == settings.maxResumes()) {
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
        notifyListener(() -> settings.listener().fillBytes(digest, bytes));
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
   * Waits until the upstream answered: a live view of the fill, or null when the caller should look
   * in the store again (the fill ended with the blob stored, before the size was known).
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
    return new BlobContent.Growing(viewSize, this::openReader);
  }

  private GrowingFile openReader(long offset, long length) throws IOException {
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
      // The fill is ending: its file moved into the store, or it failed and was deleted just
      // before it says so. Wait until it said which: a failure is then thrown here, with its cause.
      awaitEnd();
      awaitReadable(offset); // throws when it failed
      return openStored(offset, length);
    }
    return new SpoolReader(this, channel, offset, offset + length);
  }

  /** The committed blob, for a reader that arrives after its spool file moved away. */
  private GrowingFile openStored(long offset, long length) throws IOException {
    BlobContent content =
        settings
            .blobs()
            .open(digest)
            .orElseThrow(
                () -> new NoSuchFileException(digest.toString(), null, "gone from the store"));
    return switch (content) {
      case BlobContent.LocalFile file ->
          new SpoolReader(this, FileChannel.open(file.path(), READ), offset, offset + length);
      case BlobContent.Redirect redirect ->
          throw new IOException(
              "blob " + digest + " is stored behind a redirect; serve it from there");
      default -> new StoredReader(content.openStream(offset, length), offset, offset + length);
    };
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
        return Math.min(written, size - Math.min(size, BlobFills.HOLD_BACK));
      default:
        return 0;
    }
  }

  /** Waits for the next change; fails when the fill made no progress for the stall timeout. */
  private void awaitChange() throws IOException {
    long idle = System.nanoTime() - lastProgress;
    long left = settings.stallNanos() - idle;
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
