package dev.hoist.registry;

import dev.hoist.storage.GrowingFile;
import java.io.IOException;
import java.nio.channels.FileChannel;

/** A file {@link RegionPump} sends from, and how far it may be sent. */
interface RegionSource {

  FileChannel channel();

  /** How far the file may be sent now, without waiting. */
  long readableNow();

  /** Waits until the byte at {@code position} may be sent; returns how far it may be then. */
  long awaitReadable(long position) throws IOException;

  /** A stored file: every byte of it may be sent now. */
  static RegionSource complete(FileChannel channel, long size) {
    return new RegionSource() {
      @Override
      public FileChannel channel() {
        return channel;
      }

      @Override
      public long readableNow() {
        return size;
      }

      @Override
      public long awaitReadable(long position) {
        return size;
      }
    };
  }

  /** A file a mirror fill is still writing: as far as the fill released it. */
  static RegionSource growing(GrowingFile file) {
    FileChannel channel = file.file().orElseThrow();
    return new RegionSource() {
      @Override
      public FileChannel channel() {
        return channel;
      }

      @Override
      public long readableNow() {
        return file.readableNow();
      }

      @Override
      public long awaitReadable(long position) throws IOException {
        return file.awaitReadable(position);
      }
    };
  }
}
