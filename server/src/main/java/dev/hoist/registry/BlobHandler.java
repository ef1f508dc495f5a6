package dev.hoist.registry;

import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.RepositoryName;
import dev.hoist.storage.BlobContent;
import io.vertx.core.Future;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /v2/<name>/blobs/<digest>}: GET and HEAD (with a single byte range) and DELETE.
 *
 * <p>A blob is readable through a repository only while that repository links it; DELETE removes
 * this repository's link and leaves the bytes, which other repositories may link, to garbage
 * collection.
 */
final class BlobHandler {
  private static final Logger log = LoggerFactory.getLogger(BlobHandler.class);

  private final Backend backend;
  private final ContentSender sender;

  BlobHandler(Backend backend, ContentSender sender) {
    this.backend = backend;
    this.sender = sender;
  }

  Future<Void> handle(Exchange ex, RepositoryName name, String digestText) {
    return switch (ex.method().name()) {
      case "GET", "HEAD" -> get(ex, name, Errors.digest(digestText));
      case "DELETE" -> delete(ex, name, digestText);
      default -> throw Methods.notAllowed(ex, "GET, HEAD, DELETE");
    };
  }

  private Future<Void> get(Exchange ex, RepositoryName name, Digest digest) {
    return backend
        .blocking()
        .run(() -> open(name, digest))
        .compose(content -> sender.sendBlob(ex, content, digest, ex.header(Headers.RANGE)));
  }

  private BlobContent open(RepositoryName name, Digest digest) throws IOException {
    boolean linked = backend.metadata().read(tx -> tx.linkedBlobSize(name, digest)).isPresent();
    if (!linked) {
      throw unknown(name, digest);
    }
    BlobContent content = backend.blobs().open(digest).orElse(null);
    if (content == null) {
      log.warn("blob linked but its bytes are missing: repository={} digest={}", name, digest);
      throw unknown(name, digest);
    }
    return content;
  }

  private static RuntimeException unknown(RepositoryName name, Digest digest) {
    return Errors.error(
        ErrorCode.BLOB_UNKNOWN,
        "blob unknown to this repository",
        "name",
        name.value(),
        "digest",
        digest.toString());
  }

  private Future<Void> delete(Exchange ex, RepositoryName name, String digestText) {
    if (!backend.options().deleteEnabled()) {
      throw Errors.error(ErrorCode.UNSUPPORTED, "deletes are disabled on this registry");
    }
    Digest digest = Errors.digest(digestText);
    return backend
        .blocking()
        .run(
            () ->
                backend
                    .metadata()
                    .write(
                        tx -> {
                          if (!tx.unlinkBlob(name, digest)) {
                            throw unknown(name, digest);
                          }
                          return null;
                        }))
        .map(
            v -> {
              ex.end(202);
              return null;
            });
  }
}
