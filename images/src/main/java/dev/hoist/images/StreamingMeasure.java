package dev.hoist.images;

import dev.hoist.oci.DigestingInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.zip.GZIPInputStream;

/**
 * Measures a layer ({@link LayerMeasure}: uncompressed size and {@code diff_id}) while it
 * downloads: a {@link BlobWriter.Observer} that hands each appended chunk to a virtual thread,
 * which decompresses and hashes it. The pull then need not read the stored layer back once it is
 * complete, which put a second pass over the biggest layer at the end of every pull.
 *
 * <p>A bounded queue (2 MiB) slows the download down to the measure, never the other way round for
 * long. When the writer starts over, so does the measure. Not thread-safe: one writer feeds it.
 */
final class StreamingMeasure implements BlobWriter.Observer, AutoCloseable {
  private static final int QUEUE_CHUNKS = 32;
  private static final byte[] END = new byte[0];

  private final boolean gzip;
  private Run run;

  StreamingMeasure(boolean gzip) {
    this.gzip = gzip;
    this.run = new Run(gzip);
  }

  /**
   * A measure for a layer of {@code mediaType}, or null when it is neither gzip'd nor plain tar
   * (zstd layers are not measured; {@link LayerMeasure} uses their stored size).
   */
  static StreamingMeasure forMediaType(String mediaType) {
    LayerMeasure.Kind kind = LayerMeasure.kind(mediaType);
    return kind == LayerMeasure.Kind.OTHER
        ? null
        : new StreamingMeasure(kind == LayerMeasure.Kind.GZIP);
  }

  @Override
  public void appended(byte[] b, int off, int len) throws IOException {
    run.offer(Arrays.copyOfRange(b, off, off + len));
  }

  @Override
  public void reset() {
    run.abandon();
    run = new Run(gzip);
  }

  /** Ends the input and waits for the result; throws what decompressing found wrong. */
  LayerMeasure finish() throws IOException {
    run.offer(END);
    return run.result();
  }

  @Override
  public void close() {
    run.abandon();
  }

  /** One pass over the bytes from the first: a queue and the thread that drains it. */
  private static final class Run {
    private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(QUEUE_CHUNKS);
    private final CompletableFuture<LayerMeasure> result = new CompletableFuture<>();
    private final Thread thread;

    Run(boolean gzip) {
      thread =
          Thread.ofVirtual()
              .name("hoist-measure")
              .start(
                  () -> {
                    try (InputStream chunks = new QueueStream(queue);
                        InputStream plain = gzip ? new GZIPInputStream(chunks, 64 * 1024) : chunks;
                        DigestingInputStream counted = new DigestingInputStream(plain)) {
                      byte[] buf = new byte[64 * 1024];
                      while (counted.read(buf) != -1) {
                        // counting and hashing
                      }
                      result.complete(new LayerMeasure(counted.bytes(), counted.digest()));
                    } catch (Throwable t) {
                      result.completeExceptionally(t);
                    }
                  });
    }

    void offer(byte[] chunk) throws IOException {
      try {
        while (!result.isDone()) {
          if (queue.offer(chunk, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            return;
          }
        }
        // The measure ended early (bad gzip, or trailing bytes it ignores): result() says which.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted measuring a layer");
      }
    }

    LayerMeasure result() throws IOException {
      try {
        return result.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted measuring a layer");
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        throw c instanceof IOException io
            ? io
            : new IOException("measuring a layer failed: " + c.getMessage(), c);
      }
    }

    void abandon() {
      thread.interrupt();
    }
  }

  /** The queued chunks as one stream; {@link #END} ends it. */
  private static final class QueueStream extends InputStream {
    private final BlockingQueue<byte[]> queue;
    private byte[] current = new byte[0];
    private int pos;
    private boolean ended;

    QueueStream(BlockingQueue<byte[]> queue) {
      this.queue = queue;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (pos == current.length) {
        if (ended) {
          return -1;
        }
        try {
          current = queue.take();
        } catch (InterruptedException e) {
          throw new InterruptedIOException("layer measure abandoned");
        }
        pos = 0;
        if (current == END) {
          ended = true;
        }
      }
      int n = Math.min(len, current.length - pos);
      System.arraycopy(current, pos, b, off, n);
      pos += n;
      return n;
    }
  }
}
