package dev.hoist.registry;

import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.pipeline.Call;
import dev.hoist.pipeline.Stage;
import dev.hoist.repository.CacheStatus;
import dev.hoist.repository.Content;
import dev.hoist.storage.BlobContent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The cluster's internal endpoint, {@code GET <prefix><digest>}: another node streams a blob that
 * this node is filling (its growing spool file, zero-copy, the unverified tail held back as for any
 * client) or has stored, with Range. It never starts a fill and is answered only to a request
 * carrying the cluster's secret; anything else under the prefix gets a 404, as if there were no
 * such path.
 */
public final class PeerEndpoint implements AutoCloseable {

  /** What this node has of a blob, never starting a fill; blocking. */
  @FunctionalInterface
  public interface LocalBlobs {
    Optional<BlobContent> local(Digest digest) throws IOException;
  }

  private final Vertx vertx;
  private final String prefix;
  private final String secretHeader;
  private final Predicate<String> authorized;
  private final LocalBlobs blobs;
  private final Blocking blocking;
  private final ContentSender sender;

  /**
   * @param prefix the endpoint's path before the digest ({@code /internal/v1/blobs/})
   * @param authorized whether the value of {@code secretHeader} is the cluster's secret
   */
  public PeerEndpoint(
      Vertx vertx,
      String prefix,
      String secretHeader,
      Predicate<String> authorized,
      LocalBlobs blobs) {
    this.vertx = vertx;
    this.prefix = prefix;
    this.secretHeader = secretHeader;
    this.authorized = authorized;
    this.blobs = blobs;
    this.blocking = new Blocking(vertx);
    this.sender = new ContentSender(blocking, false);
  }

  @Override
  public void close() {
    blocking.close();
  }

  public Stage stage() {
    return Stage.answering(path -> path.startsWith(prefix), this::handle);
  }

  private void handle(Call call) {
    Exchange ex = new Exchange(call, vertx.getOrCreateContext());
    Future<Void> done;
    try {
      done = serve(ex);
    } catch (RuntimeException e) {
      done = Future.failedFuture(e);
    }
    done.onComplete(
        ar -> {
          if (ar.failed()) {
            ex.fail(ar.cause());
          } else {
            ex.discardBody();
          }
        });
  }

  private Future<Void> serve(Exchange ex) {
    if (!authorized.test(ex.header(secretHeader))) {
      throw Errors.error(ErrorCode.NAME_UNKNOWN, "no such endpoint of the distribution API");
    }
    if (ex.method() != HttpMethod.GET && ex.method() != HttpMethod.HEAD) {
      throw Methods.notAllowed(ex, "GET, HEAD");
    }
    Digest digest = Errors.digest(ex.path().substring(prefix.length()));
    return blocking
        .run(() -> blobs.local(digest))
        .compose(
            found -> {
              if (found.isEmpty()) {
                throw Errors.error(
                    ErrorCode.BLOB_UNKNOWN, "this node neither fills nor stores " + digest);
              }
              BlobContent body = found.get();
              Content content = Content.cached(body, body.size(), digest, null, CacheStatus.HIT);
              return sender.sendBlob(ex, content, ex.header(Headers.RANGE));
            });
  }
}
