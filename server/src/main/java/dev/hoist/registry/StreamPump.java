package dev.hoist.registry;

import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;

/** Copies content to the response a chunk at a time, waiting for the socket to drain. */
final class StreamPump {
  private final Exchange ex;
  private final Blocking blocking;
  private final ChunkReader in;
  private final Promise<Void> done;
  private final int holdBack;
  private long remaining;

  StreamPump(Exchange ex, Blocking blocking, ChunkReader in, long length, Promise<Void> done) {
    this(ex, blocking, in, length, done, 0);
  }

  /**
   * A pump whose last chunk carries at least {@code holdBack} bytes (all of a shorter body): a
   * reader that checks the whole before handing out its last chunk then keeps that many bytes from
   * a client when the check fails.
   */
  StreamPump(
      Exchange ex,
      Blocking blocking,
      ChunkReader in,
      long length,
      Promise<Void> done,
      int holdBack) {
    this.ex = ex;
    this.blocking = blocking;
    this.in = in;
    this.remaining = length;
    this.done = done;
    this.holdBack = holdBack;
  }

  void next() {
    if (ex.aborted() != null) {
      done.tryFail(ex.aborted());
      return;
    }
    if (remaining == 0) {
      ex.response().end().onComplete(done);
      return;
    }
    long next = Math.min(ContentSender.STREAM_CHUNK, remaining);
    if (remaining - next < holdBack) {
      next = remaining; // at most STREAM_CHUNK + holdBack
    }
    int want = (int) next;
    blocking
        .run(() -> in.read(want))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                done.tryFail(ar.cause());
                return;
              }
              ChunkReader.Chunk chunk = ar.result();
              if (chunk.length() < want) {
                chunk.release();
                done.tryFail(
                    new IOException(
                        "stored content ended " + (remaining - chunk.length()) + " bytes early"));
                return;
              }
              remaining -= chunk.length();
              HttpServerResponse response = ex.response();
              try {
                response.write(chunk.buffer()).onComplete(written -> chunk.release());
              } catch (RuntimeException closed) {
                chunk.release();
                done.tryFail(closed);
                return;
              }
              if (response.writeQueueFull()) {
                response.drainHandler(v -> next());
              } else {
                next();
              }
            });
  }
}
