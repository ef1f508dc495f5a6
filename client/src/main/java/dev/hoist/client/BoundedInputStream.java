package dev.hoist.client;

import java.io.IOException;
import java.io.InputStream;

/**
 * The next {@code limit} bytes of a stream, for one chunk of a chunked upload; ends early only if
 * the stream does, and never closes it.
 */
final class BoundedInputStream extends InputStream {
  private final InputStream in;
  private long remaining;

  BoundedInputStream(InputStream in, long limit) {
    this.in = in;
    this.remaining = limit;
  }

  @Override
  public int read() throws IOException {
    if (remaining <= 0) {
      return -1;
    }
    int b = in.read();
    if (b >= 0) {
      remaining--;
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (remaining <= 0) {
      return -1;
    }
    int n = in.read(b, off, (int) Math.min(len, remaining));
    if (n > 0) {
      remaining -= n;
    }
    return n;
  }

  @Override
  public void close() {
    // the caller owns the underlying stream
  }
}
