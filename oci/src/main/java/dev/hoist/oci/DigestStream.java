package dev.hoist.oci;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The shared engine of {@link VerifyingInputStream} and {@link DigestingInputStream}: every byte
 * handed to the caller passes through the digester, including bytes skipped, and mark/reset is
 * refused because replaying bytes would hash them twice.
 */
abstract class DigestStream extends FilterInputStream {
  private static final int SKIP_BUFFER_SIZE = 8 * 1024;

  final Digester digester;
  private boolean eof;
  private @Nullable IOException failure;

  DigestStream(InputStream in, Digester digester) {
    super(Objects.requireNonNull(in, "in"));
    this.digester = digester;
  }

  /** Called after each chunk is hashed, with the running total; may fail the stream. */
  void afterChunk(long total) throws IOException {}

  /** Called once at the underlying stream's end; may fail the stream instead of ending it. */
  abstract void atEnd() throws IOException;

  final boolean atEof() {
    return eof;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n;
    do {
      n = read(one, 0, 1);
    } while (n == 0);
    return n == -1 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (failure != null) {
      throw failure;
    }
    if (eof) {
      return -1;
    }
    if (len == 0) {
      return 0;
    }
    try {
      int n = in.read(b, off, len);
      if (n == -1) {
        atEnd();
        eof = true;
        return -1;
      }
      digester.update(b, off, n);
      afterChunk(digester.bytes());
      return n;
    } catch (DigestMismatchException e) {
      // Sticky: a caller that catches and reads again must not then see a clean end.
      failure = e;
      throw e;
    }
  }

  @Override
  public long skip(long n) throws IOException {
    if (n <= 0) {
      return 0;
    }
    byte[] buf = new byte[(int) Math.min(n, SKIP_BUFFER_SIZE)];
    long skipped = 0;
    while (skipped < n) {
      int r = read(buf, 0, (int) Math.min(buf.length, n - skipped));
      if (r == -1) {
        break;
      }
      skipped += r;
    }
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  @Override
  public synchronized void mark(int readlimit) {}

  @Override
  public synchronized void reset() throws IOException {
    throw new IOException("mark/reset is not supported by a digesting stream");
  }
}
