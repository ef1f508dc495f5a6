package dev.hoist.client;

import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Scope;
import dev.hoist.oci.Tag;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * What every endpoint of a {@link RegistryClient} shares: the registry's {@code /v2/} URIs (with
 * the builder's extra query parameters), the action each call names in its errors, the {@link
 * Transport} that sends a {@link Call}, and the reading of what many answers carry ({@code
 * Docker-Content-Digest}, an upload {@code Location}) with the failures they end in.
 */
final class Requests {
  private final RegistryEndpoint endpoint;
  private final Transport transport;
  private final String extraQuery;

  Requests(RegistryEndpoint endpoint, Transport transport, String extraQuery) {
    this.endpoint = endpoint;
    this.transport = transport;
    this.extraQuery = extraQuery;
  }

  RegistryEndpoint endpoint() {
    return endpoint;
  }

  /** The response, with a status the call expects; the caller closes it. */
  Wire.Response send(Call call) throws RegistryException {
    return transport.send(call);
  }

  /** {@code <apiRoot><path>} with the extra query parameters: {@code ""} is {@code /v2/} itself. */
  URI api(String path) {
    return TokenClient.withQuery(URI.create(endpoint.apiRoot() + path), extraQuery);
  }

  /** {@code /v2/<repository><rest>}, e.g. {@code rest} {@code /tags/list}. */
  URI repository(RepositoryName repository, String rest) {
    return api(repository.value() + rest);
  }

  URI manifest(RepositoryName repository, String reference) {
    return repository(repository, "/manifests/" + reference);
  }

  URI blob(RepositoryName repository, Digest digest) {
    return repository(repository, "/blobs/" + digest);
  }

  /** {@code docker.io/library/ubuntu:24.04} or {@code ...@sha256:...}, for actions. */
  String describe(RepositoryName repository, String reference, Digest byDigest) {
    return endpoint.name() + "/" + repository + (byDigest != null ? "@" : ":") + reference;
  }

  String describe(RepositoryName repository, Digest digest) {
    return endpoint.name() + "/" + repository + "@" + digest;
  }

  String describe(RepositoryName repository) {
    return endpoint.name() + "/" + repository;
  }

  /** The scopes of a read: {@code repository:<name>:pull}. */
  static List<Scope> pull(RepositoryName repository) {
    return List.of(Scope.pull(repository));
  }

  /** The digest a reference names, or null for a tag; rejects anything else. */
  static Digest parseReference(String reference) {
    Objects.requireNonNull(reference, "reference");
    if (reference.indexOf(':') >= 0) {
      return Digest.parse(reference);
    }
    Tag.of(reference); // throws for an invalid tag
    return null;
  }

  /** The upload session a {@code 202} opened, from its {@code Location}. */
  static UploadSession session(RepositoryName repository, Wire.Response r, Call call)
      throws RegistryException {
    String location = r.header("Location");
    if (location == null) {
      throw new RegistryException(
          ErrorCode.BLOB_UPLOAD_INVALID,
          r.status(),
          call.action(),
          "the registry sent no upload Location",
          false);
    }
    return new UploadSession(repository, Transport.resolve(r.uri(), location, call));
  }

  /** The {@code Docker-Content-Digest} of a response, or null when it sent none. */
  static Digest headerDigest(Wire.Response r, String action) throws RegistryException {
    String h = r.header("Docker-Content-Digest");
    if (h == null || h.isBlank()) {
      return null;
    }
    try {
      return Digest.parse(h.strip());
    } catch (IllegalArgumentException e) {
      throw new RegistryException(
          ErrorCode.DIGEST_INVALID,
          r.status(),
          action,
          "the registry sent an unusable Docker-Content-Digest: " + e.getMessage(),
          false,
          null,
          e);
    }
  }

  static RegistryException digestMismatch(String action, Digest expected, Digest actual) {
    return new RegistryException(
        ErrorCode.DIGEST_INVALID,
        0,
        action,
        "digest mismatch: expected " + expected + ", got " + actual,
        false);
  }

  static RegistryException tooLarge(String action, int status) {
    return new RegistryException(
        ErrorCode.MANIFEST_TOO_LARGE,
        status,
        action,
        "the manifest is larger than " + RegistryClient.MAX_MANIFEST_BYTES + " bytes",
        false);
  }

  static RegistryException readFailed(String action, int status, IOException e) {
    return new RegistryException(
        ErrorCode.UNAVAILABLE, status, action, "reading the response failed: " + e, true, null, e);
  }

  static RegistryException unexpected(String action, Wire.Response r, String what) {
    return new RegistryException(
        ErrorCode.UPSTREAM_FAILED, r.status(), action, "unexpected " + what, false);
  }
}
