package dev.hoist.repository;

import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestMismatchException;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.OciException;
import dev.hoist.oci.RepositoryName;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.BlobUpload;
import dev.hoist.storage.MetadataStore;
import dev.hoist.storage.UploadSession;
import java.io.IOException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upload sessions in this node's stores. An upload this node has open is kept, so that its running
 * digest is not recomputed for every chunk, while its size is the one recorded; after a restart, or
 * when another node of a cluster wrote to it since, it is resumed from the store.
 */
final class LocalUploads implements UploadJanitor {
  private static final Logger log = LoggerFactory.getLogger(LocalUploads.class);
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9-]{1,64}");

  private final BlobStore blobs;
  private final MetadataStore metadata;
  private final InstantSource clock;
  private final Map<String, BlobUpload> open = new ConcurrentHashMap<>();

  LocalUploads(BlobStore blobs, MetadataStore metadata, InstantSource clock) {
    this.blobs = blobs;
    this.metadata = metadata;
    this.clock = clock;
  }

  /** The sessions of one repository. */
  Uploads of(RepositoryName repository) {
    return new Uploads() {
      @Override
      public BlobUpload create() throws IOException {
        return LocalUploads.this.create(repository);
      }

      @Override
      public Progress open(String id) throws IOException {
        return LocalUploads.this.open(repository, id);
      }

      @Override
      public void touch(String id, long size) {
        LocalUploads.this.touch(id, size);
      }

      @Override
      public long complete(String id, BlobUpload upload, Digest digest) throws IOException {
        return LocalUploads.this.complete(repository, id, upload, digest);
      }

      @Override
      public void cancel(String id) throws IOException {
        LocalUploads.this.cancel(repository, id);
      }

      @Override
      public void end(String id) throws IOException {
        deleteRecord(id);
        discardBytes(id);
      }

      @Override
      public void forget(String id) {
        open.remove(id);
      }
    };
  }

  private BlobUpload create(RepositoryName repository) throws IOException {
    String id = UUID.randomUUID().toString();
    BlobUpload upload = blobs.startUpload(id);
    Instant now = clock.instant();
    try {
      metadata.write(
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

  private Uploads.Progress open(RepositoryName repository, String id) throws IOException {
    if (!ID.matcher(id).matches()) {
      throw unknown(id);
    }
    UploadSession session = metadata.read(tx -> tx.upload(id)).orElse(null);
    if (session == null || !session.repository().equals(repository)) {
      throw unknown(id);
    }
    BlobUpload upload = open.get(id);
    if (upload != null && upload.size() != session.size()) {
      // Another node of a cluster wrote to this upload since (or a write here was not recorded):
      // the handle's running state is stale, the store knows what the upload holds.
      open.remove(id);
      upload = null;
    }
    if (upload == null) {
      upload = blobs.resumeUpload(id).orElse(null);
      if (upload == null) {
        log.warn("upload session without bytes, removing it: id={}", id);
        deleteRecord(id);
        throw unknown(id);
      }
      open.put(id, upload);
    }
    return new Uploads.Progress(upload, upload.size());
  }

  private void touch(String id, long size) {
    Instant now = clock.instant();
    metadata.write(
        tx -> {
          tx.updateUpload(id, size, now);
          return null;
        });
  }

  private long complete(RepositoryName repository, String id, BlobUpload upload, Digest digest)
      throws IOException {
    long size = upload.size();
    open.remove(id);
    try {
      upload.commit(digest, -1);
    } catch (DigestMismatchException e) {
      deleteRecord(id);
      discardBytes(id);
      throw e;
    }
    metadata.write(
        tx -> {
          tx.linkBlob(repository, digest, size);
          tx.deleteUpload(id);
          return null;
        });
    return size;
  }

  private void cancel(RepositoryName repository, String id) throws IOException {
    if (!ID.matcher(id).matches()) {
      throw unknown(id);
    }
    boolean deleted =
        metadata.write(
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

  @Override
  public List<String> staleSessions(Instant cutoff, int limit) {
    return metadata.read(tx -> tx.uploadsUpdatedBefore(cutoff, limit)).stream()
        .map(UploadSession::id)
        .toList();
  }

  @Override
  public boolean purge(String id, Instant cutoff) throws IOException {
    boolean stale =
        metadata.write(
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

  /** How many sessions this node holds open, for tests. */
  int openCount() {
    return open.size();
  }

  private void deleteRecord(String id) {
    metadata.write(tx -> tx.deleteUpload(id));
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
    blobs.cancelUpload(id);
  }

  private static OciException unknown(String id) {
    return new OciException(
        ErrorCode.BLOB_UPLOAD_UNKNOWN,
        "blob upload unknown to registry",
        OciException.detail("id", id.length() > 300 ? id.substring(0, 297) + "..." : id));
  }
}
