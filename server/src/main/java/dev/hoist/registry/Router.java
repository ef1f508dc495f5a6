package dev.hoist.registry;

import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.OciException;
import dev.hoist.oci.RepositoryName;
import dev.hoist.pipeline.Call;
import dev.hoist.pipeline.Stage;
import dev.hoist.repository.Repository;
import dev.hoist.repository.RepositoryRequest;
import dev.hoist.repository.TransferGate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Optional;

/**
 * Sends each request to its resource's handler ({@link Route} says which) with the {@link
 * Repository} it addresses, after asking the access controller; every failure goes to {@link
 * Exchange#fail}, the one place where errors become responses.
 */
final class Router implements Stage.Endpoint {
  private final Vertx vertx;
  private final Backend backend;
  private final BaseHandler base;
  private final CatalogHandler catalog;
  private final TagsHandler tags;
  private final ManifestHandler manifests;
  private final ReferrersHandler referrers;
  private final BlobHandler blobs;
  private final UploadHandler uploads;
  private final AccessController access;
  private final ContentSender sender;

  Router(Vertx vertx, Backend backend, UploadSessions sessions, AccessController access) {
    this.vertx = vertx;
    this.backend = backend;
    this.access = access;
    this.sender = new ContentSender(backend.blocking(), backend.options().verifyOnRead());
    this.base = new BaseHandler();
    this.catalog = new CatalogHandler(backend);
    this.tags = new TagsHandler(backend);
    this.manifests = new ManifestHandler(backend, sender);
    this.referrers = new ReferrersHandler(backend);
    this.blobs = new BlobHandler(backend, sender);
    this.uploads = new UploadHandler(backend, sessions);
  }

  /** Body bytes sent as file regions, which no response's {@code bytesWritten()} counts. */
  long fileRegionBytes() {
    return sender.fileRegionBytes();
  }

  @Override
  public void handle(Call call) {
    Exchange ex = new Exchange(call, vertx.getOrCreateContext());
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
        Route.parse(ex.path())
            .orElseThrow(
                () ->
                    Errors.error(
                        ErrorCode.NAME_UNKNOWN,
                        "no such endpoint of the distribution API",
                        "path",
                        Errors.shorten(ex.path())));
    ex.call().with(ex.call().context().withRoute(route.kind().routeKind()));
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
    Repository repository =
        backend
            .namespace()
            .repository(new RepositoryRequest(name, ex.param("ns"), ex.call().context().gate()));
    repository
        .origin()
        .ifPresent(o -> ex.call().with(ex.call().context().withUpstream(o.upstream())));
    authorize(ex, needed(ex, route, repository.origin().isPresent()));
    return switch (route.kind()) {
      case TAGS -> tags.handle(ex, repository);
      case MANIFEST -> manifests.handle(ex, repository, route.last());
      case REFERRERS -> referrers.handle(ex, repository, route.last());
      case BLOB -> blobs.handle(ex, repository, route.last());
      case UPLOADS -> uploads.handleStart(ex, repository, mountSourceReadable(ex));
      case UPLOAD -> uploads.handleSession(ex, repository, route.last());
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
    AccessController.Decision decision =
        access.check(
            new AccessController.Request(
                request.method().name(),
                host,
                ex.call().context().addressPrefix(),
                remoteAddress == null ? null : remoteAddress.hostAddress(),
                request.isSSL(),
                request::getHeader,
                needed));
    Optional<AccessController.Denial> denial = decision.denial();
    if (denial.isPresent()) {
      AccessController.Denial d = denial.get();
      throw Errors.withHeaders(d.code(), d.message(), d.headers());
    }
    decision.principal().ifPresent(user -> ex.call().with(ex.call().context().withPrincipal(user)));
  }

  /**
   * The access a repository request needs, from its method: GET and HEAD pull; PUT, POST and PATCH
   * push (and pull); DELETE deletes.
   */
  private static List<AccessController.Access> needed(Exchange ex, Route route, boolean mirrored) {
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
      fromMirrored =
          backend
              .namespace()
              .repository(new RepositoryRequest(source, ex.param("ns"), TransferGate.UNLIMITED))
              .origin()
              .isPresent();
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
    } catch (OciException e) {
      return false;
    }
  }
}
