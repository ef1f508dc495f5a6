package dev.hoist.repository;

import dev.hoist.oci.Digest;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where repositories read manifest bytes. Over a remote blob store (S3) a node keeps recently read
 * manifests in memory, so a manifest GET or HEAD costs no object-store request: on PostgreSQL and
 * s3proxy a warm manifest GET took a HEAD and a GET of the object, about 2 ms of the node's CPU and
 * a few ms of latency. A manifest is kept only once its bytes matched its digest, and bytes under a
 * digest never change, so what is kept is never stale; whether a repository has the manifest is
 * still decided by its metadata record, read on every request. Over the filesystem nothing is kept:
 * the page cache and a zero-copy file region do better.
 */
public final class ManifestBodies {
  /** Manifests larger than this are read from the store each time (the OCI limit is 4 MiB). */
  static final int MAX_KEPT = 1024 * 1024;

  private final BlobStore blobs;
  private final long capacity;
  private final LinkedHashMap<Digest, byte[]> kept = new LinkedHashMap<>(256, 0.75f, true);
  private long keptBytes;

  private ManifestBodies(BlobStore blobs, long capacity) {
    this.blobs = blobs;
    this.capacity = capacity;
  }

  /** Reads every manifest from the store. */
  public static ManifestBodies uncached(BlobStore blobs) {
    return new ManifestBodies(blobs, 0);
  }

  /** Keeps up to {@code capacity} bytes of the most recently read manifests in memory. */
  public static ManifestBodies cached(BlobStore blobs, long capacity) {
    return new ManifestBodies(blobs, capacity);
  }

  /**
   * The manifest's bytes: kept ones from memory; else the store's content, kept for next time when
   * it has the recorded size and matches its digest (otherwise the caller sees what the store has,
   * and its size check or quarantine acts on it).
   */
  Optional<BlobContent> open(Digest digest, long recordedSize) throws IOException {
    byte[] bytes = get(digest);
    if (bytes != null && bytes.length == recordedSize) {
      return Optional.of(new BlobContent.InMemory(bytes));
    }
    Optional<BlobContent> stored = blobs.open(digest);
    if (capacity == 0
        || stored.isEmpty()
        || stored.get().size() != recordedSize
        || recordedSize > MAX_KEPT) {
      return stored;
    }
    byte[] read;
    switch (stored.get()) {
      case BlobContent.Redirect redirect -> {
        return stored; // the client reads it from the store itself
      }
      default -> {
        try (InputStream in = stored.get().openStream(0, recordedSize)) {
          read = in.readNBytes((int) recordedSize + 1);
        }
      }
    }
    if (read.length != recordedSize || !Digest.of(digest.algorithm(), read).equals(digest)) {
      return stored; // rotten bytes: the caller's checks quarantine them
    }
    put(digest, read);
    return Optional.of(new BlobContent.InMemory(read));
  }

  /** Whether the manifest's bytes can be read: kept, or in the store. */
  boolean present(Digest digest) throws IOException {
    return get(digest) != null || blobs.size(digest).isPresent();
  }

  private byte[] get(Digest digest) {
    if (capacity == 0) {
      return null;
    }
    synchronized (kept) {
      return kept.get(digest);
    }
  }

  private void put(Digest digest, byte[] bytes) {
    synchronized (kept) {
      byte[] before = kept.put(digest, bytes);
      keptBytes += bytes.length - (before == null ? 0 : before.length);
      var oldest = kept.entrySet().iterator();
      while (keptBytes > capacity && oldest.hasNext()) {
        Map.Entry<Digest, byte[]> e = oldest.next();
        keptBytes -= e.getValue().length;
        oldest.remove();
      }
    }
  }
}
