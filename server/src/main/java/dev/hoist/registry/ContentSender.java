package dev.hoist.registry;

import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.GrowingFile;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultFileRegion;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.impl.VertxConnection;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Sends stored bytes (a blob or a manifest) with their headers, in the cheapest way the store
 * offers: a local file, or one a mirror fill is still writing, in zero-copy file regions (opened on
 * a worker; an open file survives a concurrent garbage collection of its path), a stream copied in
 * chunks with backpressure, or a redirect to a presigned URL.
 */
final class ContentSender {
  /**
   * Bytes per streamed write. Each chunk costs a hop to a virtual thread and back to the event
   * loop: a cold 25 MiB blob through the mirror took 0.31 s in 64 KiB chunks, 0.20 s in 256 KiB
   * ones, and no less in 1 MiB ones (loopback, warm JIT).
   */
  static final int STREAM_CHUNK = 256 * 1024;

  /**
   * Bytes per file region. Fewer, larger regions mean fewer trips through the event loop and less
   * of that code to compile: in the bench's warm blob row, a fresh server used 0.20-0.23 CPU-s per
   * GB with 1 MiB regions (Vert.x's own size) and 0.19-0.21 with 4 MiB, 16 MiB or no limit.
   */
  static final long MAX_REGION = 4L * 1024 * 1024;

  private final Blocking blocking;
  private final LongAdder fileRegionBytes = new LongAdder();

  ContentSender(Blocking blocking) {
    this.blocking = blocking;
  }

