package dev.hoist.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.util.Optional;

/**
 * A byte range of a local file that may still be growing (a mirror fill in progress), opened by
 * {@link BlobContent.Growing}. Reading it as a channel returns what the fill has released, waiting
 * for more. The HTTP layer may instead send the released bytes straight from {@link #file()} with
 * zero-copy file transfer; it must never send past what {@link #readableNow} or {@link
 * #awaitReadable} allowed, which is how a fill keeps unverified bytes from clients. Closing it
 * closes the file.
 */
public interface GrowingFile extends ReadableByteChannel {

  /**
   * The file the bytes lie in, open for reading, at the blob's offsets; empty when they come from
   * elsewhere (a reader arriving after the fill committed the blob to a store that is no local
   * filesystem), and then they are read through this channel only.
   */
  Optional<FileChannel> file();

  /**
   * How far the file may be read now, without waiting: an offset in the file, which may be less
   * than the position the caller has reached.
   */
  long readableNow();

  /**
   * Waits until the byte at {@code position} may be read; returns how far the file may be read
   * then.
   *
   * @throws IOException the fill failed or made no progress for too long: the client must not get a
   *     complete response
   */
  long awaitReadable(long position) throws IOException;

  /** Opens the range {@code [offset, offset + length)} of a growing blob. */
  @FunctionalInterface
  interface Opener {
    GrowingFile open(long offset, long length) throws IOException;
  }
}
