package dev.hoist.registry;

import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.RepositoryName;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.Optional;

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
  private final AccessController access;
  private final ContentSender sender;

  Router(Vertx vertx, Backend backend, UploadSessions sessions) {
    this(vertx, backend, sessions, AccessController.ALLOW_ALL);
  }

  Router(Vertx vertx, Backend backend, UploadSessions sessions, AccessController access) {
    this.vertx = vertx;
    this.access = access;
    ContentSender sender = new ContentSender(backend.blocking());
    this.sender = sender;
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

  /** Body bytes sent as file regions, which no response's {@code bytesWritten()} counts. */
  long fileRegionBytes() {
    return sender.fileRegionBytes();
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
      authorize(ex, List.of());
      return base.handle(ex);
    }
    if (route.kind() == Route.Kind.CATALOG) {
      authorize(
          ex, List.of(new AccessController.Access("registry", "catalog", List.of("*"), false)));
      return catalog.handle(ex);
    }
    RepositoryName name = Errors.repositoryName(route.name());
    var remoteRepository = remote.route(name, ex.param("ns"));
    authorize(ex, needed(ex, route, name, remoteRepository.isPresent()));
    if (remoteRepository.isPresent()) {
      return mirrored.handle(ex, route, name, remoteRepository.get());
    }
    return switch (route.kind()) {
      case TAGS -> tags.handle(ex, name);
      case MANIFEST -> manifests.handle(ex, name, route.last());
      case REFERRERS -> referrers.handle(ex, name, route.last());
      case BLOB -> blobs.handle(ex, name, route.last());
      case UPLOADS -> uploads.handleStart(ex, name, mountSourceReadable(ex));
      case UPLOAD -> uploads.handleSession(ex, name, route.last());
      case BASE, CATALOG -> throw new IllegalStateException("handled above");
    };
  }

  /** Asks the access controller; a denial becomes the error response, with its headers. */
  private void authorize(Exchange ex, List<AccessController.Access> needed) {
    if (access == AccessController.ALLOW_ALL) {
      return;
    }
    var request = ex.request();
    var remoteAddress = request.remoteAddress();
    String host = request.getHeader("Host");
    if (host == null && request.authority() != null) {
      host = request.authority().toString();
    }
    Optional<AccessController.Denial> denial =
        access.check(
            new AccessController.Request(
                request.method().name(),
                host,
                request instanceof PrefixedRequest prefixed ? prefixed.addressPath() : "",
                remoteAddress == null ? null : remoteAddress.hostAddress(),
                request.isSSL(),
                request::getHeader,
                needed));
    if (denial.isPresent()) {
      AccessController.Denial d = denial.get();
      throw Errors.withHeaders(d.code(), d.message(), d.headers());
    }
  }

  /**
   * The access a repository request needs, from its method: GET and HEAD pull; PUT, POST and PATCH
   * push (and pull); DELETE deletes.
   */
  private static List<AccessController.Access> needed(
      Exchange ex, Route route, RepositoryName name, boolean mirrored) {
    List<String> actions =
        switch (ex.method().name()) {
          case "PUT", "POST", "PATCH" -> List.of("pull", "push");
          case "DELETE" -> List.of("delete");
          default -> List.of("pull");
        };
    return List.of(new AccessController.Access("repository", route.name(), actions, mirrored));
  }

  /**
   * Whether a cross-repository mount may read its source ({@code ?from=}): without pull access
   * there, the upload starts as if no mount had been asked for, so that nobody can copy a blob out
   * of a repository they cannot read.
   */
  private boolean mountSourceReadable(Exchange ex) {
    String from = ex.param("from");
    if (access == AccessController.ALLOW_ALL || from == null || from.isEmpty()) {
      return true;
    }
    RepositoryName source;
    try {
      source = RepositoryName.of(from);
    } catch (RuntimeException e) {
      return true; // not a name: the upload handler ignores it
    }
    boolean fromMirrored;
    try {
      fromMirrored = remote.route(source, ex.param("ns")).isPresent();
    } catch (RuntimeException e) {
      fromMirrored = false;
    }
    try {
      authorize(
          ex,
          List.of(
              new AccessController.Access(
                  "repository", source.value(), List.of("pull"), fromMirrored)));
      return true;
    } catch (ApiException e) {
      return false;
    }
  }
}
