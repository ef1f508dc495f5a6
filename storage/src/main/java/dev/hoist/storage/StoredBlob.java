package dev.hoist.storage;

import dev.hoist.oci.Digest;
import java.time.Instant;
import java.util.Objects;

/**
 * What the metadata store knows of a blob in the {@link BlobStore}: its size and when it was last
 * used (linked, stored or served; recorded in batches, so a little late).
 */
public record StoredBlob(Digest digest, long size, Instant used) {
  public StoredBlob {
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(used, "used");
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative: " + size);
    }
  }
}
