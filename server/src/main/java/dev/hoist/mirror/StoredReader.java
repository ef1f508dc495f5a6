package dev.hoist.mirror;

import dev.hoist.storage.GrowingFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Optional;

/**
 * A reader that arrived after the fill committed its blob to a store that is no local filesystem:
 * every byte is there, read from the store's stream.
 */
final class StoredReader implements GrowingFile {
  private final InputStream in;
  private final long end;
  private boolean open = true;

  StoredReader(InputStream in, long offset, long end) {
    this.in = in;
    this.end = end;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (!dst.hasRemaining()) {
      return 0;
    }
    if (dst.hasArray()) {
      int n = in.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
      if (n > 0) {
        dst.position(dst.position() + n);
      }
      return n;
    }
    byte[] chunk = new byte[Math.min(dst.remaining(), 64 * 1024)];
    int n = in.read(chunk);
    if (n > 0) {
      dst.put(chunk, 0, n);
    }
    return n;
  }

  @Override
  public Optional<FileChannel> file() {
    return Optional.empty();
  }

  @Override
  public long readableNow() {
    return end;
  }

  @Override
  public long awaitReadable(long position) {
    return end;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void close() throws IOException {
    open = false;
    in.close();
  }
}
