package dev.hoist.registry;

import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.RepositoryName;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

/**
 * Sends each request to its resource's handler ({@link Route} says which), and every failure to
 * {@link Exchange#fail}, the one place where errors become responses.
 */
final class Router implements Handler<HttpServerRequest> {
  private final Vertx vertx;
  private final BaseHandler base;
  private final CatalogHandler catalog;
  private final TagsHandler tags;
  private final ManifestHandler manifests;
  private final ReferrersHandler referrers;
  private final BlobHandler blobs;
  private final UploadHandler uploads;
  private final MirroredHandler mirrored;
  private final RemoteContent remote;

  Router(Vertx vertx, Backend backend, UploadSessions sessions) {
    this.vertx = vertx;
    ContentSender sender = new ContentSender(backend.blocking());
    this.base = new BaseHandler();
    this.catalog = new CatalogHandler(backend);
    this.tags = new TagsHandler(backend);
    this.manifests = new ManifestHandler(backend, sender);
    this.referrers = new ReferrersHandler(backend);
    this.blobs = new BlobHandler(backend, sender);
    this.uploads = new UploadHandler(backend, sessions);
    this.remote = backend.remote();
    this.mirrored = new MirroredHandler(backend, sender, remote);
  }

  @Override
  public void handle(HttpServerRequest request) {
    Context context = vertx.getOrCreateContext();
    Exchange ex = new Exchange(request, context);
    Future<Void> done;
    try {
      done = dispatch(ex);
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

  private Future<Void> dispatch(Exchange ex) {
    Route route =
        Route.parse(ex.request().path())
            .orElseThrow(
                () ->
                    Errors.error(
                        ErrorCode.NAME_UNKNOWN,
                        "no such endpoint of the distribution API",
                        "path",
                        Errors.shorten(ex.request().path())));
    if (route.kind() == Route.Kind.BASE) {
      return base.handle(ex);
    }
    if (route.kind() == Route.Kind.CATALOG) {
      return catalog.handle(ex);
    }
    RepositoryName name = Errors.repositoryName(route.name());
    var remoteRepository = remote.route(name, ex.param("ns"));
    if (remoteRepository.isPresent()) {
      return mirrored.handle(ex, route, name, remoteRepository.get());
    }
    return switch (route.kind()) {
      case TAGS -> tags.handle(ex, name);
      case MANIFEST -> manifests.handle(ex, name, route.last());
      case REFERRERS -> referrers.handle(ex, name, route.last());
      case BLOB -> blobs.handle(ex, name, route.last());
      case UPLOADS -> uploads.handleStart(ex, name);
      case UPLOAD -> uploads.handleSession(ex, name, route.last());
      case BASE, CATALOG -> throw new IllegalStateException("handled above");
    };
  }
}
