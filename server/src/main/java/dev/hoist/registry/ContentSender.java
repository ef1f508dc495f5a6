package dev.hoist.registry;

import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.repository.Content;
import dev.hoist.repository.TransferGate;
import dev.hoist.storage.BlobContent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Sends stored bytes (a blob or a manifest) with their headers, in the cheapest way the content
 * allows: a local file, or one a mirror fill is still writing, in zero-copy file regions (opened on
 * a worker; an open file survives a concurrent garbage collection of its path), a stream copied in
 * chunks with backpressure, or a redirect to a presigned URL. The content's {@link TransferGate} is
 * asked before any body byte is sent.
 *
 * <p>With {@code verifyOnRead}, a whole stored body (a local file, or a stream) is instead copied
 * through a {@link VerifyingReader}, which hashes it and keeps its last {@value
 * VerifyingReader#HOLD_BACK} bytes until the digest matched: rotten bytes on disk never reach a
 * client as a complete response, at the price of the zero-copy transfer. A byte range is sent
 * unverified: its bytes cannot be checked without reading the whole blob, which a client resuming
 * the end of a large layer should not wait for, and a client that assembles ranges verifies the
 * digest itself. A blob a mirror fill is still writing needs no check here: the fill hashes every
 * byte and holds back its tail the same way.
 */
final class ContentSender {
  /** Sent with every answer of the mirror's cache: how it answered. */
  static final String CACHE_HEADER = "X-Hoist-Cache";

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
  private final boolean verifyOnRead;
  private final LongAdder fileRegionBytes = new LongAdder();

  ContentSender(Blocking blocking, boolean verifyOnRead) {
    this.blocking = blocking;
    this.verifyOnRead = verifyOnRead;
  }

  /** Body bytes sent by {@link RegionPump}, which the responses' {@code bytesWritten()} miss. */
  long fileRegionBytes() {
    return fileRegionBytes.sum();
  }

  /** Serves a manifest: the whole of it, byte for byte, with its media type. */
  Future<Void> sendManifest(Exchange ex, Content content) {
    return send(ex, content, content.mediaType(), false, null);
  }

  /**
   * Serves a blob; {@code rangeHeader} (null for none) selects one byte range as {@link ByteRange}
   * describes.
   */
  Future<Void> sendBlob(Exchange ex, Content content, String rangeHeader) {
    return send(ex, content, "application/octet-stream", true, rangeHeader);
  }

  private Future<Void> send(
      Exchange ex, Content content, String contentType, boolean acceptRanges, String rangeHeader) {
    HttpServerResponse response = ex.response();
    if (content.cacheStatus() != null) {
      response.putHeader(CACHE_HEADER, content.cacheStatus().name());
    }
    BlobContent body = content.body();
    Digest digest = content.digest();
    if (body == null) {
      // A HEAD the mirror answered from the upstream's headers, without fetching anything.
      if (acceptRanges) {
        response.putHeader(HttpHeaders.ACCEPT_RANGES, "bytes");
      }
      response.putHeader(HttpHeaders.CONTENT_TYPE, contentType);
      response.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(content.size()));
      response.putHeader(Headers.DOCKER_CONTENT_DIGEST, digest.toString());
      response.setStatusCode(200);
      return response.end();
    }
    long size = body.size();
    ByteRange partialRange =
        switch (ByteRange.parse(rangeHeader, size)) {
          case ByteRange.Full full -> null;
          case ByteRange.Partial partial -> partial.range();
          case ByteRange.Unsatisfiable unsatisfiable ->
              throw Errors.withHeaders(
                  ErrorCode.RANGE_INVALID,
                  "requested range not satisfiable for a blob of " + size + " bytes",
                  Map.of(Headers.CONTENT_RANGE, "bytes */" + size));
        };
    long offset = partialRange == null ? 0 : partialRange.start();
    long length = partialRange == null ? size : partialRange.length();
    TransferGate gate = content.gate();
    if (!ex.isHead() && length > 0) {
      if (gate.admissionBlocks()) {
        return blocking
            .run(() -> gate.admitTransfer(length))
            .compose(
                refusal ->
                    refusal.isPresent()
                        ? Future.failedFuture(refusal.get())
                        : sendAdmitted(
                            ex, content, contentType, acceptRanges, partialRange, offset, length));
      }
      var refusal = gate.admitTransfer(length);
      if (refusal.isPresent()) {
        throw refusal.get();
      }
    }
    return sendAdmitted(ex, content, contentType, acceptRanges, partialRange, offset, length);
  }

  /** Sends the headers and the body (or its range) once the gate let it go. */
  private Future<Void> sendAdmitted(
      Exchange ex,
      Content content,
      String contentType,
      boolean acceptRanges,
      ByteRange partialRange,
      long offset,
      long length) {
    HttpServerResponse response = ex.response();
    BlobContent body = content.body();
    Digest digest = content.digest();
    long size = body.size();
    int status = partialRange == null ? 200 : 206;
    TransferGate gate = content.gate();
    if (body instanceof BlobContent.Redirect redirect) {
      // The client fetches the bytes (the range it asked for, which it asks the URL for again)
      // from object storage: they are charged now, when the redirect grants them.
      if (!ex.isHead()) {
        gate.redirected(length);
      }
      response.putHeader(Headers.DOCKER_CONTENT_DIGEST, digest.toString());
      response.putHeader(HttpHeaders.LOCATION, redirect.location().toString());
      ex.end(307);
      return Future.succeededFuture();
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
    if (verifyOnRead && partialRange == null) {
      switch (body) {
        case BlobContent.LocalFile file -> {
          return sendVerified(ex, content, () -> ChunkReader.of(openFile(file, 0)));
        }
        case BlobContent.Streamed streamed -> {
          return sendVerified(ex, content, () -> ChunkReader.of(streamed.open(0, size)));
        }
        default -> {}
      }
    }
    VertxInternals.RegionWriter regions = regionWriter(ex, gate);
    return switch (body) {
      case BlobContent.LocalFile file -> sendFile(ex, regions, file, offset, length);
      case BlobContent.Growing growing -> sendGrowing(ex, regions, growing, offset, length);
      case BlobContent.Streamed streamed ->
          sendChunks(ex, () -> ChunkReader.of(streamed.open(offset, length)), length);
      case BlobContent.InMemory memory ->
          response.end(Buffer.buffer(memory.bytes()).slice((int) offset, (int) (offset + length)));
      case BlobContent.Redirect redirect -> throw new IllegalStateException("answered above");
    };
  }

  /**
   * Where to write file regions, or null when this response must be copied: HTTP/2 frames every
   * byte, TLS encrypts every byte (netty's SslHandler takes no file regions), and a metered request
   * counts the bytes as they are written. Vert.x's public API sends a file only as a whole response
   * ({@code HttpServerResponse.sendFile}), which cannot follow a file that is still growing, and
   * which cost more: in interleaved rounds of 8 concurrent GETs of a stored 200 MiB blob, 0.23-0.28
   * CPU-s per GB that way against 0.20-0.24 with {@link RegionPump} (nginx: 0.14-0.21).
   */
  private static VertxInternals.RegionWriter regionWriter(Exchange ex, TransferGate gate) {
    if (!gate.zeroCopy() || ex.request().version() == HttpVersion.HTTP_2 || ex.request().isSSL()) {
      return null;
    }
    return VertxInternals.regionWriter(ex.request());
  }

  private Future<Void> sendFile(
      Exchange ex,
      VertxInternals.RegionWriter regions,
      BlobContent.LocalFile file,
      long offset,
      long length) {
    if (regions == null) {
      return sendChunks(ex, () -> ChunkReader.of(openFile(file, offset)), length);
    }
    return blocking
        .run(() -> FileChannel.open(file.path(), StandardOpenOption.READ))
        .compose(
            channel -> {
              Promise<Void> done = Promise.promise();
              RegionSource whole = RegionSource.complete(channel, file.size());
              new RegionPump(
                      ex, blocking, regions, whole, offset, offset + length, done, fileRegionBytes)
                  .start();
              return closeAfter(done.future(), channel);
            });
  }

  private static FileChannel openFile(BlobContent.LocalFile file, long offset) throws IOException {
    FileChannel channel = FileChannel.open(file.path(), StandardOpenOption.READ);
    try {
      channel.position(offset);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    return channel;
  }

  /** The whole of {@code content}, hashed as it is copied, its tail held back until it matched. */
  private Future<Void> sendVerified(Exchange ex, Content content, ChunkReader.Opener open) {
    long length = content.body().size();
    return blocking
        .run(() -> new VerifyingReader(open.open(), content, length))
        .compose(
            reader -> {
              Promise<Void> done = Promise.promise();
              new StreamPump(ex, blocking, reader, length, done, VerifyingReader.HOLD_BACK).next();
              return closeAfter(done.future(), reader);
            });
  }

  /** A blob a mirror fill is still writing: zero-copy from its spool file when it has one. */
  private Future<Void> sendGrowing(
      Exchange ex,
      VertxInternals.RegionWriter regions,
      BlobContent.Growing growing,
      long offset,
      long length) {
    return blocking
        .run(() -> growing.open(offset, length))
        .compose(
            file -> {
              Promise<Void> done = Promise.promise();
              if (regions != null && file.file().isPresent()) {
                RegionSource source = RegionSource.growing(file);
                new RegionPump(
                        ex,
                        blocking,
                        regions,
                        source,
                        offset,
                        offset + length,
                        done,
                        fileRegionBytes)
                    .start();
              } else {
                new StreamPump(ex, blocking, ChunkReader.of(file), length, done).next();
              }
              return closeAfter(done.future(), file);
            });
  }

  /** Copies what {@code open} opens (on a worker) to the response in chunks. */
  private Future<Void> sendChunks(Exchange ex, ChunkReader.Opener open, long length) {
    return blocking
        .run(open::open)
        .compose(
            reader -> {
              Promise<Void> done = Promise.promise();
              new StreamPump(ex, blocking, reader, length, done).next();
              return closeAfter(done.future(), reader);
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
}
