package dev.hoist.client;

import dev.hoist.oci.Digest;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * A blob being downloaded: a stream of its bytes from {@link #offset()} on, read straight from the
 * connection through a small buffer. Close it (or read it to its end) to release the connection.
 *
 * <p>From offset 0 the stream verifies the content while it is read: the read that would return end
 * of stream throws a {@link dev.hoist.oci.DigestMismatchException} instead when the bytes (or their
 * number) are wrong, so a reader that sees {@code -1} has exactly the blob. From a later offset the
 * client has not seen the earlier bytes and cannot verify ({@link #verifying()} is false): the
 * caller, who holds them, must check the digest of the whole.
 *
 * <p>A read that waits longer than the idle read timeout fails with an {@code IOException}; a
 * connection that ends early does too. Resume with {@code getBlob(repository, digest, bytesSoFar)}.
 */
public final class BlobResponse implements Closeable {
  private final Digest digest;
  private final long offset;
  private final long contentLength;
  private final long totalSize;
  private final boolean verifying;
  private final InputStream stream;

  BlobResponse(
      Digest digest,
      long offset,
      long contentLength,
      long totalSize,
      boolean verifying,
      InputStream stream) {
    this.digest = digest;
    this.offset = offset;
    this.contentLength = contentLength;
    this.totalSize = totalSize;
    this.verifying = verifying;
    this.stream = stream;
  }

  public Digest digest() {
    return digest;
  }

  /** Where in the blob the stream starts. */
  public long offset() {
    return offset;
  }

  /** How many bytes the stream holds (from the offset to the end), or -1 if not known. */
  public long contentLength() {
    return contentLength;
  }

  /** The whole blob's size, or -1 if not known. */
  public long totalSize() {
    return totalSize;
  }

  /** Whether the stream checks the digest at its end (only when it starts at offset 0). */
  public boolean verifying() {
    return verifying;
  }

  /** The bytes; one stream per response, to be read once. */
  public InputStream stream() {
    return stream;
  }

  @Override
  public void close() throws IOException {
    stream.close();
  }

  @Override
  public String toString() {
    return "BlobResponse[" + digest + " from " + offset + ", " + contentLength + " bytes]";
  }
}
