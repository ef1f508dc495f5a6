package dev.hoist.registry;

import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.Tag;
import dev.hoist.repository.ManifestReference;
import dev.hoist.repository.Repository;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;

/**
 * {@code /v2/<name>/manifests/<reference>}: GET, HEAD, PUT and DELETE by tag or digest.
 *
 * <p>A push is parsed and validated by {@link Manifest#parse} and stored by the repository ({@link
 * Repository.Writer#putManifest}), which checks what it references. Manifests are served byte for
 * byte with their stored media type.
 */
final class ManifestHandler {
  private final Backend backend;
  private final ContentSender sender;

  ManifestHandler(Backend backend, ContentSender sender) {
    this.backend = backend;
    this.sender = sender;
  }

  Future<Void> handle(Exchange ex, Repository repository, String reference) {
    return switch (ex.method().name()) {
      case "GET", "HEAD" -> get(ex, repository, reference(reference, false));
      case "PUT" -> put(ex, repository, repository.writer(), reference(reference, true));
      case "DELETE" -> delete(ex, repository.writer(), reference);
      default -> throw Methods.notAllowed(ex, "GET, HEAD, PUT, DELETE");
    };
  }

  /**
   * Parses a reference. A malformed digest is DIGEST_INVALID; a malformed tag is TAG_INVALID on a
   * push and MANIFEST_UNKNOWN otherwise (no such tag can exist).
   */
  private static ManifestReference reference(String text, boolean push) {
    if (text.indexOf(':') >= 0) {
      return new ManifestReference.ByDigest(Errors.digest(text));
    }
    if (Tag.isValid(text)) {
      return new ManifestReference.ByTag(Tag.of(text));
    }
    if (push) {
      throw Errors.error(ErrorCode.TAG_INVALID, "invalid tag", "tag", Errors.shorten(text));
    }
    throw Errors.error(
        ErrorCode.MANIFEST_UNKNOWN, "manifest unknown", "reference", Errors.shorten(text));
  }

  private Future<Void> get(Exchange ex, Repository repository, ManifestReference ref) {
    return backend
        .blocking()
        .run(() -> repository.manifests().get(ref, ex.isHead()))
        .compose(found -> sender.sendManifest(ex, found));
  }

  private Future<Void> put(
      Exchange ex, Repository repository, Repository.Writer writer, ManifestReference ref) {
    String contentType = ex.header(HttpHeaders.CONTENT_TYPE);
    if (contentType == null || contentType.isBlank()) {
      throw Errors.error(
          ErrorCode.MANIFEST_INVALID,
          "a Content-Type header with the manifest's media type is required");
    }
    long limit = backend.options().maxManifestBytes();
    String declared = ex.header(HttpHeaders.CONTENT_LENGTH);
    if (declared != null) {
      long length = parseLength(declared);
      if (length > limit) {
        throw tooLarge(length, limit);
      }
    }
    return ex.readBody(limit, () -> tooLarge(-1, limit))
        .compose(
            body -> backend.blocking().run(() -> store(writer, ref, contentType, body.getBytes())))
        .map(
            manifest -> {
              var response = ex.response();
              response.putHeader(
                  HttpHeaders.LOCATION,
                  "/v2/" + repository.name() + "/manifests/" + manifest.digest());
              response.putHeader(Headers.DOCKER_CONTENT_DIGEST, manifest.digest().toString());
              manifest
                  .subject()
                  .ifPresent(s -> response.putHeader(Headers.OCI_SUBJECT, s.digest().toString()));
              ex.end(201);
              return null;
            });
  }

  private static Manifest store(
      Repository.Writer writer, ManifestReference ref, String contentType, byte[] raw)
      throws java.io.IOException {
    Manifest manifest =
        switch (ref) {
          case ManifestReference.ByDigest d -> Manifest.parse(raw, contentType, d.digest());
          case ManifestReference.ByTag t -> Manifest.parse(raw, contentType);
        };
    writer.putManifest(
        manifest,
        switch (ref) {
          case ManifestReference.ByDigest d -> null;
          case ManifestReference.ByTag t -> t.tag();
        });
    return manifest;
  }

  private static long parseLength(String header) {
    try {
      return Long.parseLong(header.strip());
    } catch (NumberFormatException e) {
      throw Errors.error(ErrorCode.SIZE_INVALID, "invalid Content-Length");
    }
  }

  /** MANIFEST_TOO_LARGE; {@code size} is -1 when the body was refused while being read. */
  private static RuntimeException tooLarge(long size, long limit) {
    String message = "manifest is larger than the limit of " + limit + " bytes";
    return size < 0
        ? Errors.error(ErrorCode.MANIFEST_TOO_LARGE, message, "limit", limit)
        : Errors.error(ErrorCode.MANIFEST_TOO_LARGE, message, "size", size, "limit", limit);
  }

  private Future<Void> delete(Exchange ex, Repository.Writer writer, String reference) {
    if (!backend.options().deleteEnabled()) {
      throw Errors.error(ErrorCode.UNSUPPORTED, "deletes are disabled on this registry");
    }
    ManifestReference ref = reference(reference, false);
    return backend
        .blocking()
        .run(
            () -> {
              switch (ref) {
                case ManifestReference.ByDigest d -> writer.deleteManifest(d.digest());
                case ManifestReference.ByTag t -> writer.deleteTag(t.tag());
              }
              return null;
            })
        .map(
            v -> {
              ex.end(202);
              return null;
            });
  }
}
