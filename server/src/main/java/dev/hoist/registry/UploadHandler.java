package dev.hoist.registry;

import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.InvalidReferenceException;
import dev.hoist.oci.RepositoryName;
import dev.hoist.repository.Repository;
import dev.hoist.repository.Uploads;
import dev.hoist.storage.BlobUpload;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
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

  /** {@code mountAllowed} false: a mount request starts a plain upload instead (no access). */
  Future<Void> handleStart(Exchange ex, Repository repository, boolean mountAllowed) {
    Repository.Writer writer = repository.writer();
    RepositoryName name = repository.name();
    Uploads uploads = writer.uploads();
    if (!ex.method().name().equals("POST")) {
      throw Methods.notAllowed(ex, "POST");
    }
    String mount = ex.param("mount");
    if (mount != null) {
      Digest digest = Errors.digest(mount);
      RepositoryName from = mountAllowed ? repositoryOrNull(ex.param("from")) : null;
      if (from == null) {
        return startSession(ex, name, uploads);
      }
      return backend
          .blocking()
          .run(() -> writer.mountBlob(digest, from))
          .compose(
              mounted -> mounted ? created(ex, name, digest) : startSession(ex, name, uploads));
    }
    String digestText = ex.param("digest");
    if (digestText != null) {
      return monolithic(ex, name, uploads, Errors.digest(digestText));
    }
    return startSession(ex, name, uploads);
  }

  Future<Void> handleSession(Exchange ex, Repository repository, String id) {
    Uploads uploads = repository.writer().uploads();
    RepositoryName name = repository.name();
    return switch (ex.method().name()) {
      case "GET" -> status(ex, name, uploads, id);
      case "PATCH" -> patch(ex, name, uploads, id);
      case "PUT" -> put(ex, name, uploads, id);
      case "DELETE" -> cancel(ex, uploads, id);
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

  private Future<Void> startSession(Exchange ex, RepositoryName name, Uploads uploads) {
    return backend
        .blocking()
        .run(uploads::create)
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

  private Future<Void> monolithic(
      Exchange ex, RepositoryName name, Uploads uploads, Digest digest) {
    return backend
        .blocking()
        .run(uploads::create)
        .compose(
            upload ->
                sessions.locked(
                    ex.context(), upload.id(), () -> receiveWhole(ex, uploads, upload, digest)))
        .compose(size -> created(ex, name, digest));
  }

  /**
   * Receives and commits a whole blob. On any failure the session ends: the client never learnt its
   * id, so it cannot come back to it.
   */
  private Future<Long> receiveWhole(
      Exchange ex, Uploads uploads, BlobUpload upload, Digest digest) {
    String id = upload.id();
    return BodyStreamer.stream(ex, backend.blocking(), upload)
        .compose(n -> backend.blocking().run(() -> uploads.complete(id, upload, digest)))
        .recover(
            failure ->
                backend
                    .blocking()
                    .run(
                        () -> {
                          uploads.end(id);
                          return 0L;
                        })
                    .transform(ar -> Future.<Long>failedFuture(failure)));
  }

  private Future<Void> status(Exchange ex, RepositoryName name, Uploads uploads, String id) {
    return sessions.locked(
        ex.context(),
        id,
        () ->
            backend
                .blocking()
                .run(() -> uploads.open(id))
                .map(
                    progress -> {
                      sessionHeaders(ex, name, id, progress.size());
                      ex.end(204);
                      return null;
                    }));
  }

  private Future<Void> patch(Exchange ex, RepositoryName name, Uploads uploads, String id) {
    ContentRange range = ContentRange.parse(ex.header(Headers.CONTENT_RANGE));
    checkLength(ex, range);
    return sessions.locked(
        ex.context(),
        id,
        () ->
            backend
                .blocking()
                .run(() -> uploads.open(id))
                .compose(progress -> append(ex, name, uploads, id, progress, range))
                .compose(size -> backend.blocking().run(() -> touched(uploads, id, size)))
                .map(
                    size -> {
                      sessionHeaders(ex, name, id, size);
                      ex.end(202);
                      return null;
                    }));
  }

  private static long touched(Uploads uploads, String id, long size) {
    uploads.touch(id, size);
    return size;
  }

  private Future<Void> put(Exchange ex, RepositoryName name, Uploads uploads, String id) {
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
                    .run(() -> uploads.open(id))
                    .compose(progress -> finish(ex, name, uploads, id, progress, range, digest)))
        .compose(size -> created(ex, name, digest));
  }

  /** Appends the last chunk (if any), then verifies and commits the blob. */
  private Future<Long> finish(
      Exchange ex,
      RepositoryName name,
      Uploads uploads,
      String id,
      Uploads.Progress progress,
      ContentRange range,
      Digest digest) {
    return append(ex, name, uploads, id, progress, range)
        .compose(
            size -> backend.blocking().run(() -> uploads.complete(id, progress.upload(), digest)));
  }

  /**
   * Appends the body after checking that its range starts where the session ends; completes with
   * the session's new size.
   */
  private Future<Long> append(
      Exchange ex,
      RepositoryName name,
      Uploads uploads,
      String id,
      Uploads.Progress progress,
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
                uploads.forget(id);
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

  private Future<Void> cancel(Exchange ex, Uploads uploads, String id) {
    return sessions.locked(
        ex.context(),
        id,
        () ->
            backend
                .blocking()
                .run(
                    () -> {
                      uploads.cancel(id);
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
