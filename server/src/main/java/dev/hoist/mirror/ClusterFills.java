package dev.hoist.mirror;

import dev.hoist.cluster.Cluster;
import dev.hoist.oci.Digest;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.ClusterTransaction.Lease;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upstream fetch per blob across the nodes of a cluster (ARCHITECTURE §5). Before a fill asks
 * the upstream it takes the cluster's lease {@code fill:<digest>}, renewed while it runs and
 * released when it ends. A node that finds the lease held streams the blob from the holder's fill
 * instead (the holder serves its growing spool file on its internal endpoint), keeps it in its own
 * spool for its own clients, and leaves storing it to the holder. When the holder dies, its stream
 * breaks, its lease expires, and the node takes the lease and resumes from the upstream with a
 * Range at the bytes it has: upstream bytes stay under twice the blob.
 */
public final class ClusterFills {
  private static final Logger log = LoggerFactory.getLogger(ClusterFills.class);
  private static final Duration MAX_PAUSE = Duration.ofMillis(500);

  private final Cluster cluster;
  private final BlobStore blobs;
  private final Duration maxWait;

  public ClusterFills(Cluster cluster, BlobStore blobs) {
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.blobs = Objects.requireNonNull(blobs, "blobs");
    // A holder that neither serves the blob nor lets its lease go is dead after the lease's time.
    this.maxWait = cluster.leaseTtl().multipliedBy(3);
  }

  /** {@code upstream}, reached only by the node that holds the digest's fill lease. */
  BlobSource source(Digest digest, BlobSource upstream) {
    return new LeasedSource(digest, upstream);
  }

  private final class LeasedSource implements BlobSource {
    private final Digest digest;
    private final BlobSource upstream;
    private final String lease;
    private Cluster.Held held; // once this node holds the lease
    private boolean fromPeer;

    LeasedSource(Digest digest, BlobSource upstream) {
      this.digest = digest;
      this.upstream = upstream;
      this.lease = "fill:" + digest;
    }

    @Override
    public SourceStream open(long offset) throws IOException {
      long deadline = System.nanoTime() + maxWait.toNanos();
      long pauseMillis = 20;
      while (true) {
        if (held != null) {
          return upstream.open(offset);
        }
        Lease current = cluster.acquire(lease);
        if (current.owner().equals(cluster.nodeId())) {
          held = cluster.keep(lease);
          if (fromPeer) {
            log.info(
                "took over a fill from another node: digest={} offset={} previous=peer",
                digest,
                offset);
          }
          return upstream.open(offset);
        }
        Optional<SourceStream> peer = fromHolder(current.owner(), offset);
        if (peer.isPresent()) {
          fromPeer = true;
          return peer.get();
        }
        Optional<SourceStream> stored = fromStore(offset);
        if (stored.isPresent()) {
          fromPeer = true;
          return stored.get();
        }
        if (System.nanoTime() > deadline) {
          throw new IOException(
              "node "
                  + current.owner()
                  + " holds the fill of "
                  + digest
                  + " but neither serves it nor lets it go");
        }
        pause(pauseMillis);
        pauseMillis = Math.min(pauseMillis * 2, MAX_PAUSE.toMillis());
      }
    }

    private Optional<SourceStream> fromHolder(String owner, long offset) {
      Optional<String> address = cluster.aliveAddress(owner);
      if (address.isEmpty()) {
        return Optional.empty();
      }
      try {
        return cluster
            .openPeerBlob(address.get(), digest, offset)
            .map(p -> new SourceStream(p.totalSize(), p.body()));
      } catch (IOException e) {
        log.info(
            "cannot stream a fill from its node: digest={} node={} error={}",
            digest,
            owner,
            e.toString());
        return Optional.empty();
      }
    }

    /** The blob, when the holder stored it meanwhile (its lease may not be released yet). */
    private Optional<SourceStream> fromStore(long offset) throws IOException {
      Optional<BlobContent> stored = blobs.open(digest);
      if (stored.isEmpty()) {
        return Optional.empty();
      }
      if (offset == 0) {
        throw new StoredMeanwhile(digest + " was stored by another node");
      }
      BlobContent content = stored.get();
      if (content instanceof BlobContent.Redirect) {
        return Optional.empty(); // cannot be read here: the lease frees up, then the upstream
      }
      long size = content.size();
      return Optional.of(new SourceStream(size, content.openStream(offset, size - offset)));
    }

    @Override
    public boolean storedElsewhere() {
      if (held != null || !fromPeer) {
        return false;
      }
      // The holder verified the same bytes and is committing them: wait for that, briefly.
      long deadline = System.nanoTime() + maxWait.toNanos();
      try {
        while (System.nanoTime() < deadline) {
          if (blobs.size(digest).isPresent()) {
            return true;
          }
          Optional<Lease> current = cluster.lease(lease);
          if (current.isEmpty() || current.get().expired(java.time.Instant.now())) {
            return blobs.size(digest).isPresent();
          }
          pause(20);
        }
      } catch (IOException e) {
        log.warn("cannot tell whether another node stored a blob: digest={}", digest, e);
      }
      return false;
    }

    @Override
    public void fillEnded() {
      if (held != null) {
        held.close();
      }
    }
  }

  private static void pause(long millis) throws InterruptedIOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for another node's fill");
    }
  }
}
