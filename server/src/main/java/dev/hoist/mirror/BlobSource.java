package dev.hoist.mirror;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * Where a {@link BlobFills fill} gets a blob's bytes: one upstream blob, opened at an offset so a
 * transfer that broke can resume. Implemented over the registry client; failures of the upstream
 * request arrive as {@link UpstreamException}.
 */
@FunctionalInterface
interface BlobSource {

  /**
   * Requests the blob's bytes from {@code offset} on. Returns once the upstream answered with
   * headers; the body is read from the returned stream.
   *
   * @throws UpstreamException when the upstream refused (404 {@code BLOB_UNKNOWN}, 401, 5xx…)
   * @throws IOException when it could not be reached
   */
  SourceStream open(long offset) throws IOException;

  /**
   * An upstream answer: the whole blob's size ({@code -1} if the upstream did not say) and a stream
   * positioned at the requested offset. Closing it releases the connection.
   */
  record SourceStream(long totalSize, InputStream body) implements Closeable {
    public SourceStream {
      if (totalSize < -1) {
        throw new IllegalArgumentException("totalSize must be -1 (unknown) or >= 0");
      }
      Objects.requireNonNull(body, "body");
    }

    @Override
    public void close() throws IOException {
      body.close();
    }
  }
}
