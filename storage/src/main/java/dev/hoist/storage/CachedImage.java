package dev.hoist.storage;

import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import java.time.Instant;
import java.util.Objects;

/**
 * The unit of cache eviction: a manifest of a cache repository that no other manifest there
 * references (an image manifest, or an index with its children), and when it was last pulled.
 */
public record CachedImage(RepositoryName repository, Digest digest, Instant used) {
  public CachedImage {
    Objects.requireNonNull(repository, "repository");
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(used, "used");
  }
}
