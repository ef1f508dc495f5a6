package dev.hoist.registry;

import dev.hoist.storage.BlobUpload;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams a request body into a {@link BlobUpload} with bounded memory and real backpressure.
 *
 * <p>Buffers arriving on the event loop are gathered into a batch; a full batch (or the last one)
 * is written by a worker thread while the next batch gathers. At most one write is in flight, so
 * the upload sees its bytes in order from one thread at a time. When the gathering batch reaches
 * {@link #MAX_PENDING} while a write is still running, the request is paused (TCP pushes back on
 * the client) until that write completes. Memory per upload is thus about two batches, whatever the
 * blob's size.
 *
 * <p>The returned future completes (with the number of bytes written) only after the last write
 * finished, also on failure, so the caller may use the upload again as soon as it completes.
 */
final class BodyStreamer {
  static final int FLUSH_BYTES = 128 * 1024;
  static final int MAX_PENDING = 512 * 1024;

  private final Exchange exchange;
  private final HttpServerRequest request;
  private final Blocking blocking;
  private final BlobUpload upload;
  private final Promise<Long> promise = Promise.promise();

  private final List<Buffer> pending = new ArrayList<>();
  private int pendingBytes;
  private long written;
  private boolean writing;
  private boolean ended;
  private boolean paused;
  private boolean finished;
  private Throwable failure;

  private BodyStreamer(Exchange exchange, Blocking blocking, BlobUpload upload) {
    this.exchange = exchange;
    this.request = exchange.request();
    this.blocking = blocking;
    this.upload = upload;
  }

  /** Appends the request body to {@code upload}; completes with the number of bytes appended. */
  static Future<Long> stream(Exchange exchange, Blocking blocking, BlobUpload upload) {
    return new BodyStreamer(exchange, blocking, upload).start();
  }

  private Future<Long> start() {
    if (exchange.aborted() != null) {
      return Future.failedFuture(exchange.aborted());
    }
    if (!exchange.claimBody()) {
      return Future.succeededFuture(0L);
    }
    exchange.onAbort(this::onAbort);
    request.handler(this::onData);
    request.endHandler(v -> onEnd());
    request.resume();
    return promise.future();
  }

  private void onData(Buffer chunk) {
    if (failure != null || finished) {
      return;
    }
    pending.add(chunk);
    pendingBytes += chunk.length();
    if (!writing) {
      if (pendingBytes >= FLUSH_BYTES) {
        flush();
      }
    } else if (pendingBytes >= MAX_PENDING && !paused) {
      paused = true;
      request.pause();
    }
  }

  private void onEnd() {
    ended = true;
    if (!writing) {
      if (pendingBytes > 0 && failure == null) {
        flush();
      } else {
        finish();
      }
    }
  }

  private void onAbort(Throwable cause) {
    if (failure == null) {
      failure = cause;
    }
    if (!writing) {
      finish();
    }
  }

  private void flush() {
    byte[] batch = new byte[pendingBytes];
    int offset = 0;
    for (Buffer b : pending) {
      b.getBytes(0, b.length(), batch, offset);
      offset += b.length();
    }
    pending.clear();
    pendingBytes = 0;
    writing = true;
    if (paused) {
      paused = false;
      request.resume();
    }
    blocking
        .run(
            () -> {
              upload.write(ByteBuffer.wrap(batch));
              return batch.length;
            })
        .onComplete(
            ar -> {
              writing = false;
              if (ar.failed()) {
                if (failure == null) {
                  failure = ar.cause();
                }
                exchange.discardBody();
                finish();
              } else if (failure != null) {
                finish();
              } else {
                written += ar.result();
                if (pendingBytes >= FLUSH_BYTES || (ended && pendingBytes > 0)) {
                  flush();
                } else if (ended) {
                  finish();
                }
              }
            });
  }

  private void finish() {
    if (finished) {
      return;
    }
    finished = true;
    pending.clear();
    pendingBytes = 0;
    if (failure != null) {
      promise.fail(failure);
    } else {
      promise.complete(written);
    }
  }
}
