package dev.hoist.storage;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;

/** How a committed blob can be read: the server picks the cheapest way it supports. */
public sealed interface BlobContent {

  long size();

  /** A local file: served with zero-copy file transfer. */
  record LocalFile(Path path, long size) implements BlobContent {}

  /** A stream to copy from, opened lazily (object storage without redirects). */
  record Streamed(long size, Opener opener) implements BlobContent {
    public InputStream open(long offset, long length) throws IOException {
      return opener.open(offset, length);
    }
  }

  /** A URL the client may fetch directly (a presigned object-storage URL). */
  record Redirect(URI location, long size) implements BlobContent {}

  /** Opens a byte range of a blob. */
  @FunctionalInterface
  interface Opener {
    InputStream open(long offset, long length) throws IOException;
  }
}
