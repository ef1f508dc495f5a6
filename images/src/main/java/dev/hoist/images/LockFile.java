package dev.hoist.images;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A lock shared by every {@code hoist} process and every thread using one store: an OS file lock
 * ({@link FileChannel#lock}, {@code fcntl} on Linux) on a lock file, in front of which stands an
 * in-process read-write lock.
 *
 * <p>Why the in-process part: the JVM holds OS file locks per process, and two overlapping locks on
 * one file from the same JVM fail with {@code OverlappingFileLockException} instead of waiting. So
 * the threads of one process first agree among themselves (one {@link ReentrantReadWriteLock} per
 * lock file path, the only process-wide state in this package), and the process then holds one OS
 * lock for all of them: shared while any thread holds it shared, exclusive for an exclusive holder.
 *
 * <p>The lock file is opened on first acquisition and closed with the last release, so a store
 * directory that is deleted and created again gets a fresh lock file.
 */
final class LockFile {
  private static final ConcurrentMap<Path, LockFile> LOCKS = new ConcurrentHashMap<>();

  private final Path file;
  private final ReentrantReadWriteLock local = new ReentrantReadWriteLock(true);
  private int sharedHolders;
  private FileChannel sharedChannel;

  private LockFile(Path file) {
    this.file = file;
  }

  static LockFile of(Path file) {
    return LOCKS.computeIfAbsent(file.toAbsolutePath().normalize(), LockFile::new);
  }

  /** Held until closed; release exactly once. */
  interface Held extends AutoCloseable {
    @Override
    void close();
  }

  /** Blocks until no process holds the lock exclusively, then holds it shared. */
  Held shared() throws IOException {
    local.readLock().lock();
    try {
      synchronized (this) {
        if (sharedHolders == 0) {
          FileChannel ch = open();
          try {
            ch.lock(0, Long.MAX_VALUE, true);
          } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
          }
          sharedChannel = ch;
        }
        sharedHolders++;
      }
    } catch (IOException | RuntimeException e) {
      local.readLock().unlock();
      throw e;
    }
    return new Once(
        () -> {
          synchronized (this) {
            if (--sharedHolders == 0) {
              closeQuietly(sharedChannel);
              sharedChannel = null;
            }
          }
          local.readLock().unlock();
        });
  }

  /** Blocks until no other thread or process holds the lock, then holds it exclusively. */
  Held exclusive() throws IOException {
    local.writeLock().lock();
    FileChannel ch;
    try {
      ch = open();
      try {
        ch.lock(0, Long.MAX_VALUE, false);
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      local.writeLock().unlock();
      throw e;
    }
    return new Once(
        () -> {
          closeQuietly(ch); // closing the channel releases the OS lock
          local.writeLock().unlock();
        });
  }

  private FileChannel open() throws IOException {
    Files.createDirectories(file.getParent());
    return FileChannel.open(
        file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      if (ch != null) {
        ch.close();
      }
    } catch (IOException e) {
      // the lock goes with the channel either way
    }
  }

  private static final class Once implements Held {
    private final Runnable release;
    private boolean released;

    Once(Runnable release) {
      this.release = release;
    }

    @Override
    public synchronized void close() {
      if (!released) {
        released = true;
        release.run();
      }
    }
  }
}
