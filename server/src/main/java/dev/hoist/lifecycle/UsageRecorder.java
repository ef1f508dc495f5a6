package dev.hoist.lifecycle;

import dev.hoist.oci.Digest;
import dev.hoist.storage.MetadataStore;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When manifests and blobs were last pulled: noted in memory on every request (one map write), and
 * written to the metadata store in one transaction per {@link #flush} (every few seconds, and
 * before every eviction round), never a write per request.
 */
final class UsageRecorder {
  private final MetadataStore metadata;
  private final InstantSource clock;
  private final ConcurrentHashMap<Digest, Long> manifests = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Digest, Long> blobs = new ConcurrentHashMap<>();

  UsageRecorder(MetadataStore metadata, InstantSource clock) {
    this.metadata = metadata;
    this.clock = clock;
  }

  void manifestPulled(Digest digest) {
    note(manifests, digest);
  }

  void blobPulled(Digest digest) {
    note(blobs, digest);
  }

  /** At most one map write per digest and second: hot manifests are read by many threads. */
  private void note(ConcurrentHashMap<Digest, Long> uses, Digest digest) {
    long now = clock.millis();
    Long noted = uses.get(digest);
    if (noted == null || now - noted >= 1000) {
      uses.put(digest, now);
    }
  }

  /** Writes what was noted since the last flush; returns how many uses it wrote. */
  int flush() {
    Map<Digest, Instant> m = drain(manifests);
    Map<Digest, Instant> b = drain(blobs);
    if (m.isEmpty() && b.isEmpty()) {
      return 0;
    }
    metadata.write(
        tx -> {
          tx.lifecycle().touchManifests(m);
          tx.lifecycle().touchBlobs(b);
          return null;
        });
    return m.size() + b.size();
  }

  private static Map<Digest, Instant> drain(ConcurrentHashMap<Digest, Long> uses) {
    Map<Digest, Instant> drained = new HashMap<>();
    for (Map.Entry<Digest, Long> e : uses.entrySet()) {
      // Removed only if not noted again meanwhile; a newer use stays for the next flush.
      if (uses.remove(e.getKey(), e.getValue())) {
        drained.put(e.getKey(), Instant.ofEpochMilli(e.getValue()));
      }
    }
    return drained;
  }
}
