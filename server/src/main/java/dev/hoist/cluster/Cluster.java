package dev.hoist.cluster;

import dev.hoist.oci.Digest;
import dev.hoist.storage.ClusterTransaction.ClusterNode;
import dev.hoist.storage.ClusterTransaction.Lease;
import dev.hoist.storage.MetadataStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's membership of a cluster: its id and internal address, registered in the shared
 * metadata store with a heartbeat; leases on names (a blob's fill, a scheduled job) that expire
 * {@code leaseTtl} after their owner's last renewal, so that a dead node's work passes to another;
 * and the internal endpoint through which a node streams a blob from the node filling it ({@value
 * #PEER_PATH}, authenticated by the cluster's shared secret). Thread-safe.
 */
public final class Cluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Cluster.class);

  /** The internal endpoint's path, followed by a digest. */
  public static final String PEER_PATH = "/internal/v1/blobs/";

  /** The header carrying the cluster's secret on internal requests. */
  public static final String SECRET_HEADER = "X-Hoist-Cluster-Secret";

  private final String nodeId;
  private volatile String address = "";
  private final byte[] secret;
  private final MetadataStore metadata;
  private final InstantSource clock;
  private final Duration leaseTtl;
  private final ScheduledExecutorService timer;
  private final HttpClient peers;

  private Cluster(
      String nodeId,
      String secret,
      MetadataStore metadata,
      InstantSource clock,
      Duration leaseTtl) {
    this.nodeId = nodeId;
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
    this.metadata = metadata;
    this.clock = clock;
    this.leaseTtl = leaseTtl;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("hoist-cluster").daemon().factory());
    this.peers =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .build();
  }

  /**
   * This node's part in the cluster, before it is announced: leases work at once; other nodes find
   * it once {@link #announce} gave its address.
   */
  public static Cluster create(ClusterConfig config, MetadataStore metadata, InstantSource clock) {
    if (!config.enabled() || config.secret() == null) {
      throw new IllegalArgumentException("the cluster is not enabled");
    }
    String id = config.nodeId() != null ? config.nodeId() : "node-" + UUID.randomUUID();
    return new Cluster(id, config.secret(), metadata, clock, config.leaseTtl());
  }

  /**
   * Registers this node at {@code internalAddress} (host:port, where the other nodes reach it) and
   * keeps its heartbeat going until {@link #close}.
   */
  public void announce(String internalAddress) {
    this.address = internalAddress;
    heartbeat();
    long every = heartbeatInterval(leaseTtl).toMillis();
    timer.scheduleWithFixedDelay(this::heartbeatQuietly, every, every, TimeUnit.MILLISECONDS);
    log.info("joined the cluster: node={} address={}", nodeId, internalAddress);
  }

  static Duration heartbeatInterval(Duration leaseTtl) {
    return leaseTtl.dividedBy(4);
  }

  public String nodeId() {
    return nodeId;
  }

  public String address() {
    return address;
  }

  public Duration leaseTtl() {
    return leaseTtl;
  }

  /** Whether {@code presented} (a request's {@value #SECRET_HEADER}) is the cluster's secret. */
  public boolean authorized(@Nullable String presented) {
    return presented != null
        && MessageDigest.isEqual(secret, presented.getBytes(StandardCharsets.UTF_8));
  }

  /** Takes (or renews) the lease {@code name} for this node; returns it, whoever holds it now. */
  public Lease acquire(String name) {
    Instant now = clock.instant();
    return metadata.write(tx -> tx.cluster().acquireLease(name, nodeId, now, now.plus(leaseTtl)));
  }

  /** The lease {@code name} as it stands, whoever holds it. */
  public Optional<Lease> lease(String name) {
    return metadata.read(tx -> tx.cluster().lease(name));
  }

  /** Gives up this node's lease {@code name}, if it holds it. */
  public void release(String name) {
    metadata.write(tx -> tx.cluster().releaseLease(name, nodeId));
  }

  /**
   * Keeps this node's lease {@code name} (already taken) renewed until the returned handle is
   * closed, which releases it.
   */
  public Held keep(String name) {
    long every = heartbeatInterval(leaseTtl).toMillis();
    ScheduledFuture<?> renewal =
        timer.scheduleWithFixedDelay(
            () -> {
              try {
                Lease lease = acquire(name);
                if (!lease.owner().equals(nodeId)) {
                  log.warn("lost a lease to another node: lease={} owner={}", name, lease.owner());
                }
              } catch (RuntimeException e) {
                log.warn("cannot renew a lease: lease={}", name, e);
              }
            },
            every,
            every,
            TimeUnit.MILLISECONDS);
    return () -> {
      renewal.cancel(false);
      try {
        release(name);
      } catch (RuntimeException e) {
        // It expires on its own.
        log.warn("cannot release a lease, it will expire: lease={}", name, e);
      }
    };
  }

  /** A lease this node keeps renewed; closing it releases the lease. */
  @FunctionalInterface
  public interface Held extends AutoCloseable {
    @Override
    void close();
  }

  /** The address of node {@code id} when its heartbeat is recent enough to count it alive. */
  public Optional<String> aliveAddress(String id) {
    Instant since = clock.instant().minus(leaseTtl);
    Optional<ClusterNode> node = metadata.read(tx -> tx.cluster().node(id));
    return node.filter(n -> !n.seen().isBefore(since)).map(ClusterNode::address);
  }

  /** The nodes alive now, this one included. */
  public List<ClusterNode> aliveNodes() {
    Instant since = clock.instant().minus(leaseTtl);
    return metadata.read(tx -> tx.cluster().nodes(since));
  }

  /** A blob's bytes from another node, from an offset: the whole blob's size and the stream. */
  public record PeerStream(long totalSize, InputStream body) {}

  /**
   * Asks the node at {@code peerAddress} for a blob from {@code offset} on: what it is filling or
   * has stored. Empty when it has neither (its fill ended without storing the blob, or never ran).
   *
   * @throws IOException the node cannot be reached or answered otherwise
   */
  public Optional<PeerStream> openPeerBlob(String peerAddress, Digest digest, long offset)
      throws IOException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://" + peerAddress + PEER_PATH + digest))
            .header(SECRET_HEADER, new String(secret, StandardCharsets.UTF_8))
            .timeout(Duration.ofSeconds(30))
            .GET();
    if (offset > 0) {
      request.header("Range", "bytes=" + offset + "-");
    }
    HttpResponse<InputStream> response;
    try {
      response = peers.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while asking node " + peerAddress, e);
    }
    int status = response.statusCode();
    if (status == 404) {
      response.body().close();
      return Optional.empty();
    }
    if (status != 200 && status != 206) {
      response.body().close();
      throw new IOException("node " + peerAddress + " answered " + status + " for " + digest);
    }
    long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
    long total = status == 200 ? length : totalFromContentRange(response);
    if (status == 200 && offset > 0) {
      response.body().close();
      throw new IOException("node " + peerAddress + " ignored the range of " + digest);
    }
    return Optional.of(new PeerStream(total, response.body()));
  }

  private static long totalFromContentRange(HttpResponse<?> response) {
    // "bytes a-b/total"
    return response
        .headers()
        .firstValue("Content-Range")
        .map(v -> v.substring(v.lastIndexOf('/') + 1))
        .filter(t -> t.chars().allMatch(Character::isDigit) && !t.isEmpty())
        .map(Long::parseLong)
        .orElse(-1L);
  }

  private void heartbeat() {
    metadata.write(
        tx -> {
          tx.cluster().nodeAlive(nodeId, address, clock.instant());
          return null;
        });
  }

  private void heartbeatQuietly() {
    try {
      heartbeat();
    } catch (RuntimeException e) {
      log.warn("cluster heartbeat failed: node={}", nodeId, e);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    peers.close();
  }
}
