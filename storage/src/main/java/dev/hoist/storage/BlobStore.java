package dev.hoist.storage;

import dev.hoist.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Content-addressable blob bytes, shared by all repositories (which repository may read which blob
 * is {@link MetadataStore}'s business, through blob links).
 */
public interface BlobStore {

  /** The size of a committed blob, or empty when the store does not have it. */
  Optional<Long> size(Digest digest) throws IOException;

  /** How to read a committed blob, or empty when the store does not have it. */
  Optional<BlobContent> open(Digest digest) throws IOException;

  /**
   * Starts an upload whose bytes are kept under {@code id} until committed or cancelled. The id is
   * chosen by the caller (a random UUID) and must match {@code [A-Za-z0-9-]{1,64}}.
   */
  BlobUpload startUpload(String id) throws IOException;

  /** Reopens an upload started earlier, possibly before a restart; empty if it is gone. */
  Optional<BlobUpload> resumeUpload(String id) throws IOException;

  /** Removes an upload's bytes; no error when it is already gone. */
  void cancelUpload(String id) throws IOException;

  /** Writes a whole blob whose digest is known, verifying it; for manifests and small blobs. */
  default void put(Digest digest, byte[] content) throws IOException {
    BlobUpload upload = startUpload(java.util.UUID.randomUUID().toString());
    try {
      upload.write(java.nio.ByteBuffer.wrap(content));
      upload.commit(digest, content.length);
    } catch (IOException | RuntimeException e) {
      upload.cancel();
      throw e;
    }
  }

  /**
   * Moves a local file whose bytes were already verified to have {@code digest} (and {@code size},
   * unless it is -1) into the store. On success the file is gone (moved or deleted); on failure it
   * may remain and the caller deletes it. Idempotent: when the blob exists the file is deleted.
   *
   * <p>This default streams the file through an upload, which verifies it again, then deletes it; a
   * store that can adopt the file in place (a rename on the same filesystem) overrides it.
   */
  default void importFile(Digest digest, long size, Path file) throws IOException {
    if (size(digest).isPresent()) {
      Files.deleteIfExists(file);
      return;
    }
    BlobUpload upload = startUpload(java.util.UUID.randomUUID().toString());
    try {
      try (InputStream in = Files.newInputStream(file)) {
        upload.write(in);
      }
      upload.commit(digest, size);
    } catch (IOException | RuntimeException e) {
      upload.cancel();
      throw e;
    }
    Files.deleteIfExists(file);
  }

  /**
   * Every committed blob, with its size and when its bytes were stored, in no set order; the caller
   * closes the stream. For repairs only (bytes no record names, left by a crash between forgetting
   * a blob and deleting it): every decision about what to keep comes from metadata.
   */
  java.util.stream.Stream<StoredFile> list() throws IOException;

  /** A committed blob as the store lists it. */
  record StoredFile(Digest digest, long size, java.time.Instant stored) {}

  /** Deletes a committed blob; returns whether it existed. */
  boolean delete(Digest digest) throws IOException;

  /**
   * Takes a committed blob whose bytes were found not to match its digest out of service: they are
   * moved aside (where, the implementation documents), kept for inspection and never served again;
   * afterwards the store has no such blob, as after {@link #delete}, and can store it again.
   *
   * <p>The bytes are checked once more after they were moved, where nothing can replace them: bytes
   * that do match (a good copy committed since the caller read a bad one, or a read that failed
   * only once) are put back, so a quarantine never takes a good blob out of service. A crash at any
   * point leaves the bytes either in place or aside, never lost.
   *
   * @return whether bad bytes were moved aside; false when the store has no such blob or its bytes
   *     match the digest
   */
  boolean quarantine(Digest digest) throws IOException;

  /**
   * Fails, saying why, unless the store can be used now (its directories, its bucket): what a
   * readiness check asks. Cheap enough to call every few seconds. The default finds nothing wrong.
   */
  default void checkAccess() throws IOException {}
}
