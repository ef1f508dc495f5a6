package dev.hoist.lifecycle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/** How big the data disk is and how much of it is free; tests inject their own. */
@FunctionalInterface
public interface DiskProbe {

  Space space();

  /** Total and usable bytes of a filesystem. */
  record Space(long total, long usable) {}

  /**
   * A store with no disk of its own to fill (object storage): never short of space, so {@code
   * mirror.cache.minFreeDisk} does not apply; {@code maxSize} and {@code maxIdle} still do.
   */
  DiskProbe UNBOUNDED = () -> new Space(Long.MAX_VALUE, Long.MAX_VALUE);

  /** The filesystem holding {@code dir}. */
  static DiskProbe of(Path dir) {
    FileStore store;
    try {
      store = Files.getFileStore(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find the filesystem of " + dir, e);
    }
    return () -> {
      try {
        return new Space(store.getTotalSpace(), store.getUsableSpace());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the free space of " + dir, e);
      }
    };
  }
}
