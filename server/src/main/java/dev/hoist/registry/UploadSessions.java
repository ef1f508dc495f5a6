package dev.hoist.registry;

import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestMismatchException;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.RepositoryName;
import dev.hoist.storage.BlobUpload;
import dev.hoist.storage.UploadSession;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upload sessions: recorded in {@link dev.hoist.storage.MetadataStore} (so they survive a restart),
 * their bytes in {@link dev.hoist.storage.BlobStore} under the same id.
 *
 * <p>Requests to one session run one at a time ({@link #locked}); the blocking methods here are
 * called on a worker thread while holding that session's turn. An upload this node has open is
 * kept, so that its running digest is not recomputed for every chunk; after a restart it is resumed
 * from the store.
 */
final class UploadSessions {
  private static final Logger log = LoggerFactory.getLogger(UploadSessions.class);
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9-]{1,64}");
  static final int PURGE_BATCH = 1000;

  private final Backend backend;
  private final KeyedSerializer turns = new KeyedSerializer();
  private final Map<String, BlobUpload> open = new ConcurrentHashMap<>();

  UploadSessions(Backend backend) {
    this.backend = backend;
  }

  /** An upload and how many bytes it holds. */
  record Progress(BlobUpload upload, long size) {}

  /** Runs {@code task} when no other request of session {@code id} is running. */
  <T> Future<T> locked(Context context, String id, Supplier<Future<T>> task) {
    return turns.run(context, id, task);
  }

  // The methods below block: call them on a worker thread, inside the session's turn.

  /** Starts a session in {@code repository}. */
  BlobUpload create(RepositoryName repository) throws IOException {
    String id = UUID.randomUUID().toString();
    BlobUpload upload = backend.blobs().startUpload(id);
    Instant now = backend.clock().instant();
    try {
      backend
          .metadata()
          .write(
              tx -> {
                tx.createUpload(new UploadSession(id, repository, 0, now, now));
                return null;
              });
    } catch (RuntimeException e) {
      upload.cancel();
      throw e;
    }
    open.put(id, upload);
    return upload;
  }

  /** The session's upload; BLOB_UPLOAD_UNKNOWN when there is no such session in the repository. */
  Progress get(RepositoryName repository, String id) throws IOException {
    if (!ID.matcher(id).matches()) {
      throw unknown(id);
    }
    UploadSession session = backend.metadata().read(tx -> tx.upload(id)).orElse(null);
    if (session == null || !session.repository().equals(repository)) {
      throw unknown(id);
    }
    BlobUpload upload = open.get(id);
    if (upload == null) {
      upload = backend.blobs().resumeUpload(id).orElse(null);
      if (upload == null) {
        log.warn("upload session without bytes, removing it: id={}", id);
        deleteRecord(id);
        throw unknown(id);
      }
      open.put(id, upload);
    }
    return new Progress(upload, upload.size());
  }

  /** Records that the session received bytes (for the purge of abandoned sessions). */
  void touch(String id, long size) {
    Instant now = backend.clock().instant();
    backend
        .metadata()
        .write(
            tx -> {
              tx.updateUpload(id, size, now);
              return null;
            });
  }

  /**
   * Verifies and commits the upload as {@code digest}, links it in the repository and ends the
   * session. On a mismatch nothing is stored, the session ends, and {@link DigestMismatchException}
   * is thrown.
   */
  long complete(RepositoryName repository, String id, BlobUpload upload, Digest digest)
      throws IOException {
    long size = upload.size();
    open.remove(id);
    try {
      upload.commit(digest, -1);
    } catch (DigestMismatchException e) {
      end(id);
      throw e;
    }
    backend
        .metadata()
        .write(
            tx -> {
              tx.linkBlob(repository, digest, size);
              tx.deleteUpload(id);
              return null;
            });
    return size;
  }

  /** Cancels a session of {@code repository}; BLOB_UPLOAD_UNKNOWN when there is none. */
  void cancel(RepositoryName repository, String id) throws IOException {
    if (!ID.matcher(id).matches()) {
      throw unknown(id);
    }
    boolean deleted =
        backend
            .metadata()
            .write(
                tx -> {
                  UploadSession s = tx.upload(id).orElse(null);
                  if (s == null || !s.repository().equals(repository)) {
                    return false;
                  }
                  return tx.deleteUpload(id);
                });
    if (!deleted) {
      throw unknown(id);
    }
    discardBytes(id);
  }

  /** Ends a session whose client cannot come back to it (a monolithic upload that failed). */
  void end(String id) throws IOException {
    deleteRecord(id);
    discardBytes(id);
  }

  /** Forgets the open upload after a storage failure, so the next request resumes it afresh. */
  void forget(String id) {
    open.remove(id);
  }

  /** Removes sessions untouched since {@code cutoff}; returns how many. */
  Future<Integer> purge(Context context, Instant cutoff) {
    return backend
        .blocking()
        .run(() -> backend.metadata().read(tx -> tx.uploadsUpdatedBefore(cutoff, PURGE_BATCH)))
        .compose(
            stale -> {
              List<Future<Boolean>> each =
                  stale.stream()
                      .map(
                          s ->
                              locked(
                                  context,
                                  s.id(),
                                  () -> backend.blocking().run(() -> purgeOne(s.id(), cutoff))))
                      .toList();
              return Future.join(each)
                  .transform(
                      ar -> {
                        int purged = 0;
                        for (Future<Boolean> f : each) {
                          if (f.succeeded() && f.result()) {
                            purged++;
                          } else if (f.failed()) {
                            log.warn("cannot purge upload session", f.cause());
                          }
                        }
                        return Future.succeededFuture(purged);
                      });
            });
  }

  private boolean purgeOne(String id, Instant cutoff) throws IOException {
    // Checked again in the session's turn: a request may have just touched it.
    boolean stale =
        backend
            .metadata()
            .write(
                tx -> {
                  UploadSession s = tx.upload(id).orElse(null);
                  if (s == null || !s.updated().isBefore(cutoff)) {
                    return false;
                  }
                  return tx.deleteUpload(id);
                });
    if (stale) {
      discardBytes(id);
    }
    return stale;
  }

  private void deleteRecord(String id) {
    backend.metadata().write(tx -> tx.deleteUpload(id));
  }

  private void discardBytes(String id) throws IOException {
    BlobUpload upload = open.remove(id);
    if (upload != null) {
      try {
        upload.cancel();
      } catch (IllegalStateException e) {
        // Already committed or cancelled.
      }
    }
    backend.blobs().cancelUpload(id);
  }

  /** How many sessions this node holds open, for tests. */
  int openCount() {
    return open.size();
  }

  static RuntimeException unknown(String id) {
    return Errors.error(
        ErrorCode.BLOB_UPLOAD_UNKNOWN, "blob upload unknown to registry", "id", Errors.shorten(id));
  }
}
