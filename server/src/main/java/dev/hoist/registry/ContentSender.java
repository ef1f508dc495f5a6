package dev.hoist.registry;

import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.storage.BlobContent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Sends stored bytes (a blob or a manifest) with their headers, in the cheapest way the store
 * offers: a local file with zero-copy {@code sendFile} (opened on a worker; an open file survives a
 * concurrent garbage collection of its path), a stream copied in chunks with backpressure, or a
 * redirect to a presigned URL.
 */
final class ContentSender {
  static final int STREAM_CHUNK = 64 * 1024;

  private final Blocking blocking;

  ContentSender(Blocking blocking) {
    this.blocking = blocking;
  }

  /** Serves a manifest: the whole of it, byte for byte. */
  Future<Void> sendManifest(Exchange ex, BlobContent content, Digest digest, String mediaType) {
    return send(ex, content, digest, mediaType, false, null);
  }

  /**
   * Serves a blob; {@code rangeHeader} (null for none) selects one byte range as {@link ByteRange}
   * describes.
   */
  Future<Void> sendBlob(Exchange ex, BlobContent content, Digest digest, String rangeHeader) {
    return send(ex, content, digest, "application/octet-stream", true, rangeHeader);
  }

  private Future<Void> send(
      Exchange ex,
      BlobContent content,
      Digest digest,
      String contentType,
      boolean acceptRanges,
      String rangeHeader) {
    long size = content.size();
    HttpServerResponse response = ex.response();
    if (content instanceof BlobContent.Redirect redirect) {
      response.putHeader(Headers.DOCKER_CONTENT_DIGEST, digest.toString());
      response.putHeader(HttpHeaders.LOCATION, redirect.location().toString());
      ex.end(307);
      return Future.succeededFuture();
    }
    ByteRange.Result wanted = ByteRange.parse(rangeHeader, size);
    if (wanted instanceof ByteRange.Unsatisfiable) {
      throw Errors.withHeaders(
          ErrorCode.RANGE_INVALID,
          "requested range not satisfiable for a blob of " + size + " bytes",
          Map.of(Headers.CONTENT_RANGE, "bytes */" + size));
    }
    long offset = 0;
    long length = size;
    int status = 200;
    ByteRange partialRange = null;
    if (wanted instanceof ByteRange.Partial partial) {
      partialRange = partial.range();
      offset = partialRange.start();
      length = partialRange.length();
      status = 206;
    }
    if (!ex.isHead() && length > 0 && ex.request() instanceof TransferGate gate) {
      var refusal = gate.admitTransfer(length);
      if (refusal.isPresent()) {
        var error = refusal.get().error();
        throw new ApiException(
            error.code(), error.getMessage(), error.detail(), refusal.get().headers());
      }
    }
    if (partialRange != null) {
      response.putHeader(Headers.CONTENT_RANGE, partialRange.contentRange(size));
    }
    response.setStatusCode(status);
    response.putHeader(HttpHeaders.CONTENT_TYPE, contentType);
    response.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(length));
    response.putHeader(Headers.DOCKER_CONTENT_DIGEST, digest.toString());
    response.putHeader(HttpHeaders.ETAG, "\"" + digest + "\"");
    if (acceptRanges) {
      response.putHeader(HttpHeaders.ACCEPT_RANGES, "bytes");
    }
    if (ex.isHead() || length == 0) {
      return response.end();
    }
    if (content instanceof BlobContent.LocalFile file) {
      return sendFile(ex, file, offset, length);
    }
    return sendStream(ex, (BlobContent.Streamed) content, offset, length);
  }

  private Future<Void> sendFile(Exchange ex, BlobContent.LocalFile file, long offset, long length) {
    boolean zeroCopy = !(ex.request() instanceof TransferGate gate) || gate.zeroCopy();
    if (ex.request().version() == HttpVersion.HTTP_2 || !zeroCopy) {
      // HTTP/2 frames every byte, so there is no zero-copy path: copy the file like a stream (so
      // too for a metered request, which counts the bytes as they are written).
      BlobContent.Streamed streamed =
          new BlobContent.Streamed(
              file.size(),
              (from, count) -> {
                FileChannel channel = FileChannel.open(file.path(), StandardOpenOption.READ);
                channel.position(from);
                return Channels.newInputStream(channel);
              });
      return sendStream(ex, streamed, offset, length);
    }
    return blocking
        .run(() -> new RandomAccessFile(file.path().toFile(), "r"))
        .compose(
            raf ->
                ex.response()
                    .sendFile(raf, offset, length)
                    .andThen(
                        ar ->
                            blocking.run(
                                () -> {
                                  raf.close();
                                  return null;
                                })));
  }

  private Future<Void> sendStream(
      Exchange ex, BlobContent.Streamed content, long offset, long length) {
    return blocking
        .run(() -> content.open(offset, length))
        .compose(
            in -> {
              Promise<Void> done = Promise.promise();
              new StreamPump(ex, in, length, done).next();
              return done.future()
                  .andThen(
                      ar ->
                          blocking.run(
                              () -> {
                                in.close();
                                return null;
                              }));
            });
  }

  /** Copies a stream to the response a chunk at a time, waiting for the socket to drain. */
  private final class StreamPump {
    private final Exchange ex;
    private final InputStream in;
    private final Promise<Void> done;
    private long remaining;

    StreamPump(Exchange ex, InputStream in, long length, Promise<Void> done) {
      this.ex = ex;
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
      int want = (int) Math.min(STREAM_CHUNK, remaining);
      blocking
          .run(() -> in.readNBytes(want))
          .onComplete(
              ar -> {
                if (ar.failed()) {
                  done.tryFail(ar.cause());
                  return;
                }
                byte[] bytes = ar.result();
                if (bytes.length < want) {
                  done.tryFail(
                      new IOException(
                          "stored content ended " + (remaining - bytes.length) + " bytes early"));
                  return;
                }
                remaining -= bytes.length;
                HttpServerResponse response = ex.response();
                response.write(Buffer.buffer(bytes));
                if (response.writeQueueFull()) {
                  response.drainHandler(v -> next());
                } else {
                  next();
                }
              });
    }
  }
}
