package dev.hoist.registry;

import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.InvalidReferenceException;
import dev.hoist.oci.RepositoryName;
import dev.hoist.storage.BlobUpload;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Blob uploads: {@code POST /v2/<name>/blobs/uploads/} (a new session, a monolithic upload with
 * {@code ?digest=}, or a cross-repository mount with {@code ?mount=&from=}) and {@code GET}, {@code
 * PATCH}, {@code PUT}, {@code DELETE} of {@code /v2/<name>/blobs/uploads/<id>}.
 *
 * <p>Bodies stream into storage through {@link BodyStreamer}, hashed as they go. A chunk with a
 * {@code Content-Range} must start exactly where the session ends (else 416 with the session's
 * {@code Range}); a chunk without one is appended. Completion verifies the digest: on a mismatch
 * nothing is stored and the session ends.
 */
final class UploadHandler {
  private final Backend backend;
  private final UploadSessions sessions;

  UploadHandler(Backend backend, UploadSessions sessions) {
    this.backend = backend;
    this.sessions = sessions;
  }

  Future<Void> handleStart(Exchange ex, RepositoryName name) {
    return handleStart(ex, name, true);
  }

  /** {@code mountAllowed} false: a mount request starts a plain upload instead (no access). */
  Future<Void> handleStart(Exchange ex, RepositoryName name, boolean mountAllowed) {
    if (!ex.method().name().equals("POST")) {
      throw Methods.notAllowed(ex, "POST");
    }
    String mount = ex.param("mount");
    if (mount != null) {
      Digest digest = Errors.digest(mount);
      RepositoryName from = mountAllowed ? repositoryOrNull(ex.param("from")) : null;
      if (from == null) {
        return startSession(ex, name);
      }
      return backend
          .blocking()
          .run(() -> mount(name, from, digest))
          .compose(mounted -> mounted ? created(ex, name, digest) : startSession(ex, name));
    }
    String digestText = ex.param("digest");
    if (digestText != null) {
      return monolithic(ex, name, Errors.digest(digestText));
    }
    return startSession(ex, name);
  }

  Future<Void> handleSession(Exchange ex, RepositoryName name, String id) {
    return switch (ex.method().name()) {
      case "GET" -> status(ex, name, id);
      case "PATCH" -> patch(ex, name, id);
      case "PUT" -> put(ex, name, id);
      case "DELETE" -> cancel(ex, name, id);
      default -> throw Methods.notAllowed(ex, "GET, PATCH, PUT, DELETE");
    };
  }

  private static RepositoryName repositoryOrNull(String text) {
    if (text == null) {
      return null;
    }
    try {
      return RepositoryName.of(text);
    } catch (InvalidReferenceException e) {
      return null;
    }
  }

  /** Links the blob from {@code from} into {@code name}; false when {@code from} lacks it. */
  private boolean mount(RepositoryName name, RepositoryName from, Digest digest)
      throws IOException {
    if (backend.metadata().read(tx -> tx.linkedBlobSize(from, digest)).isEmpty()
        || backend.blobs().size(digest).isEmpty()) {
      return false;
    }
    return backend
        .metadata()
        .write(
            tx -> {
              Long size = tx.linkedBlobSize(from, digest).orElse(null);
              if (size == null) {
                return false;
              }
              tx.linkBlob(name, digest, size);
              return true;
            });
  }

  private Future<Void> startSession(Exchange ex, RepositoryName name) {
    return backend
        .blocking()
        .run(() -> sessions.create(name))
        .map(
            upload -> {
              sessionHeaders(ex, name, upload.id(), 0);
              long min = backend.options().chunkMinLength();
              if (min > 0) {
                ex.response().putHeader(Headers.OCI_CHUNK_MIN_LENGTH, Long.toString(min));
              }
              ex.end(202);
              return null;
            });
  }

  private Future<Void> monolithic(Exchange ex, RepositoryName name, Digest digest) {
    return backend
        .blocking()
        .run(() -> sessions.create(name))
        .compose(
            upload ->
                sessions.locked(
                    ex.context(), upload.id(), () -> receiveWhole(ex, name, upload, digest)))
        .compose(size -> created(ex, name, digest));
  }

  /**
   * Receives and commits a whole blob. On any failure the session ends: the client never learnt its
   * id, so it cannot come back to it.
   */
  private Future<Long> receiveWhole(
      Exchange ex, RepositoryName name, BlobUpload upload, Digest digest) {
    String id = upload.id();
    return BodyStreamer.stream(ex, backend.blocking(), upload)
        .compose(n -> backend.blocking().run(() -> sessions.complete(name, id, upload, digest)))
        .recover(
            failure ->
                backend
                    .blocking()
                    .run(
                        () -> {
                          sessions.end(id);
                          return 0L;
                        })
                    .transform(ar -> Future.<Long>failedFuture(failure)));
  }

