package dev.hoist.repository;

import dev.hoist.oci.Digest;
import dev.hoist.storage.BlobUpload;
import java.io.IOException;

/**
 * The blob upload sessions of one repository, recorded in the metadata store (so they survive a
 * restart) with their bytes in the blob store under the same id. Every method blocks; the caller
 * runs one request of a session at a time.
 */
public interface Uploads {

  /** Starts a session. */
  BlobUpload create() throws IOException;

  /** A session's upload; {@code BLOB_UPLOAD_UNKNOWN} when this repository has no such session. */
  Progress open(String id) throws IOException;

  /** Records that the session received bytes (for the purge of abandoned sessions). */
  void touch(String id, long size);

  /**
   * Verifies and commits the upload as {@code digest}, links it in the repository and ends the
   * session. On a mismatch nothing is stored, the session ends, and {@link
   * dev.hoist.oci.DigestMismatchException} is thrown. Returns the blob's size.
   */
  long complete(String id, BlobUpload upload, Digest digest) throws IOException;

  /** Cancels a session; {@code BLOB_UPLOAD_UNKNOWN} when there is none. */
  void cancel(String id) throws IOException;

  /** Ends a session whose client cannot come back to it (a monolithic upload that failed). */
  void end(String id) throws IOException;

  /** Forgets the open upload after a storage failure, so the next request resumes it afresh. */
  void forget(String id);

  /** An upload and how many bytes it holds. */
  record Progress(BlobUpload upload, long size) {}
}
