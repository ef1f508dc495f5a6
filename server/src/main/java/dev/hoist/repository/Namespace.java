package dev.hoist.repository;

import dev.hoist.oci.RepositoryName;
import java.util.List;

/**
 * Where the registry finds its repositories: the one facade every {@code /v2/} handler works
 * through. {@link LocalNamespace} keeps repositories in this node's stores; decorators assembled
 * once in the composition root add the rest (the mirror, which serves names of upstream registries,
 * and the accelerator's quotas), so that a handler never knows which of them answered.
 */
public interface Namespace {

  /**
   * The repository a request addresses. Cheap and non-blocking: nothing is read until the
   * repository is asked for content.
   *
   * @throws dev.hoist.oci.OciException to refuse the request (e.g. a {@code ?ns=} naming a registry
   *     that is not mirrored)
   */
  Repository repository(RepositoryRequest request);

  /**
   * Repository names held here in lexical order, after {@code last} (exclusive, may be null), at
   * most {@code limit}: the catalog. Blocks.
   */
  List<RepositoryName> repositories(RepositoryName last, int limit);
}
