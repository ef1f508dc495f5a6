package dev.hoist.sync;

import dev.hoist.storage.ClusterTransaction.Lease;
import dev.hoist.storage.MetadataStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** This node's leases in the shared store: sync runs and pre-warms take one so one node works. */
final class NodeLeases {
  private static final Logger log = LoggerFactory.getLogger(NodeLeases.class);

  private final MetadataStore metadata;
  private final InstantSource clock;
  private final String node;

  NodeLeases(MetadataStore metadata, InstantSource clock, String node) {
    this.metadata = metadata;
    this.clock = clock;
    this.node = node;
  }

  /** Takes or renews the lease for {@code ttl}; the answer says who holds it now. */
  Lease acquire(String name, Duration ttl) {
    Instant now = clock.instant();
    return metadata.write(tx -> tx.cluster().acquireLease(name, node, now, now.plus(ttl)));
  }

  /** Whether this node holds the lease, as {@link #acquire} answered it. */
  boolean mine(Lease lease) {
    return lease.heldBy(node, clock.instant());
  }

  /** Takes the lease when free or already this node's. */
  boolean tryAcquire(String name, Duration ttl) {
    return mine(acquire(name, ttl));
  }

  /** Gives up a lease; when that fails, the lease expires by itself. */
  void releaseQuietly(String name) {
    try {
      metadata.write(tx -> tx.cluster().releaseLease(name, node));
    } catch (RuntimeException e) {
      log.warn("releasing a lease failed: lease={} error={}", name, e.toString());
    }
  }
}
