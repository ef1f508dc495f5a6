package dev.hoist.mirror;

import dev.hoist.storage.GrowingFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Optional;

/**
 * Reads a byte range of a fill's file with its own channel, waiting for bytes the fill has not
 * written (or not yet released) and failing when the fill fails.
 */
final class SpoolReader implements GrowingFile {
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
  public Optional<FileChannel> file() {
    return Optional.of(channel);
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
  public void close() throws IOException {
    channel.close();
  }
}
