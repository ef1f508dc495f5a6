package dev.hoist.images;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Durable replacement of the store's files: write a temporary file, fsync it, rename it over the
 * target, fsync the directory. A crash leaves the old file or the new one, never a mix.
 */
final class AtomicFiles {
  private AtomicFiles() {}

  /** Replaces {@code target} with {@code bytes}, through a temporary file beside it. */
  static void write(Path target, byte[] bytes) throws IOException {
    Path temp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID());
    try {
      try (FileChannel ch =
          FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      move(temp, target);
      syncDirectory(target.getParent());
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** Renames {@code from} over {@code to} atomically, or fails. */
  static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the store needs atomic renames within " + to.getParent(), e);
    }
  }

  /**
   * Makes a rename durable: fsync of the directory (a no-op where directories cannot be opened).
   */
  static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // not supported on this platform; the rename itself is still atomic
    }
  }
}