  private Future<Void> status(Exchange ex, RepositoryName name, String id) {
    return sessions.locked(
        ex.context(),
        id,
        () ->
            backend
                .blocking()
                .run(() -> sessions.get(name, id))
                .map(
                    progress -> {
                      sessionHeaders(ex, name, id, progress.size());
                      ex.end(204);
                      return null;
                    }));
  }

  private Future<Void> patch(Exchange ex, RepositoryName name, String id) {
    ContentRange range = ContentRange.parse(ex.header(Headers.CONTENT_RANGE));
    checkLength(ex, range);
    return sessions.locked(
        ex.context(),
        id,
        () ->
            backend
                .blocking()
                .run(() -> sessions.get(name, id))
                .compose(progress -> append(ex, name, id, progress, range))
                .compose(size -> backend.blocking().run(() -> touched(id, size)))
                .map(
                    size -> {
                      sessionHeaders(ex, name, id, size);
                      ex.end(202);
                      return null;
                    }));
  }

  private long touched(String id, long size) {
    sessions.touch(id, size);
    return size;
  }

  private Future<Void> put(Exchange ex, RepositoryName name, String id) {
    Digest digest = Errors.digest(ex.param("digest"));
    ContentRange range = ContentRange.parse(ex.header(Headers.CONTENT_RANGE));
    checkLength(ex, range);
    return sessions
        .locked(
            ex.context(),
            id,
            () ->
                backend
                    .blocking()
                    .run(() -> sessions.get(name, id))
                    .compose(progress -> finish(ex, name, id, progress, range, digest)))
        .compose(size -> created(ex, name, digest));
  }

  /** Appends the last chunk (if any), then verifies and commits the blob. */
  private Future<Long> finish(
      Exchange ex,
      RepositoryName name,
      String id,
      UploadSessions.Progress progress,
      ContentRange range,
      Digest digest) {
    return append(ex, name, id, progress, range)
        .compose(
            size ->
                backend
                    .blocking()
                    .run(() -> sessions.complete(name, id, progress.upload(), digest)));
  }

  /**
   * Appends the body after checking that its range starts where the session ends; completes with
   * the session's new size.
   */
  private Future<Long> append(
      Exchange ex,
      RepositoryName name,
      String id,
      UploadSessions.Progress progress,
      ContentRange range) {
    long size = progress.size();
    if (range != null && range.start() != size) {
      throw Errors.withHeaders(
          ErrorCode.RANGE_INVALID,
          "chunk starts at "
              + range.start()
              + " but the upload has "
              + size
              + " bytes: chunks must be sent in order, without gaps or overlaps",
          sessionHeaderMap(name, id, size));
    }
    BlobUpload upload = progress.upload();
    return BodyStreamer.stream(ex, backend.blocking(), upload)
        .map(n -> size + n)
        .onFailure(
            failure -> {
              if (failure != ex.aborted()) {
                // A storage failure may leave the open upload in any state; resume it afresh.
                sessions.forget(id);
              }
            });
  }

  /** A Content-Length must agree with the Content-Range it comes with. */
  private static void checkLength(Exchange ex, ContentRange range) {
    String length = ex.header(HttpHeaders.CONTENT_LENGTH);
    if (range == null || length == null) {
      return;
    }
    long declared;
    try {
      declared = Long.parseLong(length.strip());
    } catch (NumberFormatException e) {
      throw Errors.error(ErrorCode.SIZE_INVALID, "invalid Content-Length");
    }
    if (declared != range.length()) {
      throw Errors.error(
          ErrorCode.SIZE_INVALID,
          "Content-Length " + declared + " does not match Content-Range " + range,
          "contentLength",
          declared);
    }
  }

  private Future<Void> cancel(Exchange ex, RepositoryName name, String id) {
    return sessions.locked(
        ex.context(),
        id,
        () ->
            backend
                .blocking()
                .run(
                    () -> {
                      sessions.cancel(name, id);
                      return null;
                    })
                .map(
                    v -> {
                      ex.end(204);
                      return null;
                    }));
  }

  private static Future<Void> created(Exchange ex, RepositoryName name, Digest digest) {
    HttpServerResponse response = ex.response();
    response.putHeader(HttpHeaders.LOCATION, "/v2/" + name + "/blobs/" + digest);
    response.putHeader(Headers.DOCKER_CONTENT_DIGEST, digest.toString());
    ex.end(201);
    return Future.succeededFuture();
  }

  private static void sessionHeaders(Exchange ex, RepositoryName name, String id, long size) {
    sessionHeaderMap(name, id, size).forEach(ex.response()::putHeader);
  }

  /**
   * Location, Docker-Upload-UUID and, once the session holds bytes, {@code Range: 0-<last byte>}
   * (no Range while it is empty: {@code 0-0} would claim one byte).
   */
  private static Map<String, String> sessionHeaderMap(RepositoryName name, String id, long size) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(HttpHeaders.LOCATION.toString(), "/v2/" + name + "/blobs/uploads/" + id);
    headers.put(Headers.DOCKER_UPLOAD_UUID, id);
    if (size > 0) {
      headers.put(Headers.RANGE, "0-" + (size - 1));
    }
    return headers;
  }
}
