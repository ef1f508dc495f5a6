package dev.hoist.repository;

import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import java.io.IOException;
import java.util.Optional;

/**
 * A repository decorator that sees every manifest and blob a client gets (quotas, use times) and
 * passes everything else on. Subclasses override {@link #get(ManifestReference, boolean)} and
 * {@link #get(Digest, boolean)}; by default both pass on too.
 */
public abstract class ContentDecorator
    implements Repository, Repository.Manifests, Repository.Blobs {
  protected final Repository delegate;

  protected ContentDecorator(Repository delegate) {
    this.delegate = delegate;
  }

  @Override
  public final RepositoryName name() {
    return delegate.name();
  }

  @Override
  public final Optional<Origin> origin() {
    return delegate.origin();
  }

  @Override
  public final Manifests manifests() {
    return this;
  }

  @Override
  public final Blobs blobs() {
    return this;
  }

  @Override
  public final Tags tags() {
    return delegate.tags();
  }

  @Override
  public final Referrers referrers() {
    return delegate.referrers();
  }

  @Override
  public final Writer writer() {
    return delegate.writer();
  }

  @Override
  public Content get(ManifestReference reference, boolean head) throws IOException {
    return delegate.manifests().get(reference, head);
  }

  @Override
  public Content get(Digest digest, boolean head) throws IOException {
    return delegate.blobs().get(digest, head);
  }
}
