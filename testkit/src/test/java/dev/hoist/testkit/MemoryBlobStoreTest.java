package dev.hoist.testkit;

import dev.hoist.storage.BlobStore;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

class MemoryBlobStoreTest extends BlobStoreContract {
  // One instance per directory, so that "restarting" on the same directory sees the same data.
  private final Map<Path, MemoryBlobStore> stores = new HashMap<>();

  @Override
  protected BlobStore newStore(Path dataDir) {
    return stores.computeIfAbsent(dataDir, d -> new MemoryBlobStore());
  }
}
