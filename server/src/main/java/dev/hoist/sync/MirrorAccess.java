package dev.hoist.sync;

import dev.hoist.client.RegistryClient;
import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Optional;

/**
 * What sync needs of the mirror, wired by the composition root: the mirror's own upstream clients
 * (so sync shares their circuit breakers and token caches), and its freshness policy.
 */
public interface MirrorAccess {

  /** The registry client of a configured upstream, or empty when it is not configured. */
  Optional<RegistryClient> client(String upstream);

  /**
   * A blob of an upstream repository read through the mirror's cache: from its store, or through
   * the mirror's fill of it, which a client pulling the same blob meanwhile shares.
   */
  InputStream cachedBlob(String upstream, RepositoryName repository, Digest digest)
      throws IOException;

  /**
   * Where the mirror caches a repository of a configured upstream; empty when the upstream is not
   * configured.
   */
  Optional<RepositoryName> cacheName(String upstream, RepositoryName repository);

  /** How long the mirror trusts a cached tag, by its cache name. */
  Duration freshFor(RepositoryName cacheName, Tag tag);

  /** Whether a repository name is served from the local stores (not routed to an upstream). */
  boolean isLocal(RepositoryName name);

  /** No mirror: no upstream is configured, every name is local. */
  MirrorAccess NONE =
      new MirrorAccess() {
        @Override
        public Optional<RegistryClient> client(String upstream) {
          return Optional.empty();
        }

        @Override
        public InputStream cachedBlob(String upstream, RepositoryName repository, Digest digest)
            throws IOException {
          throw new IOException("upstream " + upstream + " is not configured");
        }

        @Override
        public Optional<RepositoryName> cacheName(String upstream, RepositoryName repository) {
          return Optional.empty();
        }

        @Override
        public Duration freshFor(RepositoryName cacheName, Tag tag) {
          return Duration.ZERO;
        }

        @Override
        public boolean isLocal(RepositoryName name) {
          return true;
        }
      };
}
