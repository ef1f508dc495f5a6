package dev.hoist.mirror;

import dev.hoist.client.RegistryClient;
import dev.hoist.client.RegistryException;
import dev.hoist.client.copy.RegistrySource;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.repository.Repository.Origin;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** The registry client of each configured upstream, and the reads that go straight to them. */
final class Upstreams {
  private final Map<String, RegistryClient> clients;
  // One per upstream, so that it remembers an upstream without the referrers API (Distribution
  // 2.8) and goes straight to the referrers tag, instead of asking the API on every request.
  private final ConcurrentMap<String, RegistrySource> referrerSources = new ConcurrentHashMap<>();

  Upstreams(Map<String, RegistryClient> clients) {
    this.clients = Map.copyOf(clients);
  }

  Optional<RegistryClient> client(String upstream) {
    return Optional.ofNullable(clients.get(upstream));
  }

  /** The client of a routed repository's upstream (routing names configured upstreams only). */
  RegistryClient client(Origin origin) {
    RegistryClient client = clients.get(origin.upstream());
    if (client == null) {
      throw new IllegalStateException("no client for upstream " + origin.upstream());
    }
    return client;
  }

  /** The upstream's referrers of a manifest: its referrers API, else its referrers tag. */
  List<Descriptor> referrers(Origin origin, Digest subject) throws IOException {
    try {
      return referrerSources
          .computeIfAbsent(origin.upstream(), upstream -> new RegistrySource(client(origin)))
          .referrers(origin.upstreamName(), subject);
    } catch (RegistryException e) {
      throw UpstreamFailures.translate(origin, e);
    }
  }

  /** The repository's tags, as the upstream lists them. */
  List<String> tags(Origin origin) throws IOException {
    try {
      return client(origin).tags(origin.upstreamName());
    } catch (RegistryException e) {
      throw UpstreamFailures.translate(origin, e);
    }
  }
}
