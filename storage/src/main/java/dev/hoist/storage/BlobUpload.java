package dev.hoist.storage;

import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestMismatchException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * Bytes of one blob being uploaded. Not thread-safe: one writer at a time (the registry serialises
 * requests of one upload session).
 */
public interface BlobUpload {

  String id();

  /** Bytes received so far, which is also the offset the next write appends at. */
  long size();

  /** Appends the buffer's remaining bytes. */
  void write(ByteBuffer bytes) throws IOException;

  /** Appends everything the stream yields; returns how many bytes were appended. */
  long write(InputStream in) throws IOException;

  /**
   * Verifies the bytes against {@code expected} (and {@code expectedSize} when it is not -1), makes
   * them durable and moves them into the blob store atomically. On a mismatch nothing is stored,
   * the upload's bytes are discarded and {@link DigestMismatchException} is thrown. When the blob
   * already exists the bytes are simply discarded (same digest, same content).
   */
  void commit(Digest expected, long expectedSize) throws IOException;

  /** Discards the upload's bytes. */
  void cancel() throws IOException;
}
