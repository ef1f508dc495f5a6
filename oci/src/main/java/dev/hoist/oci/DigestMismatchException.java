package dev.hoist.oci;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Content did not match the digest (or size) it was promised to have. An {@link IOException} so
 * that code copying a stream fails the same way it would on a broken connection, and nothing
 * downstream mistakes the content for complete.
 */
public final class DigestMismatchException extends IOException {
  private static final long serialVersionUID = 1L;

  private final Digest expected;
  private final @Nullable Digest actual;
  private final long expectedSize;
  private final long actualSize;

  /**
   * @param expected the digest the content should have
   * @param actual the digest it had, or null when reading stopped before all of it was seen
   * @param expectedSize the size it should have, or -1 if unknown
   * @param actualSize how many bytes were seen
   */
  public DigestMismatchException(
      Digest expected, @Nullable Digest actual, long expectedSize, long actualSize) {
    super(message(expected, actual, expectedSize, actualSize));
    this.expected = Objects.requireNonNull(expected, "expected");
    this.actual = actual;
    this.expectedSize = expectedSize;
    this.actualSize = actualSize;
  }

  public Digest expected() {
    return expected;
  }

  /** The digest of the content, empty when it is not known (reading stopped at a size overrun). */
  public Optional<Digest> actual() {
    return Optional.ofNullable(actual);
  }

  /** The size the content should have had, or -1 if it was not known. */
  public long expectedSize() {
    return expectedSize;
  }

  /** How many bytes were seen; more than {@link #expectedSize()} when the content overran it. */
  public long actualSize() {
    return actualSize;
  }

  /** Whether the size, rather than only the digest, was wrong. */
  public boolean sizeMismatch() {
    return expectedSize >= 0 && expectedSize != actualSize;
  }

  private static String message(
      Digest expected, @Nullable Digest actual, long expectedSize, long size) {
    if (expectedSize >= 0 && size > expectedSize) {
      return "content of " + expected + " is longer than the expected " + expectedSize + " bytes";
    }
    if (expectedSize >= 0 && size < expectedSize) {
      return "content of "
          + expected
          + " ended after "
          + size
          + " of the expected "
          + expectedSize
          + " bytes";
    }
    return "digest mismatch: expected " + expected + ", got " + actual + " (" + size + " bytes)";
  }
}
