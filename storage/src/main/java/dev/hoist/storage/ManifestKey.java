package dev.hoist.storage;

import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import java.util.Objects;

/** A manifest of one repository. */
public record ManifestKey(RepositoryName repository, Digest digest) {
  public ManifestKey {
    Objects.requireNonNull(repository, "repository");
    Objects.requireNonNull(digest, "digest");
  }
}
