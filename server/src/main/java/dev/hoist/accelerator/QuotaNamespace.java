package dev.hoist.accelerator;

import dev.hoist.oci.Digest;
import dev.hoist.oci.OciException;
import dev.hoist.oci.RepositoryName;
import dev.hoist.repository.Content;
import dev.hoist.repository.ContentDecorator;
import dev.hoist.repository.ManifestReference;
import dev.hoist.repository.Namespace;
import dev.hoist.repository.Repository;
import dev.hoist.repository.RepositoryRequest;
import dev.hoist.repository.TransferGate;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Traffic quotas as a decorator of the namespace: a request that carries a tenant's {@link
 * TransferGate} (set by the accelerator's pipeline stage) is refused content once the tenant is
 * over its quota, before anything is looked up or fetched from an upstream (a Docker daemon then
 * falls back to the origin at once); content it may have goes out through the gate, which reserves
 * its exact length before the body is sent. Requests of no tenant pass through untouched.
 */
public final class QuotaNamespace implements Namespace {
  private final Namespace delegate;

  public QuotaNamespace(Namespace delegate) {
    this.delegate = delegate;
  }

  @Override
  public Repository repository(RepositoryRequest request) {
    Repository repository = delegate.repository(request);
    TransferGate gate = request.gate();
    return gate == TransferGate.UNLIMITED ? repository : new Metered(repository, gate);
  }

  @Override
  public List<RepositoryName> repositories(RepositoryName last, int limit) {
    return delegate.repositories(last, limit);
  }

  /** A repository whose content goes through a tenant's gate. */
  private static final class Metered extends ContentDecorator {
    private final TransferGate gate;

    Metered(Repository delegate, TransferGate gate) {
      super(delegate);
      this.gate = gate;
    }

    @Override
    public Content get(ManifestReference reference, boolean head) throws IOException {
      admit(head);
      return delegate.manifests().get(reference, head).withGate(gate);
    }

    @Override
    public Content get(Digest digest, boolean head) throws IOException {
      admit(head);
      return delegate.blobs().get(digest, head).withGate(gate);
    }

    /** A GET of content by a tenant over its quota is refused before anything is looked up. */
    private void admit(boolean head) {
      if (!head) {
        Optional<OciException> refusal = gate.admitRequest();
        if (refusal.isPresent()) {
          throw refusal.get();
        }
      }
    }
  }
}
