package dev.hoist.registry;

import dev.hoist.storage.fs.FileSystemBlobStore;
import dev.hoist.storage.sql.SqliteMetadataStore;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The conformance suite over the real stores: blobs on the filesystem (served with zero-copy {@code
 * sendFile}) and metadata in SQLite.
 */
class ConformanceIT extends RegistryConformance {
  @Override
  Stores stores(Path dir) throws IOException {
    return new Stores(new FileSystemBlobStore(dir), SqliteMetadataStore.open(dir));
  }
}
