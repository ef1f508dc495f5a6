package dev.hoist.server;

import java.util.Objects;
import java.util.UUID;

/**
 * This process among the nodes that share one metadata store: a random id made at start, the owner
 * of what the node holds in the store (leases of scheduled sync runs, quota holds of transfers in
 * flight). A restarted process is a new node; what the old one held expires.
 */
public record NodeId(String value) {
  public NodeId {
    Objects.requireNonNull(value, "value");
    if (value.isBlank()) {
      throw new IllegalArgumentException("a node id must not be blank");
    }
  }

  static NodeId random() {
    return new NodeId(UUID.randomUUID().toString());
  }

  @Override
  public String toString() {
    return value;
  }
}
