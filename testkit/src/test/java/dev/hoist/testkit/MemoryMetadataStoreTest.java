package dev.hoist.testkit;

import dev.hoist.storage.MetadataStore;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

class MemoryMetadataStoreTest extends MetadataStoreContract {
  // One instance per directory, so that reopening on the same directory sees the same data.
  private final Map<Path, MemoryMetadataStore> stores = new HashMap<>();

  @Override
  protected MetadataStore openStore(Path dataDir) {
    return stores.computeIfAbsent(dataDir, d -> new MemoryMetadataStore());
  }
}
