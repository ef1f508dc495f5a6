package dev.hoist.mirror;

import dev.hoist.oci.RepositoryName;
import dev.hoist.repository.Namespace;
import dev.hoist.repository.Repository;
import dev.hoist.repository.RepositoryRequest;
import java.util.List;
import java.util.Optional;

/**
 * The mirror as a decorator of the namespace: a name {@link MirrorRouting} routes to an upstream is
 * a {@link MirroredRepository}; every other name is the decorated namespace's.
 */
final class MirroringNamespace implements Namespace {
  private final Namespace local;
  private final MirrorRouting routing;
  private final MirrorParts parts;

  MirroringNamespace(Namespace local, MirrorRouting routing, MirrorParts parts) {
    this.local = local;
    this.routing = routing;
    this.parts = parts;
  }

  @Override
  public Repository repository(RepositoryRequest request) {
    Optional<Repository.Origin> origin = routing.route(request.name(), request.namespace());
    if (origin.isEmpty()) {
      return local.repository(request);
    }
    return new MirroredRepository(request.name(), origin.get(), parts);
  }

  @Override
  public List<RepositoryName> repositories(RepositoryName last, int limit) {
    return local.repositories(last, limit);
  }
}
