package dev.hoist.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * A blob stream whose bytes lie in a local file that may still be growing (a mirror fill in
 * progress). The HTTP layer may send the bytes already released straight from the file, with
 * zero-copy file transfer, instead of reading them through the stream; it must never send past what
 * {@link #readableNow} or {@link #awaitReadable} allowed, which is how a fill keeps unverified
 * bytes from clients.
 */
public interface GrowingFile {

  /** The file, open for reading; it closes with the stream. */
  FileChannel channel();

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
}
