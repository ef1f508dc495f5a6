package dev.hoist.registry;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.ManifestRecord;
import dev.hoist.storage.MetadataTransaction;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /v2/<name>/manifests/<reference>}: GET, HEAD, PUT and DELETE by tag or digest.
 *
 * <p>A push is parsed and validated by {@link Manifest#parse}, must have every blob it references
 * linked in the repository (MANIFEST_BLOB_UNKNOWN) and, for an index, every child manifest present
 * (MANIFEST_UNKNOWN); a {@code subject} may be absent. The raw bytes are stored as a blob and
 * linked; the manifest and its tag are recorded in one transaction. Manifests are served byte for
 * byte with their stored media type.
 */
final class ManifestHandler {
  private static final Logger log = LoggerFactory.getLogger(ManifestHandler.class);

  private final Backend backend;
  private final ContentSender sender;

  ManifestHandler(Backend backend, ContentSender sender) {
    this.backend = backend;
    this.sender = sender;
  }

  /** A reference is a digest (it has a colon) or a tag; exactly one is set. */
  private record Reference(Digest digest, Tag tag) {}

  private record Found(ManifestRecord record, BlobContent content) {}

  Future<Void> handle(Exchange ex, RepositoryName name, String reference) {
    return switch (ex.method().name()) {
      case "GET", "HEAD" -> get(ex, name, reference(reference, false));
      case "PUT" -> put(ex, name, reference(reference, true));
      case "DELETE" -> delete(ex, name, reference);
      default -> throw Methods.notAllowed(ex, "GET, HEAD, PUT, DELETE");
    };
  }

  /**
   * Parses a reference. A malformed digest is DIGEST_INVALID; a malformed tag is TAG_INVALID on a
   * push and MANIFEST_UNKNOWN otherwise (no such tag can exist).
   */
  private static Reference reference(String text, boolean push) {
    if (text.indexOf(':') >= 0) {
      return new Reference(Errors.digest(text), null);
    }
    if (Tag.isValid(text)) {
      return new Reference(null, Tag.of(text));
    }
    if (push) {
      throw Errors.error(ErrorCode.TAG_INVALID, "invalid tag", "tag", Errors.shorten(text));
    }
    throw Errors.error(
        ErrorCode.MANIFEST_UNKNOWN, "manifest unknown", "reference", Errors.shorten(text));
  }

  private Future<Void> get(Exchange ex, RepositoryName name, Reference ref) {
    return backend
        .blocking()
        .run(() -> find(name, ref))
        .compose(
            found ->
                sender.sendManifest(
                    ex, found.content(), found.record().digest(), found.record().mediaType()));
  }

  private Found find(RepositoryName name, Reference ref) throws IOException {
    ManifestRecord record =
        backend
            .metadata()
            .read(
                tx -> {
                  Digest digest =
                      ref.digest() != null ? ref.digest() : tx.tag(name, ref.tag()).orElse(null);
                  return digest == null ? null : tx.manifest(name, digest).orElse(null);
                });
    if (record == null) {
      throw unknown(name, ref);
    }
    BlobContent content = backend.blobs().open(record.digest()).orElse(null);
    if (content == null) {
      log.warn(
          "manifest recorded but its bytes are missing: repository={} digest={}",
          name,
          record.digest());
      throw unknown(name, ref);
    }
    return new Found(record, content);
  }

  private static RuntimeException unknown(RepositoryName name, Reference ref) {
    return Errors.error(
        ErrorCode.MANIFEST_UNKNOWN,
        "manifest unknown",
        "name",
        name.value(),
        "reference",
        String.valueOf(ref.digest() != null ? ref.digest() : ref.tag()));
  }

  private Future<Void> put(Exchange ex, RepositoryName name, Reference ref) {
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
            body -> backend.blocking().run(() -> store(name, ref, contentType, body.getBytes())))
        .map(
            manifest -> {
              var response = ex.response();
              response.putHeader(
                  HttpHeaders.LOCATION, "/v2/" + name + "/manifests/" + manifest.digest());
              response.putHeader(Headers.DOCKER_CONTENT_DIGEST, manifest.digest().toString());
              manifest
                  .subject()
                  .ifPresent(s -> response.putHeader(Headers.OCI_SUBJECT, s.digest().toString()));
              ex.end(201);
              return null;
            });
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

  private Manifest store(RepositoryName name, Reference ref, String contentType, byte[] raw)
      throws IOException {
    Manifest manifest =
        ref.digest() != null
            ? Manifest.parse(raw, contentType, ref.digest())
            : Manifest.parse(raw, contentType);
    // Checked before storing the bytes, so that a refused push leaves nothing behind; checked
    // again in the write transaction, against a delete racing with this push.
    backend
        .metadata()
        .read(
            tx -> {
              checkReferences(tx, name, manifest);
              return null;
            });
    if (backend.blobs().size(manifest.digest()).isEmpty()) {
      backend.blobs().put(manifest.digest(), raw);
    }
    ManifestRecord record =
        new ManifestRecord(
            manifest.digest(),
            manifest.mediaType(),
            manifest.size(),
            manifest.artifactType().orElse(null),
            manifest.subject().map(Descriptor::digest).orElse(null),
            manifest.annotations(),
            backend.clock().instant());
    backend
        .metadata()
        .write(
            tx -> {
              checkReferences(tx, name, manifest);
              tx.linkBlob(name, manifest.digest(), manifest.size());
              tx.putManifest(name, record, ref.tag());
              return null;
            });
    return manifest;
  }

  /**
   * An index's children must be manifests of this repository; an image manifest's config and layers
   * must be blobs linked in it (except foreign layers, fetched from their URLs).
   */
  private static void checkReferences(
      MetadataTransaction tx, RepositoryName name, Manifest manifest) {
    if (manifest instanceof ImageIndex index) {
      for (Descriptor child : index.manifests()) {
        if (tx.manifest(name, child.digest()).isEmpty()) {
          throw Errors.error(
              ErrorCode.MANIFEST_UNKNOWN,
              "the index references a manifest unknown to this repository",
              "digest",
              child.digest().toString());
        }
      }
      return;
    }
    for (Descriptor d : manifest.references()) {
      if (!d.urls().isEmpty() && isForeign(d.mediaType())) {
        continue;
      }
      if (tx.linkedBlobSize(name, d.digest()).isEmpty()) {
        throw Errors.error(
            ErrorCode.MANIFEST_BLOB_UNKNOWN,
            "the manifest references a blob unknown to this repository",
            "digest",
            d.digest().toString());
      }
    }
  }

  private static boolean isForeign(String mediaType) {
    return mediaType.equals(MediaTypes.DOCKER_FOREIGN_LAYER)
        || mediaType.equals(MediaTypes.OCI_LAYER_NONDISTRIBUTABLE_TAR)
        || mediaType.equals(MediaTypes.OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP)
        || mediaType.equals(MediaTypes.OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD);
  }

  private Future<Void> delete(Exchange ex, RepositoryName name, String reference) {
    if (!backend.options().deleteEnabled()) {
      throw Errors.error(ErrorCode.UNSUPPORTED, "deletes are disabled on this registry");
    }
    Reference ref = reference(reference, false);
    return backend
        .blocking()
        .run(
            () ->
                backend
                    .metadata()
                    .write(
                        tx -> {
                          boolean existed;
                          if (ref.digest() != null) {
                            existed = tx.deleteManifest(name, ref.digest());
                            if (existed) {
                              tx.unlinkBlob(name, ref.digest());
                            }
                          } else {
                            existed = tx.deleteTag(name, ref.tag());
                          }
                          if (!existed) {
                            throw unknown(name, ref);
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
