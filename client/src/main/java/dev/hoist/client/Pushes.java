package dev.hoist.client;

import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestMismatchException;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Scope;
import dev.hoist.oci.VerifyingInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Objects;

/**
 * Everything that writes to a repository: upload sessions, cross-repository mounts, blob uploads
 * (one {@code PUT}, or {@code PATCH} chunks and a final {@code PUT} from the chunked-upload
 * threshold on, checked against the digest while sent) and manifest pushes. None is retried.
 */
final class Pushes {
  private final Requests requests;
  private final long chunkedUploadThreshold;
  private final long chunkSize;

  Pushes(Requests requests, long chunkedUploadThreshold, long chunkSize) {
    this.requests = requests;
    this.chunkedUploadThreshold = chunkedUploadThreshold;
    this.chunkSize = chunkSize;
  }

  MountResult mount(RepositoryName repository, Digest digest, RepositoryName from)
      throws RegistryException {
    String action =
        "POST blob mount " + requests.describe(repository, digest) + " from " + from.value();
    URI uri =
        requests.repository(
            repository, "/blobs/uploads/?mount=" + digest + "&from=" + from.value());
    List<Scope> scopes = List.of(Scope.pushPull(repository), Scope.pull(from));
    Call call = Call.of("POST", uri, scopes, action, 201, 202);
    try (Wire.Response r = requests.send(call)) {
      if (r.status() == 201) {
        return MountResult.mounted();
      }
      return MountResult.notMounted(Requests.session(repository, r, call));
    }
  }

  UploadSession startUpload(RepositoryName repository) throws RegistryException {
    String action = "POST blob upload " + requests.describe(repository);
    URI uri = requests.repository(repository, "/blobs/uploads/");
    Call call = Call.of("POST", uri, List.of(Scope.pushPull(repository)), action, 202);
    try (Wire.Response r = requests.send(call)) {
      return Requests.session(repository, r, call);
    }
  }

  void pushBlob(UploadSession session, Digest digest, long size, InputStream content)
      throws RegistryException {
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0");
    }
    Objects.requireNonNull(content, "content");
    RepositoryName repository = session.repository();
    String action = "PUT blob " + requests.describe(repository, digest);
    VerifyingInputStream verified = new VerifyingInputStream(content, digest, size);
    List<Scope> scopes = List.of(Scope.pushPull(repository));
    URI location = session.location();
    if (size < chunkedUploadThreshold) {
      URI put = TokenClient.withQuery(location, "digest=" + digest);
      HttpRequest.BodyPublisher body =
          HttpRequest.BodyPublishers.fromPublisher(
              HttpRequest.BodyPublishers.ofInputStream(() -> verified), size);
      Call call =
          Call.of("PUT", put, scopes, action, 201)
              .header("Content-Type", "application/octet-stream")
              .body(body, false)
              .notFound(ErrorCode.BLOB_UPLOAD_UNKNOWN);
      requests.send(call).close();
      return;
    }
    for (long offset = 0; offset < size; ) {
      long length = Math.min(chunkSize, size - offset);
      long end = offset + length - 1;
      String chunkAction =
          "PATCH blob " + requests.describe(repository, digest) + " bytes " + offset + "-" + end;
      BoundedInputStream chunk = new BoundedInputStream(verified, length);
      Call call =
          Call.of("PATCH", location, scopes, chunkAction, 202)
              .header("Content-Type", "application/octet-stream")
              .header("Content-Range", offset + "-" + end)
              .body(
                  HttpRequest.BodyPublishers.fromPublisher(
                      HttpRequest.BodyPublishers.ofInputStream(() -> chunk), length),
                  false)
              .notFound(ErrorCode.BLOB_UPLOAD_UNKNOWN);
      try (Wire.Response r = requests.send(call)) {
        location = Requests.session(repository, r, call).location();
      }
      offset += length;
    }
    try {
      if (verified.read() != -1) {
        throw new IllegalStateException("unreachable: content longer than its size");
      }
    } catch (DigestMismatchException e) {
      throw new RegistryException(
          ErrorCode.DIGEST_INVALID, 0, action, e.getMessage(), false, null, e);
    } catch (IOException e) {
      throw Requests.readFailed(action, 0, e);
    }
    Call put =
        Call.of("PUT", TokenClient.withQuery(location, "digest=" + digest), scopes, action, 201)
            .notFound(ErrorCode.BLOB_UPLOAD_UNKNOWN);
    requests.send(put).close();
  }

  RegistryClient.PushedManifest pushManifest(
      RepositoryName repository, String reference, byte[] manifest, String mediaType)
      throws RegistryException {
    if (!MediaTypes.isValid(mediaType)) {
      throw new IllegalArgumentException("invalid media type: " + mediaType);
    }
    Digest byDigest = Requests.parseReference(reference);
    Digest digest = byDigest == null ? Digest.sha256(manifest) : byDigest;
    if (byDigest != null && !Digest.of(byDigest.algorithm(), manifest).equals(byDigest)) {
      throw new IllegalArgumentException("the manifest bytes do not have digest " + byDigest);
    }
    String action = "PUT manifest " + requests.describe(repository, reference, byDigest);
    byte[] body = manifest.clone();
    Call call =
        Call.of(
                "PUT",
                requests.manifest(repository, reference),
                List.of(Scope.pushPull(repository)),
                action,
                201)
            .header("Content-Type", mediaType)
            .body(HttpRequest.BodyPublishers.ofByteArray(body), true);
    boolean subjectIndexed;
    try (Wire.Response r = requests.send(call)) {
      Digest header = Requests.headerDigest(r, action);
      if (header != null && !Digest.of(header.algorithm(), body).equals(header)) {
        throw Requests.digestMismatch(action, header, Digest.of(header.algorithm(), body));
      }
      String subject = r.header("OCI-Subject");
      subjectIndexed = subject != null && !subject.isBlank();
    }
    return new RegistryClient.PushedManifest(digest, subjectIndexed);
  }
}
