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
  private long remaining;

  StreamPump(Exchange ex, Blocking blocking, ChunkReader in, long length, Promise<Void> done) {
    this.ex = ex;
    this.blocking = blocking;
    this.in = in;
    this.remaining = length;
    this.done = done;
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
    int want = (int) Math.min(ContentSender.STREAM_CHUNK, remaining);
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
