package dev.hoist.registry;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.RepositoryName;
import dev.hoist.registry.RemoteContent.Lookup;
import dev.hoist.registry.RemoteContent.RemoteRepository;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import java.util.List;

/**
 * Requests for a repository that lives in another registry (a mirror): manifests, blobs and tags
 * come from {@link RemoteContent}; every other operation is refused, since a mirror is read-only.
 */
final class MirroredHandler {
  static final String CACHE_HEADER = "X-Hoist-Cache";

  private final Backend backend;
  private final ContentSender sender;
  private final RemoteContent remote;

  MirroredHandler(Backend backend, ContentSender sender, RemoteContent remote) {
    this.backend = backend;
    this.sender = sender;
    this.remote = remote;
  }

  Future<Void> handle(Exchange ex, Route route, RepositoryName name, RemoteRepository repository) {
    String method = ex.method().name();
    boolean read = method.equals("GET") || method.equals("HEAD");
    switch (route.kind()) {
      case MANIFEST:
        if (read) {
          return manifest(ex, repository, route.last());
        }
        break;
      case BLOB:
        if (read) {
          return blob(ex, repository, Errors.digest(route.last()));
        }
        break;
      case TAGS:
        if (method.equals("GET")) {
          return tags(ex, name, repository);
        }
        break;
      case REFERRERS:
        if (read) {
          return referrers(ex, repository, Errors.digest(route.last()));
        }
        break;
      default:
        break;
    }
    throw Errors.error(
        ErrorCode.UNSUPPORTED,
        name
            + " is a read-only mirror of "
            + repository.upstream()
            + "/"
            + repository.upstreamName(),
        "name",
        name.value(),
        "upstream",
        repository.upstream());
  }

  private Future<Void> manifest(Exchange ex, RemoteRepository repository, String reference) {
    return backend
        .blocking()
        .run(() -> remote.manifest(repository, reference, ex.isHead()))
        .compose(
            found -> {
              ex.response().putHeader(CACHE_HEADER, found.status().name());
              if (found.content() == null) {
                return headOnly(ex, found, found.mediaType());
              }
              return sender.sendManifest(ex, found.content(), found.digest(), found.mediaType());
            });
  }

  private Future<Void> blob(Exchange ex, RemoteRepository repository, Digest digest) {
    return backend
        .blocking()
        .run(() -> remote.blob(repository, digest, ex.isHead()))
        .compose(
            found -> {
              ex.response().putHeader(CACHE_HEADER, found.status().name());
              if (found.content() == null) {
                ex.response().putHeader(HttpHeaders.ACCEPT_RANGES, "bytes");
                return headOnly(ex, found, "application/octet-stream");
              }
              return sender.sendBlob(ex, found.content(), digest, ex.header(Headers.RANGE));
            });
  }

  private static Future<Void> headOnly(Exchange ex, Lookup found, String contentType) {
    var response = ex.response();
    response.putHeader(HttpHeaders.CONTENT_TYPE, contentType);
    response.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(found.size()));
    response.putHeader(Headers.DOCKER_CONTENT_DIGEST, found.digest().toString());
    response.setStatusCode(200);
    return response.end();
  }

  private Future<Void> tags(Exchange ex, RepositoryName name, RemoteRepository repository) {
    return backend
        .blocking()
        .run(() -> remote.tags(repository))
        .compose(
            tags -> {
              ObjectNode body = Json.object();
              body.put("name", name.value());
              ArrayNode list = body.putArray("tags");
              List<String> sorted = tags.stream().sorted().toList();
              sorted.forEach(list::add);
              ex.json(200, "application/json", Json.bytes(body));
              return Future.<Void>succeededFuture();
            });
  }

  /**
   * The upstream's referrers of a manifest (its referrers API, else its referrers tag), asked each
   * time: signatures arrive after the image, so there is no answer to keep. Filtered by {@code
   * ?artifactType=} here, whatever the upstream supports.
   */
  private Future<Void> referrers(Exchange ex, RemoteRepository repository, Digest subject) {
    String artifactType = ReferrersHandler.artifactTypeFilter(ex);
    return backend
        .blocking()
        .run(() -> remote.referrers(repository, subject))
        .map(
            referrers -> {
              ReferrersHandler.reply(
                  ex,
                  artifactType,
                  manifests -> {
                    for (Descriptor d : referrers) {
                      if (artifactType == null || artifactType.equals(d.artifactType())) {
                        ReferrersHandler.addReferrer(
                            manifests,
                            d.mediaType(),
                            d.digest(),
                            d.size(),
                            d.artifactType(),
                            d.annotations());
                      }
                    }
                  });
              return null;
            });
  }
}
