package dev.hoist.storage;

import dev.hoist.oci.RepositoryName;
import java.time.Instant;
import java.util.Objects;

/**
 * An upload in progress. Its bytes live in {@link BlobStore} under the same id; this record lets a
 * session survive a restart and be purged when abandoned.
 */
public record UploadSession(
    String id, RepositoryName repository, long size, Instant started, Instant updated) {

  public UploadSession {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(repository, "repository");
    Objects.requireNonNull(started, "started");
    Objects.requireNonNull(updated, "updated");
  }
}
