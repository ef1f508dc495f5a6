package dev.hoist.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.oci.Digest;
import dev.hoist.storage.BlobStore;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MemoryBlobStoreTest extends BlobStoreContract {
  // One instance per directory, so that "restarting" on the same directory sees the same data.
  private final Map<Path, MemoryBlobStore> stores = new HashMap<>();

  @Override
  protected BlobStore newStore(Path dataDir) {
    return stores.computeIfAbsent(dataDir, d -> new MemoryBlobStore());
  }

  @Override
  protected void corrupt(Digest digest, byte[] bytes) {
    ((MemoryBlobStore) store).corrupt(digest, bytes);
  }

  @Test
  void quarantinedDigestsAreListed() throws Exception {
    byte[] content = bytes(100, 1);
    Digest digest = Digest.sha256(content);
    store.put(digest, content);
    corrupt(digest, new byte[] {1});

    store.quarantine(digest);

    assertThat(((MemoryBlobStore) store).quarantined()).containsExactly(digest);
  }
}
