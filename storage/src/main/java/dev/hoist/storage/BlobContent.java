package dev.hoist.storage;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * How a blob can be read: the server picks the cheapest way each case allows (a switch over this
 * sealed type, never a test of a stream's class).
 */
public sealed interface BlobContent {

  long size();

  /**
   * The bytes from {@code offset} on, as a plain stream; a caller reads at most {@code length} of
   * them. For callers that need the bytes themselves (a prefetch, a copy), not an HTTP response.
   *
   * @throws IOException the bytes cannot be read here (a {@link Redirect})
   */
  InputStream openStream(long offset, long length) throws IOException;

  /** A committed local file: served with zero-copy file transfer. */
  record LocalFile(Path path, long size) implements BlobContent {
    @Override
    public InputStream openStream(long offset, long length) throws IOException {
      FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
      try {
        channel.position(offset);
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
      return Channels.newInputStream(channel);
    }
  }

  /** A stream to copy from, opened lazily (object storage without redirects). */
  record Streamed(long size, Opener opener) implements BlobContent {
    public InputStream open(long offset, long length) throws IOException {
      return opener.open(offset, length);
    }

    @Override
    public InputStream openStream(long offset, long length) throws IOException {
      return open(offset, length);
    }
  }

  /**
   * A local file a mirror fill is still writing: readable as far as the fill has released it (see
   * {@link GrowingFile}), so it too can be served with zero-copy file transfer as it grows.
   */
  record Growing(long size, GrowingFile.Opener opener) implements BlobContent {
    public GrowingFile open(long offset, long length) throws IOException {
      return opener.open(offset, length);
    }

    @Override
    public InputStream openStream(long offset, long length) throws IOException {
      return Channels.newInputStream(open(offset, length));
    }
  }

  /**
   * Bytes held in memory, already checked against their digest (a manifest kept by the node when
   * its blob store is remote): sent from the event loop with no store request.
   */
  @SuppressWarnings("ArrayRecordComponent") // never mutated; equality is not used
  record InMemory(byte[] bytes) implements BlobContent {
    @Override
    public long size() {
      return bytes.length;
    }

    @Override
    public InputStream openStream(long offset, long length) {
      int from = (int) Math.min(offset, bytes.length);
      int count = (int) Math.min(length, bytes.length - from);
      return new ByteArrayInputStream(bytes, from, count);
    }
  }

  /** A URL the client may fetch directly (a presigned object-storage URL). */
  record Redirect(URI location, long size) implements BlobContent {
    @Override
    public InputStream openStream(long offset, long length) throws IOException {
      throw new IOException("the blob is served from " + location + "; it cannot be read here");
    }
  }

  /** Opens a byte range of a blob. */
  @FunctionalInterface
  interface Opener {
    InputStream open(long offset, long length) throws IOException;
  }
}
