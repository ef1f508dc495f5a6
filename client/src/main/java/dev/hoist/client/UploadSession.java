package dev.hoist.client;

import dev.hoist.oci.RepositoryName;
import java.net.URI;
import java.util.Objects;

/**
 * A blob upload the registry has opened ({@code 202} to {@code POST /v2/<name>/blobs/uploads/}):
 * where to send the content. Single use: give it to one {@code pushBlob}.
 */
public final class UploadSession {
  private final RepositoryName repository;
  private final URI location;

  UploadSession(RepositoryName repository, URI location) {
    this.repository = Objects.requireNonNull(repository, "repository");
    this.location = Objects.requireNonNull(location, "location");
  }

  public RepositoryName repository() {
    return repository;
  }

  /** The upload URL, resolved against the registry. */
  public URI location() {
    return location;
  }

  @Override
  public String toString() {
    return "UploadSession[" + repository + "]";
  }
}
