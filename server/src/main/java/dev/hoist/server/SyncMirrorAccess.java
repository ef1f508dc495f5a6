package dev.hoist.server;

import dev.hoist.client.RegistryClient;
import dev.hoist.mirror.Mirror;
import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.repository.Namespace;
import dev.hoist.repository.RepositoryRequest;
import dev.hoist.sync.MirrorAccess;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Optional;

/** The mirror as sync needs it, so that sync never depends on the mirror package. */
record SyncMirrorAccess(Mirror mirror, Namespace namespace) implements MirrorAccess {

  @Override
  public Optional<RegistryClient> client(String upstream) {
    return mirror.upstreamClient(upstream);
  }

  @Override
  public InputStream cachedBlob(String upstream, RepositoryName repository, Digest digest)
      throws IOException {
    return mirror.openBlob(upstream, repository, digest);
  }

  @Override
  public Optional<RepositoryName> cacheName(String upstream, RepositoryName repository) {
    return mirror.cacheName(upstream, repository);
  }

  @Override
  public Duration freshFor(RepositoryName cacheName, Tag tag) {
    return mirror.freshFor(cacheName, tag);
  }

  @Override
  public boolean isLocal(RepositoryName name) {
    return namespace.repository(RepositoryRequest.internal(name)).origin().isEmpty();
  }
}
