package dev.hoist.images;

import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestMismatchException;
import dev.hoist.oci.Digester;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongConsumer;

/**
 * A blob being added to an {@link ImageStore}: bytes are appended to a private temporary file and
 * hashed as they arrive; {@link #commit()} checks the digest (and size, when known) and only then
 * moves the file into place (fsync, atomic rename, fsync of the directory).
 *
 * <p>Resumable: when a source fails part way, {@link #size()} is how many bytes are already here,
 * so the next source can be asked for the rest ({@code Range: bytes=<size>-}); the hash covers
 * everything appended, whichever source it came from. When the content turns out wrong, {@link
 * #commit()} throws and the writer starts over from zero ({@link #size()} is 0 again), since there
 * is no telling which bytes were bad.
 *
 * <p>Not thread-safe. Always {@link #close()} it: an uncommitted writer deletes its file.
 */
public final class BlobWriter implements Closeable {
  private static final int BUFFER = 64 * 1024;

  /**
   * Every this many bytes a background thread asks the disk to catch up, so that the fsync of
   * {@link #commit()} has little left to write: on the bench's 200 MiB layer it took 0.18 s at the
   * end of the pull.
   */
  private static final long EARLY_FLUSH_BYTES = 32L << 20;

  private final StoreBlobs store;
  private final Digest expected;
  private final long expectedSize;
  private final Path temp;
  private FileChannel channel;
  private Digester digester;
  private boolean committed;
  private boolean closed;
  private Observer observer = Observer.NONE;
  private long flushedUpTo;
  private Thread flusher;

  /** Sees the bytes as they are appended, for work that can go along with the download. */
  interface Observer {
    Observer NONE =
        new Observer() {
          @Override
          public void appended(byte[] b, int off, int len) {}

          @Override
          public void reset() {}
        };

    /** Bytes appended to the blob (the array is the writer's: copy what is kept). */
    void appended(byte[] b, int off, int len) throws IOException;

    /** The writer dropped everything: the next bytes are the blob's first. */
    void reset();
  }

  BlobWriter(StoreBlobs store, Digest expected, long expectedSize, Path temp) throws IOException {
    this.store = store;
    this.expected = expected;
    this.expectedSize = expectedSize;
    this.temp = temp;
    this.channel =
        FileChannel.open(
            temp,
            java.nio.file.StandardOpenOption.CREATE_NEW,
            java.nio.file.StandardOpenOption.WRITE);
    this.digester = Digester.of(expected);
  }

  /** Sets who sees the bytes appended from now on (before the first, to see them all). */
  void observe(Observer observer) {
    this.observer = observer == null ? Observer.NONE : observer;
  }

  /** The digest the content must have. */
  public Digest expected() {
    return expected;
  }

  /** The size the content must have, or -1 when not known. */
  public long expectedSize() {
    return expectedSize;
  }

  /** Bytes appended so far: the offset to resume from. */
  public long size() {
    return digester.bytes();
  }

  /**
   * Appends bytes.
   *
   * @throws DigestMismatchException when they would make the blob longer than its expected size
   *     (the writer is then reset)
   */
  public void write(byte[] b, int off, int len) throws IOException {
    checkOpen();
    if (expectedSize >= 0 && size() + len > expectedSize) {
      long total = size() + len;
      reset();
      throw new DigestMismatchException(expected, null, expectedSize, total);
    }
    ByteBuffer buf = ByteBuffer.wrap(b, off, len);
    while (buf.hasRemaining()) {
      channel.write(buf);
    }
    digester.update(b, off, len);
    observer.appended(b, off, len);
    if (size() - flushedUpTo >= EARLY_FLUSH_BYTES) {
      flushEarly();
    }
  }

  /** Starts writing what is appended so far to the disk, unless the last such flush still runs. */
  private void flushEarly() {
    if (flusher != null && flusher.isAlive()) {
      return;
    }
    flushedUpTo = size();
    FileChannel target = channel;
    flusher =
        Thread.ofVirtual()
            .name("hoist-blob-flush")
            .start(
                () -> {
                  try {
                    target.force(false);
                  } catch (IOException e) {
                    // Only a head start: commit() forces again and reports what fails then.
                  }
                });
  }

  /**
   * Appends everything {@code in} holds, up to its end (it is not closed), reporting the running
   * {@link #size()} to {@code progress} (may be null) after each chunk. Returns the bytes copied.
   * When {@code in} fails, what was read before the failure stays appended.
   */
  public long transferFrom(InputStream in, LongConsumer progress) throws IOException {
    byte[] buf = new byte[BUFFER];
    long copied = 0;
    for (int n; (n = in.read(buf)) != -1; ) {
      write(buf, 0, n);
      copied += n;
      if (progress != null) {
        progress.accept(size());
      }
    }
    return copied;
  }

  /** Drops everything appended; the next byte is the blob's first. */
  public void reset() throws IOException {
    checkOpen();
    channel.truncate(0);
    channel.position(0);
    flushedUpTo = 0;
    digester = Digester.of(expected);
    observer.reset();
  }

  /**
   * Verifies and stores the blob. Idempotent across processes: when another writer committed the
   * same digest first, the rename simply replaces identical content.
   *
   * @throws DigestMismatchException when the content is not the expected one; the writer is reset
   *     and may be written again
   */
  public void commit() throws IOException {
    checkOpen();
    long total = size();
    Digest actual = digester.digest();
    if (!actual.equals(expected) || (expectedSize >= 0 && total != expectedSize)) {
      reset();
      throw new DigestMismatchException(expected, actual, expectedSize, total);
    }
    channel.force(true);
    channel.close();
    store.install(temp, expected);
    committed = true;
    closed = true;
  }

  /** Whether {@link #commit()} succeeded. */
  public boolean committed() {
    return committed;
  }

  /** Abandons the blob unless committed: the temporary file is deleted. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      channel.close();
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private void checkOpen() throws IOException {
    if (closed) {
      throw new IOException("blob writer for " + expected + " is closed");
    }
  }
}
