package dev.hoist.registry;

import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.repository.Repository;
import io.vertx.core.Future;

/**
 * {@code /v2/<name>/blobs/<digest>}: GET and HEAD (with a single byte range) and DELETE, which
 * removes the blob from this repository only.
 */
final class BlobHandler {
  private final Backend backend;
  private final ContentSender sender;

  BlobHandler(Backend backend, ContentSender sender) {
    this.backend = backend;
    this.sender = sender;
  }

  Future<Void> handle(Exchange ex, Repository repository, String digestText) {
    return switch (ex.method().name()) {
      case "GET", "HEAD" -> get(ex, repository, Errors.digest(digestText));
      case "DELETE" -> delete(ex, repository.writer(), digestText);
      default -> throw Methods.notAllowed(ex, "GET, HEAD, DELETE");
    };
  }

  private Future<Void> get(Exchange ex, Repository repository, Digest digest) {
    return backend
        .blocking()
        .run(() -> repository.blobs().get(digest, ex.isHead()))
        .compose(content -> sender.sendBlob(ex, content, ex.header(Headers.RANGE)));
  }

  private Future<Void> delete(Exchange ex, Repository.Writer writer, String digestText) {
    if (!backend.options().deleteEnabled()) {
      throw Errors.error(ErrorCode.UNSUPPORTED, "deletes are disabled on this registry");
    }
    Digest digest = Errors.digest(digestText);
    return backend
        .blocking()
        .run(
            () -> {
              writer.deleteBlob(digest);
              return null;
            })
        .map(
            v -> {
              ex.end(202);
              return null;
            });
  }
}
