package dev.hoist.registry;

import dev.hoist.testkit.MemoryBlobStore;
import dev.hoist.testkit.MemoryMetadataStore;
import java.nio.file.Path;

/** The conformance suite over the in-memory stores: blobs are served as streams. */
class InMemoryRegistryTest extends RegistryConformance {
  @Override
  Stores stores(Path dir) {
    return new Stores(new MemoryBlobStore(), new MemoryMetadataStore());
  }
}
