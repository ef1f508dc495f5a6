package dev.hoist.client.copy;

import dev.hoist.client.ManifestResponse;
import dev.hoist.client.RegistryClient;
import dev.hoist.client.RegistryException;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.RepositoryName;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * A registry as a source, through a {@link RegistryClient} (so its auth, retries and circuit
 * breaker apply), every request passing through a {@link RequestGate}.
 */
public final class RegistrySource implements ImageSource {
  private final RegistryClient client;
  private final RequestGate budget;

  public RegistrySource(RegistryClient client, RequestGate budget) {
    this.client = client;
    this.budget = budget;
  }

  public RegistrySource(RegistryClient client) {
    this(client, RequestGate.NONE);
  }

  @Override
  public Optional<Digest> resolve(RepositoryName repository, String tag)
      throws IOException, RegistryException {
    try (RequestGate.Permit p = budget.acquire()) {
      return client.headManifest(repository, tag).map(ManifestResponse::digest);
    }
  }

  @Override
  public Fetched manifest(RepositoryName repository, Digest digest)
      throws IOException, RegistryException {
    try (RequestGate.Permit p = budget.acquire()) {
      ManifestResponse r =
          client.getManifest(repository, digest.toString(), MediaTypes.MANIFEST_TYPES);
      return new Fetched(r.bytes(), r.mediaType());
    }
  }

  @Override
  public InputStream blob(RepositoryName repository, Digest digest)
      throws IOException, RegistryException {
    RequestGate.Permit p = budget.acquire();
    try {
      InputStream in = client.getBlob(repository, digest, 0).stream();
      // The concurrency slot is held until the body has been read.
      return new FilterInputStream(in) {
        @Override
        public void close() throws IOException {
          try {
            super.close();
          } finally {
            p.close();
          }
        }
      };
    } catch (RegistryException | RuntimeException e) {
      p.close();
      throw e;
    }
  }

  @Override
  public List<String> tags(RepositoryName repository) throws IOException, RegistryException {
    try (RequestGate.Permit p = budget.acquire()) {
      return client.tags(repository);
    }
  }
}
