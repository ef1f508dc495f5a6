package dev.hoist.cluster;

import dev.hoist.config.ConfigException;
import dev.hoist.config.ConfigNode;
import dev.hoist.config.HostPort;
import dev.hoist.config.Values;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The {@code cluster} section: this node's part in a cluster of nodes sharing one PostgreSQL
 * metadata store and one blob store.
 *
 * <pre>
 * cluster:
 *   secret: …            HOIST_CLUSTER_SECRET; shared by the nodes, at least 16 characters
 *   advertise: 10.0.0.5:5000   HOIST_CLUSTER_ADVERTISE; where other nodes reach this one
 *                              (default: the listen address, which must then not be 0.0.0.0)
 *   nodeId: node-a       HOIST_CLUSTER_NODE; default: random at each start
 *   leaseTtl: 10s        how long a fill's lease outlives its owner's last renewal
 * </pre>
 *
 * @param advertise null: the address the server listens on
 * @param nodeId null: a random id at each start
 */
public record ClusterConfig(
    boolean enabled,
    @Nullable String secret,
    @Nullable HostPort advertise,
    @Nullable String nodeId,
    Duration leaseTtl) {

  static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(10);
  private static final int MIN_SECRET = 16;
  private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  public ClusterConfig {
    if (leaseTtl.compareTo(Duration.ofSeconds(2)) < 0) {
      throw new ConfigException("cluster.leaseTtl", "must be at least 2s");
    }
    if (enabled && (secret == null || secret.length() < MIN_SECRET)) {
      throw new ConfigException(
          "cluster.secret",
          "a cluster needs a secret of at least "
              + MIN_SECRET
              + " characters, the same on every node (HOIST_CLUSTER_SECRET)");
    }
    if (nodeId != null && !NODE_ID.matcher(nodeId).matches()) {
      throw new ConfigException(
          "cluster.nodeId", "letters, digits, '.', '_' and '-', at most 63 characters");
    }
  }

  public static ClusterConfig disabled() {
    return new ClusterConfig(false, null, null, null, DEFAULT_LEASE_TTL);
  }

  /** Reads the {@code cluster} section over {@code base}; a section present enables the cluster. */
  public static ClusterConfig read(ClusterConfig base, ConfigNode node) {
    node.keys("secret", "advertise", "nodeId", "leaseTtl");
    return new ClusterConfig(
        true,
        node.text("secret").orElse(base.secret),
        node.get("advertise")
            .map(v -> Values.hostPort(v.setting(), v.text()))
            .orElse(base.advertise),
        node.text("nodeId").orElse(base.nodeId),
        node.duration("leaseTtl").orElse(base.leaseTtl));
  }

  /**
   * {@code HOIST_CLUSTER_SECRET} (which enables the cluster), {@code _ADVERTISE}, {@code _NODE}.
   */
  public ClusterConfig withEnv(Map<String, String> env) {
    String envSecret = env.get("HOIST_CLUSTER_SECRET");
    String envAdvertise = env.get("HOIST_CLUSTER_ADVERTISE");
    String envNode = env.get("HOIST_CLUSTER_NODE");
    if (envSecret == null && envAdvertise == null && envNode == null) {
      return this;
    }
    return new ClusterConfig(
        enabled || envSecret != null,
        envSecret != null ? envSecret : secret,
        envAdvertise != null ? Values.hostPort("HOIST_CLUSTER_ADVERTISE", envAdvertise) : advertise,
        envNode != null ? envNode : nodeId,
        leaseTtl);
  }

  @Override
  public String toString() {
    // Never the secret.
    return "ClusterConfig[enabled="
        + enabled
        + ", advertise="
        + advertise
        + ", nodeId="
        + nodeId
        + ", leaseTtl="
        + leaseTtl
        + "]";
  }
}
