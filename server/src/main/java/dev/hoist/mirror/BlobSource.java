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
   * Called once every byte was verified, before the fill stores the blob: whether another node (the
   * one whose fill this source streamed from) has stored it, so that this fill need not store it
   * again. May wait, briefly, for that node's commit.
   */
  default boolean storedElsewhere() {
    return false;
  }

  /** Called once when the fill ends, whatever its outcome: a cluster source gives up its lease. */
  default void fillEnded() {}

  /**
   * Thrown by {@link #open} at offset 0 when the blob was stored meanwhile (by another node): the
   * fill ends as if the store had had it when it began.
   */
  final class StoredMeanwhile extends IOException {
    private static final long serialVersionUID = 1L;

    StoredMeanwhile(String message) {
      super(message);
    }
  }

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
