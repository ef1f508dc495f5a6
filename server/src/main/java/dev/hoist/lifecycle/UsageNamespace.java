package dev.hoist.lifecycle;

import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.repository.Content;
import dev.hoist.repository.ContentDecorator;
import dev.hoist.repository.ManifestReference;
import dev.hoist.repository.Namespace;
import dev.hoist.repository.Repository;
import dev.hoist.repository.RepositoryRequest;
import java.io.IOException;
import java.util.List;

/**
 * Use times as a decorator of the namespace: every manifest or blob a client gets (or checks with
 * HEAD, as a push does before it skips an upload) is noted, so that eviction removes the least
 * recently pulled images and garbage collection spares a blob a push is about to reference.
 */
final class UsageNamespace implements Namespace {
  private final Namespace delegate;
  private final UsageRecorder usage;

  UsageNamespace(Namespace delegate, UsageRecorder usage) {
    this.delegate = delegate;
    this.usage = usage;
  }

  @Override
  public Repository repository(RepositoryRequest request) {
    return new Used(delegate.repository(request), usage);
  }

  @Override
  public List<RepositoryName> repositories(RepositoryName last, int limit) {
    return delegate.repositories(last, limit);
  }

  /** A repository whose reads are noted. */
  private static final class Used extends ContentDecorator {
    private final UsageRecorder usage;

    Used(Repository delegate, UsageRecorder usage) {
      super(delegate);
      this.usage = usage;
    }

    @Override
    public Content get(ManifestReference reference, boolean head) throws IOException {
      Content content = delegate.manifests().get(reference, head);
      usage.manifestPulled(content.digest());
      return content;
    }

    @Override
    public Content get(Digest digest, boolean head) throws IOException {
      Content content = delegate.blobs().get(digest, head);
      usage.blobPulled(digest);
      return content;
    }
  }
}
