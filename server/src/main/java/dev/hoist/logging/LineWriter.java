package dev.hoist.logging;

import dev.hoist.config.ConfigException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes lines to a file or standard output from a thread of its own, so that a caller on an event
 * loop never waits for a disk: {@link #write} only queues. When the queue is full (the disk is
 * slower than the requests for a while) a line is dropped and counted, and the writer says how many
 * once it catches up, instead of holding a request.
 */
final class LineWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LineWriter.class);

  static final int CAPACITY = 16_384;
  private static final int BATCH = 512;
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
  private static final byte[] NEWLINE = {'\n'};

  private final BlockingQueue<String> queue;
  private final OutputStream out;
  private final boolean ownsOut;
  private final String where;
  private final Thread thread;
  private final AtomicLong dropped = new AtomicLong();
  private volatile boolean closing;

  private LineWriter(OutputStream out, boolean ownsOut, String where, int capacity) {
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.out = new BufferedOutputStream(out, 64 * 1024);
    this.ownsOut = ownsOut;
    this.where = where;
    this.thread = Thread.ofPlatform().daemon().name("hoist-access-log").start(this::run);
  }

  /** Appends to {@code file}, creating it and its directories. */
  static LineWriter toFile(Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      OutputStream out =
          Files.newOutputStream(
              file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
      return new LineWriter(out, true, file.toString(), CAPACITY);
    } catch (IOException e) {
      throw new ConfigException("accessLog.file", "cannot open " + file + ": " + e);
    }
  }

  /** Writes to {@code out}, which stays open (standard output). */
  static LineWriter to(OutputStream out, String where, int capacity) {
    return new LineWriter(out, false, where, capacity);
  }

  /** Queues {@code line} (without its line break); never blocks. */
  void write(String line) {
    if (closing || !queue.offer(line)) {
      dropped.incrementAndGet();
    }
  }

  /** Lines dropped so far and not yet reported. */
  long dropped() {
    return dropped.get();
  }

  private void run() {
    List<String> batch = new ArrayList<>(BATCH);
    while (true) {
      try {
        String first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          if (closing && queue.isEmpty()) {
            return;
          }
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, BATCH - 1);
        for (String line : batch) {
          out.write(line.getBytes(StandardCharsets.UTF_8));
          out.write(NEWLINE);
        }
        batch.clear();
        if (queue.isEmpty()) {
          out.flush();
          reportDropped();
        }
      } catch (InterruptedException e) {
        return;
      } catch (IOException e) {
        dropped.addAndGet(batch.size());
        batch.clear();
        log.warn("writing the access log failed: file={} error={}", where, e.toString());
        pause();
      }
    }
  }

  private void reportDropped() {
    long n = dropped.getAndSet(0);
    if (n > 0) {
      log.warn("access log lines dropped: count={} file={} (writing was too slow)", n, where);
    }
  }

  private static void pause() {
    try {
      Thread.sleep(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Writes what is queued (waiting a few seconds at most), then closes the file. */
  @Override
  public void close() throws IOException {
    closing = true;
    try {
      thread.join(CLOSE_WAIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    thread.interrupt();
    reportDropped();
    if (ownsOut) {
      out.close();
    } else {
      out.flush();
    }
  }

  @Override
  public String toString() {
    return "LineWriter[" + where + "]";
  }
}
