package dev.hoist.lifecycle;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.Manifest;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.ManifestKey;
import dev.hoist.storage.MetadataStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the references of manifests stored before references were recorded (a data directory of
 * an older Hoist), from their bytes. Garbage collection and eviction wait until none is left, so
 * that no blob looks unused only because its manifest was never indexed.
 */
final class ReferenceIndexer {
  private static final Logger log = LoggerFactory.getLogger(ReferenceIndexer.class);
  private static final int BATCH = 200;

  private final BlobStore blobs;
  private final MetadataStore metadata;

  ReferenceIndexer(BlobStore blobs, MetadataStore metadata) {
    this.blobs = blobs;
    this.metadata = metadata;
  }

  /** Indexes every unindexed manifest; returns how many. */
  int indexAll() throws IOException {
    int indexed = 0;
    while (true) {
      List<ManifestKey> batch = metadata.read(tx -> tx.lifecycle().unindexedManifests(BATCH));
      if (batch.isEmpty()) {
        break;
      }
      for (ManifestKey key : batch) {
        Set<Digest> references = references(key);
        metadata.write(
            tx -> {
              tx.lifecycle().indexManifest(key, references);
              return null;
            });
        indexed++;
      }
    }
    if (indexed > 0) {
      log.info("indexed the references of {} manifests stored by an earlier version", indexed);
    }
    return indexed;
  }

  private Set<Digest> references(ManifestKey key) throws IOException {
    Optional<BlobContent> content = blobs.open(key.digest());
    if (content.isEmpty()) {
      // Unservable already; its blobs are kept by nothing else, as after a delete.
      log.warn(
          "manifest bytes missing while indexing: repository={} digest={}",
          key.repository(),
          key.digest());
      return Set.of();
    }
    byte[] raw;
    try (InputStream in = content.get().openStream(0, content.get().size())) {
      raw = in.readNBytes((int) Math.min(content.get().size(), Integer.MAX_VALUE));
    }
    try {
      return Manifest.parse(raw, null, key.digest()).references().stream()
          .map(Descriptor::digest)
          .collect(Collectors.toSet());
    } catch (RuntimeException e) {
      log.warn(
          "stored manifest unreadable while indexing: repository={} digest={}: {}",
          key.repository(),
          key.digest(),
          e.getMessage());
      return Set.of();
    }
  }
}