  /** Body bytes sent by {@link RegionPump}, which the responses' {@code bytesWritten()} miss. */
  long fileRegionBytes() {
    return fileRegionBytes.sum();
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

  /**
   * The connection to write file regions to, or null when this response must be copied: HTTP/2
   * frames every byte, and a metered request counts the bytes as they are written. Vert.x's public
   * API sends a file only as a whole response ({@code HttpServerResponse.sendFile}), which cannot
   * follow a file that is still growing, and which cost more: in interleaved rounds of 8 concurrent
   * GETs of a stored 200 MiB blob, 0.23-0.28 CPU-s per GB that way against 0.20-0.24 with {@link
   * RegionPump} (nginx: 0.14-0.21). The HTTP/1.x connection class is internal API, so any other
   * connection falls back to copying.
   */
  private static VertxConnection regionConnection(Exchange ex) {
    boolean unmetered = !(ex.request() instanceof TransferGate gate) || gate.zeroCopy();
    if (!unmetered || ex.request().version() == HttpVersion.HTTP_2) {
      return null;
    }
    return ex.request().connection() instanceof VertxConnection connection ? connection : null;
  }

  private Future<Void> sendFile(Exchange ex, BlobContent.LocalFile file, long offset, long length) {
    VertxConnection connection = regionConnection(ex);
    if (connection == null) {
      // HTTP/2 frames every byte, so there is no zero-copy path: copy the file like a stream (so
      // too for a metered request, which counts the bytes as they are written).
      return sendStream(ex, new BlobContent.Streamed(file.size(), openFile(file)), offset, length);
    }
    return blocking
        .run(() -> FileChannel.open(file.path(), StandardOpenOption.READ))
        .compose(
            channel -> {
              Promise<Void> done = Promise.promise();
              GrowingFile whole = new StoredFile(channel, file.size());
              new RegionPump(ex, connection, whole, offset, offset + length, done).start();
              return closeAfter(done.future(), channel);
            });
  }

  /** Closes what a transfer read from, on a worker, once the transfer ended either way. */
  private Future<Void> closeAfter(Future<Void> transfer, Closeable source) {
    return transfer.andThen(
        ar ->
            blocking.run(
                () -> {
                  source.close();
                  return null;
                }));
  }

  private static BlobContent.Opener openFile(BlobContent.LocalFile file) {
    return (from, count) -> {
      FileChannel channel = FileChannel.open(file.path(), StandardOpenOption.READ);
      channel.position(from);
      return new FileStream(channel);
    };
  }

  /** A stored file: every byte of it readable now. */
  private record StoredFile(FileChannel channel, long size) implements GrowingFile {
    @Override
    public long readableNow() {
      return size;
    }

    @Override
    public long awaitReadable(long position) {
      return size;
    }
  }

  private Future<Void> sendStream(
      Exchange ex, BlobContent.Streamed content, long offset, long length) {
    return blocking
        .run(() -> content.open(offset, length))
        .compose(
            in -> {
              Promise<Void> done = Promise.promise();
              VertxConnection connection = regionConnection(ex);
              if (in instanceof GrowingFile file && connection != null) {
                new RegionPump(ex, connection, file, offset, offset + length, done).start();
              } else {
                new StreamPump(ex, in, length, done).next();
              }
              return closeAfter(done.future(), in);
            });
  }

  /**
   * Sends a file with zero-copy file transfer, one region of at most {@link #MAX_REGION} at a time,
   * the next written when the socket took the last, so the socket sets the pace. A file a mirror
   * fill is still writing ({@link GrowingFile}) is sent as far as the fill has released it; only a
   * reader that caught up with the fill waits, on a virtual thread. Against copying a fill through
   * the heap in chunks, this saves a copy and a hop to a virtual thread and back per chunk: 16
   * concurrent cold pulls of a 265 MB image cost the mirror 2.2-2.4 CPU-s instead of 4.9-5.1.
   */
  private final class RegionPump {
    private final Exchange ex;
    private final VertxConnection connection;
    private final GrowingFile file;
    private final long end;
    private final Promise<Void> done;
    private long position;

    RegionPump(
        Exchange ex,
        VertxConnection connection,
        GrowingFile file,
        long offset,
        long end,
        Promise<Void> done) {
      this.ex = ex;
      this.connection = connection;
      this.file = file;
      this.position = offset;
      this.end = end;
      this.done = done;
    }

    void start() {
      ex.response().writeHead();
      next();
    }

    private void next() {
      if (ex.aborted() != null) {
        done.tryFail(ex.aborted());
        return;
      }
      if (position == end) {
        ex.response().end().onComplete(done);
        return;
      }
      long readable = Math.min(file.readableNow(), end);
      if (readable > position) {
        send(Math.min(readable - position, MAX_REGION));
        return;
      }
      long at = position;
      blocking
          .run(() -> file.awaitReadable(at))
          .onComplete(
              ar -> {
                if (ar.failed()) {
                  done.tryFail(ar.cause());
                } else {
                  next();
                }
              });
    }

    private void send(long count) {
      long from = position;
      position += count;
      ChannelPromise sent = connection.channel().newPromise();
      try {
        DefaultFileRegion region = new DefaultFileRegion(file.channel(), from, count);
        // Netty releases a region once written, and a released region closes its file, which is
        // the caller's to close.
        region.retain();
        connection.writeToChannel(region, sent);
      } catch (RuntimeException closed) {
        done.tryFail(closed);
        return;
      }
      sent.addListener(
          result ->
              ex.context()
                  .runOnContext(
                      v -> {
                        if (result.isSuccess()) {
                          fileRegionBytes.add(count);
                          next();
                        } else {
                          done.tryFail(result.cause());
                        }
                      }));
    }
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
          .run(() -> readChunk(want))
          .onComplete(
              ar -> {
                if (ar.failed()) {
                  done.tryFail(ar.cause());
                  return;
                }
                Chunk chunk = ar.result();
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

    /**
     * The next {@code want} bytes, fewer only where the stream ends. A channel (a file, a mirror
     * fill's spool) is read straight into pooled direct memory, which the socket takes without
     * another copy and which goes back to the pool once written; a plain stream goes through a heap
     * array.
     */
    private Chunk readChunk(int want) throws IOException {
      if (in instanceof ReadableByteChannel channel) {
        ByteBuf direct = ByteBufAllocator.DEFAULT.directBuffer(want, want);
        try {
          ByteBuffer window = direct.nioBuffer(0, want);
          while (window.hasRemaining() && channel.read(window) >= 0) {
            // a blocking channel: each read returns at least one byte, or -1 at the end
          }
          direct.writerIndex(window.position());
          // Vert.x hands the socket an unreleasable view of it, so the pool gets it back from us.
          return new Chunk(BufferInternal.buffer(direct), direct);
        } catch (IOException | RuntimeException e) {
          direct.release();
          throw e;
        }
      }
      return new Chunk(Buffer.buffer(in.readNBytes(want)), null);
    }
  }

  /** Bytes to write, and the pooled memory behind them (null for a heap array). */
  private record Chunk(Buffer buffer, ByteBuf pooled) {
    int length() {
      return buffer.length();
    }

    void release() {
      if (pooled != null) {
        pooled.release();
      }
    }
  }

  /** A file read from its position on: as a stream, and as a channel for {@link StreamPump}. */
  private static final class FileStream extends InputStream implements ReadableByteChannel {
    private final FileChannel channel;

    FileStream(FileChannel channel) {
      this.channel = channel;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return channel.read(ByteBuffer.wrap(b, off, len));
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return channel.read(dst);
    }

    @Override
    public boolean isOpen() {
      return channel.isOpen();
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
