package dev.hoist.client;

import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.RepositoryName;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * {@code HEAD} and {@code GET} of manifests: raw bytes, at most {@link
 * RegistryClient#MAX_MANIFEST_BYTES}, checked against the digest they were asked by and against
 * {@code Docker-Content-Digest}.
 */
final class ManifestReads {
  private final Requests requests;

  ManifestReads(Requests requests) {
    this.requests = requests;
  }

  Optional<ManifestResponse> head(RepositoryName repository, String reference)
      throws RegistryException {
    Digest byDigest = Requests.parseReference(reference);
    String action = "HEAD manifest " + requests.describe(repository, reference, byDigest);
    Call call =
        Call.of(
                "HEAD",
                requests.manifest(repository, reference),
                Requests.pull(repository),
                action,
                200,
                404)
            .header("Accept", String.join(", ", MediaTypes.MANIFEST_TYPES))
            .notFound(ErrorCode.MANIFEST_UNKNOWN);
    try (Wire.Response r = requests.send(call)) {
      if (r.status() == 404) {
        return Optional.empty();
      }
      Digest digest = Requests.headerDigest(r, action);
      if (digest == null) {
        digest = byDigest;
      }
      if (digest == null) {
        throw new RegistryException(
            ErrorCode.UPSTREAM_FAILED,
            r.status(),
            action,
            "the registry sent no Docker-Content-Digest",
            false);
      }
      if (byDigest != null && !digest.equals(byDigest)) {
        throw Requests.digestMismatch(action, byDigest, digest);
      }
      return Optional.of(
          new ManifestResponse(
              digest,
              MediaTypes.withoutParameters(r.header("Content-Type")),
              r.contentLength(),
              null));
    }
  }

  ManifestResponse get(RepositoryName repository, String reference, List<String> accept)
      throws RegistryException {
    Digest byDigest = Requests.parseReference(reference);
    String action = "GET manifest " + requests.describe(repository, reference, byDigest);
    List<String> types = accept == null || accept.isEmpty() ? MediaTypes.MANIFEST_TYPES : accept;
    Call call =
        Call.of(
                "GET",
                requests.manifest(repository, reference),
                Requests.pull(repository),
                action,
                200)
            .header("Accept", String.join(", ", types))
            .notFound(ErrorCode.MANIFEST_UNKNOWN);
    byte[] bytes;
    Digest header;
    String contentType;
    try (Wire.Response r = requests.send(call)) {
      if (r.contentLength() > RegistryClient.MAX_MANIFEST_BYTES) {
        throw Requests.tooLarge(action, r.status());
      }
      header = Requests.headerDigest(r, action);
      contentType = MediaTypes.withoutParameters(r.header("Content-Type"));
      try {
        bytes = r.readBody(RegistryClient.MAX_MANIFEST_BYTES);
      } catch (Wire.BodyTooLargeException e) {
        throw Requests.tooLarge(action, r.status());
      } catch (IOException e) {
        throw Requests.readFailed(action, r.status(), e);
      }
    }
    if (byDigest != null) {
      Digest actual = Digest.of(byDigest.algorithm(), bytes);
      if (!actual.equals(byDigest)) {
        throw Requests.digestMismatch(action, byDigest, actual);
      }
    }
    if (header != null) {
      Digest actual = Digest.of(header.algorithm(), bytes);
      if (!actual.equals(header)) {
        throw Requests.digestMismatch(action, header, actual);
      }
    }
    Digest digest = byDigest != null ? byDigest : header != null ? header : Digest.sha256(bytes);
    return new ManifestResponse(digest, contentType, bytes.length, bytes);
  }
}
