package dev.hoist.oci;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * Passes a stream through while hashing it, and turns its end into a {@link
 * DigestMismatchException} unless the content matched the expected digest (and size, when known).
 * Reading beyond the expected size fails at once. So a reader that reaches a clean end of stream
 * ({@code -1}) has seen exactly the expected bytes; a failure is sticky and repeats on every later
 * read.
 *
 * <p>The check happens at end of stream: a reader that stops early (or only closes) has verified
 * nothing, see {@link #verified()}.
 */
public final class VerifyingInputStream extends DigestStream {
  private final Digest expected;
  private final long expectedSize;

  /** Verifies {@code in} against {@code expected}, size unknown. */
  public VerifyingInputStream(InputStream in, Digest expected) {
    this(in, expected, -1);
  }

  /** Verifies {@code in} against {@code expected} and {@code expectedSize} (-1 if unknown). */
  public VerifyingInputStream(InputStream in, Digest expected, long expectedSize) {
    super(in, Digester.of(Objects.requireNonNull(expected, "expected")));
    if (expectedSize < -1) {
      throw new IllegalArgumentException("expected size must be -1 (unknown) or >= 0");
    }
    this.expected = expected;
    this.expectedSize = expectedSize;
  }

  public Digest expected() {
    return expected;
  }

  /** Bytes read so far. */
  public long bytes() {
    return digester.bytes();
  }

  /** Whether the stream was read to its end and matched. */
  public boolean verified() {
    return atEof();
  }

  @Override
  void afterChunk(long total) throws IOException {
    if (expectedSize >= 0 && total > expectedSize) {
      throw new DigestMismatchException(expected, null, expectedSize, total);
    }
  }

  @Override
  void atEnd() throws IOException {
    Digest actual = digester.digest();
    long total = digester.bytes();
    if ((expectedSize >= 0 && total != expectedSize) || !actual.equals(expected)) {
      throw new DigestMismatchException(expected, actual, expectedSize, total);
    }
  }
}
