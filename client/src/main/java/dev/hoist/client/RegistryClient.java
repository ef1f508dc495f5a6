package dev.hoist.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestMismatchException;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Scope;
import dev.hoist.oci.Tag;
import dev.hoist.oci.VerifyingInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OCI Distribution client for one registry: pull (manifests, blobs, tags) and push (blobs,
 * mounts, manifests), with Docker token authentication, redirects, retries and a circuit breaker.
 * Used by {@code hoist pull/push} and by the mirror to reach its upstreams.
 *
 * <pre>{@code
 * try (RegistryClient hub = RegistryClient.builder(
 *         RegistryEndpoint.of("https://registry-1.docker.io")
 *             .withName("docker.io")
 *             .withAuthHosts("auth.docker.io"))
 *     .build()) {
 *   ManifestResponse m = hub.getManifest(RepositoryName.of("library/ubuntu"), "24.04", List.of());
 * }
 * }</pre>
 *
 * <p>Each endpoint is one small method that describes a {@link Call}; the package-private {@link
 * Transport} sends it (see there and {@link Authenticator} for the rules on credentials). Reads are
 * retried, writes are not. Every failure is a {@link RegistryException} naming the action.
 *
 * <p>Thread-safe; make one per upstream and share it. {@link #close()} stops its watchdog thread
 * and, when the client created it, its {@link HttpClient}.
 */
public final class RegistryClient implements AutoCloseable {
  public static final long DEFAULT_CHUNKED_UPLOAD_THRESHOLD = 64L << 20;
  public static final long DEFAULT_CHUNK_SIZE = 16L << 20;

  /** Distribution's limit; a larger manifest is refused rather than buffered. */
  static final int MAX_MANIFEST_BYTES = 4 << 20;

  private static final int MAX_TAGS_PAGE_BYTES = 16 << 20;
  private static final int MAX_TAG_PAGES = 10_000;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

  private final RegistryEndpoint endpoint;
  private final Transport transport;
  private final CircuitBreaker breaker;
  private final HttpClient ownedHttpClient;
  private final ScheduledExecutorService scheduler;
  private final long chunkedUploadThreshold;
  private final long chunkSize;
  private final int tagPageSize;
  private final String extraQuery;

  private RegistryClient(Builder b) {
    this.endpoint = b.endpoint;
    HttpClient http = b.httpClient;
    if (http == null) {
      HttpClient.Builder hb =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_2)
              .connectTimeout(b.connectTimeout)
              .followRedirects(HttpClient.Redirect.NEVER);
      http = LazyTls.configure(hb, endpoint.insecureTls()).build();
      this.ownedHttpClient = http;
    } else {
      this.ownedHttpClient = null;
    }
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "hoist-client-watchdog " + endpoint.name());
              t.setDaemon(true);
              return t;
            });
    Wire wire =
        new Wire(http, scheduler, b.firstByteTimeout, b.idleReadTimeout, b.userAgent, b.observer);
    Authenticator auth =
        new Authenticator(endpoint, new TokenClient(endpoint, wire, b.clock), b.clock);
    this.breaker = b.circuitBreaker != null ? b.circuitBreaker : CircuitBreaker.defaults(b.clock);
    this.transport =
        new Transport(endpoint, wire, auth, b.retryPolicy, breaker, b.sleeper, b.clock);
    this.chunkedUploadThreshold = b.chunkedUploadThreshold;
    this.chunkSize = b.chunkSize;
    this.tagPageSize = b.tagPageSize;
    this.extraQuery = b.extraQuery.toString();
  }

  public static Builder builder(RegistryEndpoint endpoint) {
    return new Builder(endpoint);
  }

  public RegistryEndpoint endpoint() {
    return endpoint;
  }

  public CircuitBreaker circuitBreaker() {
    return breaker;
  }

  /**
   * {@code GET /v2/}: checks that the registry answers and, when it challenges, that a token (or
   * Basic login) is granted; with credentials this is what {@code docker login} checks.
   */
  public void ping() throws RegistryException {
    Call call =
        Call.of(
            "GET",
            withExtraQuery(endpoint.apiRoot()),
            List.of(),
            "GET /v2/ " + endpoint.name(),
            200);
    transport.send(call).close();
  }

  /**
   * {@code HEAD} a manifest: its digest, media type and size, or empty when the registry does not
   * have it. Docker Hub does not count a {@code HEAD} against its pull limit.
   */
  public Optional<ManifestResponse> headManifest(RepositoryName repository, String reference)
      throws RegistryException {
    Digest byDigest = parseReference(reference);
    String action = "HEAD manifest " + describe(repository, reference, byDigest);
    Call call =
        Call.of("HEAD", manifestUri(repository, reference), pull(repository), action, 200, 404)
            .header("Accept", String.join(", ", MediaTypes.MANIFEST_TYPES))
            .notFound(ErrorCode.MANIFEST_UNKNOWN);
    try (Wire.Response r = transport.send(call)) {
      if (r.status() == 404) {
        return Optional.empty();
      }
      Digest digest = headerDigest(r, action);
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
        throw digestMismatch(action, byDigest, digest);
      }
      return Optional.of(
          new ManifestResponse(
              digest,
              MediaTypes.withoutParameters(r.header("Content-Type")),
              r.contentLength(),
              null));
    }
  }

  /**
   * {@code GET} a manifest or index, raw. {@code accept} lists the media types to ask for (empty
   * means {@link MediaTypes#MANIFEST_TYPES}). The bytes are checked against the reference when it
   * is a digest and against {@code Docker-Content-Digest} when present.
   */
  public ManifestResponse getManifest(
      RepositoryName repository, String reference, List<String> accept) throws RegistryException {
    Digest byDigest = parseReference(reference);
    String action = "GET manifest " + describe(repository, reference, byDigest);
    List<String> types = accept == null || accept.isEmpty() ? MediaTypes.MANIFEST_TYPES : accept;
    Call call =
        Call.of("GET", manifestUri(repository, reference), pull(repository), action, 200)
            .header("Accept", String.join(", ", types))
            .notFound(ErrorCode.MANIFEST_UNKNOWN);
    byte[] bytes;
    Digest header;
    String contentType;
    try (Wire.Response r = transport.send(call)) {
      if (r.contentLength() > MAX_MANIFEST_BYTES) {
        throw tooLarge(action, r.status());
      }
      header = headerDigest(r, action);
      contentType = MediaTypes.withoutParameters(r.header("Content-Type"));
      try {
        bytes = r.readBody(MAX_MANIFEST_BYTES);
      } catch (Wire.BodyTooLargeException e) {
        throw tooLarge(action, r.status());
      } catch (IOException e) {
        throw readFailed(action, r.status(), e);
      }
    }
    if (byDigest != null) {
      Digest actual = Digest.of(byDigest.algorithm(), bytes);
      if (!actual.equals(byDigest)) {
        throw digestMismatch(action, byDigest, actual);
      }
    }
    if (header != null) {
      Digest actual = Digest.of(header.algorithm(), bytes);
      if (!actual.equals(header)) {
        throw digestMismatch(action, header, actual);
      }
    }
    Digest digest = byDigest != null ? byDigest : header != null ? header : Digest.sha256(bytes);
    return new ManifestResponse(digest, contentType, bytes.length, bytes);
  }

  /**
   * {@code GET} a blob from {@code offset} on (0 for all of it), streaming. For {@code offset > 0}
   * it sends {@code Range: bytes=<offset>-}; a registry that answers {@code 200} anyway has the
   * skipped bytes read and dropped here. See {@link BlobResponse} for what is verified.
   */
  public BlobResponse getBlob(RepositoryName repository, Digest digest, long offset)
      throws RegistryException {
    return getBlob(repository, digest, offset, true);
  }

  /**
   * As {@link #getBlob(RepositoryName, Digest, long)}, but a stream from offset 0 is not checked
   * against the digest here: for a caller that hashes every byte itself (the mirror's fill), so
   * that each byte is hashed once.
   */
  public BlobResponse getBlobUnverified(RepositoryName repository, Digest digest, long offset)
      throws RegistryException {
    return getBlob(repository, digest, offset, false);
  }

  private BlobResponse getBlob(
      RepositoryName repository, Digest digest, long offset, boolean verify)
      throws RegistryException {
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0");
    }
    String action =
        "GET blob " + describe(repository, digest) + (offset > 0 ? " from " + offset : "");
    Call call =
        Call.of("GET", blobUri(repository, digest), pull(repository), action, 200, 206)
            .notFound(ErrorCode.BLOB_UNKNOWN);
    if (offset > 0) {
      call = call.header("Range", "bytes=" + offset + "-");
    }
    Wire.Response r = transport.send(call);
    try {
      long length = r.contentLength();
      if (offset == 0) {
        if (r.status() != 200) {
          throw unexpected(action, r, "206 to a request without Range");
        }
        if (!verify) {
          return new BlobResponse(digest, 0, length, length, false, r.body());
        }
        InputStream verified = new VerifyingInputStream(r.body(), digest, length);
        return new BlobResponse(digest, 0, length, length, true, verified);
      }
      if (r.status() == 206) {
        Matcher m = CONTENT_RANGE.matcher(Objects.toString(r.header("Content-Range"), ""));
        if (!m.matches() || Long.parseLong(m.group(1)) != offset) {
          throw unexpected(action, r, "Content-Range '" + r.header("Content-Range") + "'");
        }
        long end = Long.parseLong(m.group(2));
        long total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
        if (length < 0) {
          length = end - offset + 1;
        }
        return new BlobResponse(digest, offset, length, total, false, r.body());
      }
      // 200 to a Range request: the whole blob came; drop what the caller already has.
      long total = length;
      try {
        r.body().skipNBytes(offset);
      } catch (EOFException e) {
        throw new RegistryException(
            ErrorCode.RANGE_INVALID, 200, action, "the blob is shorter than the offset", false);
      } catch (IOException e) {
        throw readFailed(action, 200, e);
      }
      return new BlobResponse(
          digest, offset, total < 0 ? -1 : total - offset, total, false, r.body());
    } catch (RegistryException | RuntimeException e) {
      r.close();
      throw e;
    }
  }

  /**
   * {@code HEAD} a blob: its size (-1 if not sent), or empty when the registry does not have it.
   */
  public Optional<Long> headBlob(RepositoryName repository, Digest digest)
      throws RegistryException {
    String action = "HEAD blob " + describe(repository, digest);
    Call call =
        Call.of("HEAD", blobUri(repository, digest), pull(repository), action, 200, 404)
            .notFound(ErrorCode.BLOB_UNKNOWN);
    try (Wire.Response r = transport.send(call)) {
      return r.status() == 404 ? Optional.empty() : Optional.of(r.contentLength());
    }
  }

  /** Whether the repository has the blob (a {@code HEAD}). */
  public boolean blobExists(RepositoryName repository, Digest digest) throws RegistryException {
    return headBlob(repository, digest).isPresent();
  }

  /** Every tag of the repository, following {@code Link: <...>; rel="next"} pages. */
  public List<String> tags(RepositoryName repository) throws RegistryException {
    String action = "GET tags " + endpoint.name() + "/" + repository;
    URI uri = withExtraQuery(URI.create(endpoint.apiRoot() + repository.value() + "/tags/list"));
    if (tagPageSize > 0) {
      uri = TokenClient.withQuery(uri, "n=" + tagPageSize);
    }
    List<String> tags = new ArrayList<>();
    Set<URI> seen = new HashSet<>();
    Origin registry = Origin.of(endpoint.baseUri());
    for (int page = 0; uri != null; page++) {
      if (page >= MAX_TAG_PAGES || !seen.add(uri)) {
        throw new RegistryException(
            ErrorCode.UPSTREAM_FAILED, 200, action, "tag pagination does not end", false);
      }
      Call call =
          Call.of("GET", uri, pull(repository), action, 200).notFound(ErrorCode.NAME_UNKNOWN);
      String next;
      try (Wire.Response r = transport.send(call)) {
        JsonNode json;
        try {
          json = JSON.readTree(r.readBody(MAX_TAGS_PAGE_BYTES));
        } catch (Wire.BodyTooLargeException e) {
          throw new RegistryException(
              ErrorCode.UPSTREAM_FAILED, 200, action, "a tag page is too large", false);
        } catch (IOException e) {
          throw readFailed(action, 200, e);
        }
        for (JsonNode t : json.path("tags")) {
          if (t.isTextual()) {
            tags.add(t.asText());
          }
        }
        next = LinkHeader.next(r.headers().allValues("Link"));
        uri = next == null ? null : Transport.resolve(r.uri(), next, call);
      }
      if (uri != null && !Origin.of(uri).equals(registry)) {
        throw new RegistryException(
            ErrorCode.UPSTREAM_FAILED, 200, action, "the next tag page is on another host", false);
      }
    }
    return tags;
  }

  /**
   * Mounts a blob from {@code from} (same registry) into {@code repository}: {@code POST
   * ...?mount=<digest>&from=<from>}. When the registry cannot, it opens an upload session instead.
   */
  public MountResult mountBlob(RepositoryName repository, Digest digest, RepositoryName from)
      throws RegistryException {
    String action = "POST blob mount " + describe(repository, digest) + " from " + from.value();
    URI uri =
        withExtraQuery(
            URI.create(
                endpoint.apiRoot()
                    + repository.value()
                    + "/blobs/uploads/?mount="
                    + digest
                    + "&from="
                    + from.value()));
    List<Scope> scopes = List.of(Scope.pushPull(repository), Scope.pull(from));
    Call call = Call.of("POST", uri, scopes, action, 201, 202);
    try (Wire.Response r = transport.send(call)) {
      if (r.status() == 201) {
        return MountResult.mounted();
      }
      return MountResult.notMounted(session(repository, r, call));
    }
  }

  /** Opens a blob upload session ({@code POST /v2/<name>/blobs/uploads/}). */
  public UploadSession startUpload(RepositoryName repository) throws RegistryException {
    String action = "POST blob upload " + endpoint.name() + "/" + repository;
    URI uri =
        withExtraQuery(URI.create(endpoint.apiRoot() + repository.value() + "/blobs/uploads/"));
    Call call = Call.of("POST", uri, List.of(Scope.pushPull(repository)), action, 202);
    try (Wire.Response r = transport.send(call)) {
      return session(repository, r, call);
    }
  }

  /**
   * Uploads a blob of {@code size} bytes read from {@code content} (not closed): opens a session,
   * then sends it in one {@code PUT}, or in {@code PATCH} chunks and a final {@code PUT} when it is
   * at least the chunked-upload threshold. The content is checked against the digest while it is
   * sent. Not retried: on failure start again with a new call.
   */
  public void pushBlob(RepositoryName repository, Digest digest, long size, InputStream content)
      throws RegistryException {
    pushBlob(startUpload(repository), digest, size, content);
  }

  /** {@link #pushBlob(RepositoryName, Digest, long, InputStream)} into an open session. */
  public void pushBlob(UploadSession session, Digest digest, long size, InputStream content)
      throws RegistryException {
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0");
    }
    Objects.requireNonNull(content, "content");
    RepositoryName repository = session.repository();
    String action = "PUT blob " + describe(repository, digest);
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
      transport.send(call).close();
      return;
    }
    for (long offset = 0; offset < size; ) {
      long length = Math.min(chunkSize, size - offset);
      long end = offset + length - 1;
      String chunkAction =
          "PATCH blob " + describe(repository, digest) + " bytes " + offset + "-" + end;
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
      try (Wire.Response r = transport.send(call)) {
        location = session(repository, r, call).location();
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
      throw readFailed(action, 0, e);
    }
    Call put =
        Call.of("PUT", TokenClient.withQuery(location, "digest=" + digest), scopes, action, 201)
            .notFound(ErrorCode.BLOB_UPLOAD_UNKNOWN);
    transport.send(put).close();
  }

  /**
   * {@code PUT} a manifest under a tag or its digest; returns its digest (sha256 of the bytes for a
   * tag, checked against the registry's {@code Docker-Content-Digest} when it sends one).
   */
  public Digest putManifest(
      RepositoryName repository, String reference, byte[] manifest, String mediaType)
      throws RegistryException {
    return pushManifest(repository, reference, manifest, mediaType).digest();
  }

  /**
   * What a manifest push answered.
   *
   * @param digest the manifest's digest
   * @param subjectIndexed whether the registry answered {@code OCI-Subject}: it lists the manifest
   *     in its referrers API itself, so a client need not maintain the referrers tag
   */
  public record PushedManifest(Digest digest, boolean subjectIndexed) {}

  /** As {@link #putManifest}, also saying whether the registry indexed the manifest's subject. */
  public PushedManifest pushManifest(
      RepositoryName repository, String reference, byte[] manifest, String mediaType)
      throws RegistryException {
    if (!MediaTypes.isValid(mediaType)) {
      throw new IllegalArgumentException("invalid media type: " + mediaType);
    }
    Digest byDigest = parseReference(reference);
    Digest digest = byDigest == null ? Digest.sha256(manifest) : byDigest;
    if (byDigest != null && !Digest.of(byDigest.algorithm(), manifest).equals(byDigest)) {
      throw new IllegalArgumentException("the manifest bytes do not have digest " + byDigest);
    }
    String action = "PUT manifest " + describe(repository, reference, byDigest);
    byte[] body = manifest.clone();
    Call call =
        Call.of(
                "PUT",
                manifestUri(repository, reference),
                List.of(Scope.pushPull(repository)),
                action,
                201)
            .header("Content-Type", mediaType)
            .body(HttpRequest.BodyPublishers.ofByteArray(body), true);
    boolean subjectIndexed;
    try (Wire.Response r = transport.send(call)) {
      Digest header = headerDigest(r, action);
      if (header != null && !Digest.of(header.algorithm(), body).equals(header)) {
        throw digestMismatch(action, header, Digest.of(header.algorithm(), body));
      }
      String subject = r.header("OCI-Subject");
      subjectIndexed = subject != null && !subject.isBlank();
    }
    return new PushedManifest(digest, subjectIndexed);
  }

  /**
   * The referrers of a manifest by the OCI 1.1 referrers API ({@code GET
   * /v2/<name>/referrers/<digest>}, following {@code Link} pages): the descriptors of the index it
   * answers. Empty when the registry does not offer the API (404, 400, 405 or 501, as Distribution
   * 2.8 answers an unknown route), so that the caller can read the referrers tag instead.
   */
  public Optional<List<Descriptor>> referrers(RepositoryName repository, Digest subject)
      throws RegistryException {
    String action = "GET referrers " + describe(repository, subject);
    URI uri =
        withExtraQuery(
            URI.create(endpoint.apiRoot() + repository.value() + "/referrers/" + subject));
    List<Descriptor> out = new ArrayList<>();
    Set<URI> seen = new HashSet<>();
    Origin registry = Origin.of(endpoint.baseUri());
    for (int page = 0; uri != null; page++) {
      if (page >= MAX_TAG_PAGES || !seen.add(uri)) {
        throw new RegistryException(
            ErrorCode.UPSTREAM_FAILED, 200, action, "referrers pagination does not end", false);
      }
      Call call =
          Call.of("GET", uri, pull(repository), action, 200, 400, 404, 405, 501)
              .header("Accept", MediaTypes.OCI_INDEX);
      try (Wire.Response r = transport.send(call)) {
        if (r.status() != 200) {
          return Optional.empty();
        }
        byte[] bytes;
        try {
          bytes = r.readBody(MAX_MANIFEST_BYTES);
        } catch (Wire.BodyTooLargeException e) {
          throw tooLarge(action, r.status());
        } catch (IOException e) {
          throw readFailed(action, r.status(), e);
        }
        Manifest index;
        try {
          index = Manifest.parse(bytes, MediaTypes.OCI_INDEX);
        } catch (RuntimeException e) {
          throw new RegistryException(
              ErrorCode.UPSTREAM_FAILED,
              200,
              action,
              "the referrers answer is not an image index: " + e.getMessage(),
              false);
        }
        if (!(index instanceof ImageIndex)) {
          throw unexpected(action, r, "referrers answer (not an image index)");
        }
        out.addAll(index.references());
        String next = LinkHeader.next(r.headers().allValues("Link"));
        uri = next == null ? null : Transport.resolve(r.uri(), next, call);
      }
      if (uri != null && !Origin.of(uri).equals(registry)) {
        throw new RegistryException(
            ErrorCode.UPSTREAM_FAILED,
            200,
            action,
            "the next referrers page is on another host",
            false);
      }
    }
    return Optional.of(out);
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    if (ownedHttpClient != null) {
      ownedHttpClient.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return "RegistryClient[" + endpoint + "]";
  }

  // ---- helpers ----

  private static List<Scope> pull(RepositoryName repository) {
    return List.of(Scope.pull(repository));
  }

  private URI manifestUri(RepositoryName repository, String reference) {
    return withExtraQuery(
        URI.create(endpoint.apiRoot() + repository.value() + "/manifests/" + reference));
  }

  private URI blobUri(RepositoryName repository, Digest digest) {
    return withExtraQuery(URI.create(endpoint.apiRoot() + repository.value() + "/blobs/" + digest));
  }

  /** The URI with the builder's {@link Builder#queryParameter query parameters} added. */
  private URI withExtraQuery(URI uri) {
    return TokenClient.withQuery(uri, extraQuery);
  }

  /** The digest a reference names, or null for a tag; rejects anything else. */
  private static Digest parseReference(String reference) {
    Objects.requireNonNull(reference, "reference");
    if (reference.indexOf(':') >= 0) {
      return Digest.parse(reference);
    }
    Tag.of(reference); // throws for an invalid tag
    return null;
  }

  private String describe(RepositoryName repository, String reference, Digest byDigest) {
    return endpoint.name() + "/" + repository + (byDigest != null ? "@" : ":") + reference;
  }

  private String describe(RepositoryName repository, Digest digest) {
    return endpoint.name() + "/" + repository + "@" + digest;
  }

  private static UploadSession session(RepositoryName repository, Wire.Response r, Call call)
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

  private static Digest headerDigest(Wire.Response r, String action) throws RegistryException {
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

  private static RegistryException digestMismatch(String action, Digest expected, Digest actual) {
    return new RegistryException(
        ErrorCode.DIGEST_INVALID,
        0,
        action,
        "digest mismatch: expected " + expected + ", got " + actual,
        false);
  }

  private static RegistryException tooLarge(String action, int status) {
    return new RegistryException(
        ErrorCode.MANIFEST_TOO_LARGE,
        status,
        action,
        "the manifest is larger than " + MAX_MANIFEST_BYTES + " bytes",
        false);
  }

  private static RegistryException readFailed(String action, int status, IOException e) {
    return new RegistryException(
        ErrorCode.UNAVAILABLE, status, action, "reading the response failed: " + e, true, null, e);
  }

  private static RegistryException unexpected(String action, Wire.Response r, String what) {
    return new RegistryException(
        ErrorCode.UPSTREAM_FAILED, r.status(), action, "unexpected " + what, false);
  }

  /** Configuration of a {@link RegistryClient}; validated here, frozen by {@link #build()}. */
  public static final class Builder {
    private final RegistryEndpoint endpoint;
    private HttpClient httpClient;
    private InstantSource clock = InstantSource.system();
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration firstByteTimeout = Duration.ofSeconds(30);
    private Duration idleReadTimeout = Duration.ofSeconds(60);
    private RetryPolicy retryPolicy = RetryPolicy.defaults();
    private CircuitBreaker circuitBreaker;
    private long chunkedUploadThreshold = DEFAULT_CHUNKED_UPLOAD_THRESHOLD;
    private long chunkSize = DEFAULT_CHUNK_SIZE;
    private int tagPageSize;
    private String userAgent = "hoist";
    private Sleeper sleeper = Sleeper.REAL;
    private final StringBuilder extraQuery = new StringBuilder();
    private RequestObserver observer = RequestObserver.NONE;

    private Builder(RegistryEndpoint endpoint) {
      this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    }

    /**
     * A shared client to send with (it must not follow redirects itself); without one the client
     * makes its own: HTTP/2 with HTTP/1.1 fallback, the connect timeout, no automatic redirects,
     * and trust-all TLS when the endpoint is insecure.
     */
    public Builder httpClient(HttpClient client) {
      if (client.followRedirects() != HttpClient.Redirect.NEVER) {
        throw new IllegalArgumentException(
            "the HttpClient must not follow redirects: the client follows them itself, so that"
                + " Authorization never goes to another host");
      }
      this.httpClient = client;
      return this;
    }

    /** The clock for token expiry, Retry-After dates and the default circuit breaker. */
    public Builder clock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /** How long to wait for a response's headers (not for streamed uploads). */
    public Builder firstByteTimeout(Duration timeout) {
      this.firstByteTimeout = positive(timeout, "firstByteTimeout");
      return this;
    }

    /** How long one read of a response body may wait for the next bytes. */
    public Builder idleReadTimeout(Duration timeout) {
      this.idleReadTimeout = positive(timeout, "idleReadTimeout");
      return this;
    }

    public Builder retryPolicy(RetryPolicy policy) {
      this.retryPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** The upstream's breaker (default: 5 failures, 30 s open, on the builder's clock). */
    public Builder circuitBreaker(CircuitBreaker breaker) {
      this.circuitBreaker = Objects.requireNonNull(breaker, "breaker");
      return this;
    }

    /** Blobs of at least this many bytes are uploaded in chunks. */
    public Builder chunkedUploadThreshold(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("chunkedUploadThreshold must be positive");
      }
      this.chunkedUploadThreshold = bytes;
      return this;
    }

    /** The size of one {@code PATCH} of a chunked upload. */
    public Builder chunkSize(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("chunkSize must be positive");
      }
      this.chunkSize = bytes;
      return this;
    }

    /** Asks for tag lists in pages of {@code n} ({@code ?n=}); 0 leaves it to the registry. */
    public Builder tagPageSize(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("tagPageSize must be >= 0");
      }
      this.tagPageSize = n;
      return this;
    }

    /**
     * Adds {@code name=value} to the query of every request to the registry's API (not to token
     * realms, nor to upload locations and pages the registry hands out), e.g. containerd's {@code
     * ns=docker.io} that tells a mirror which registry a name belongs to.
     */
    public Builder queryParameter(String name, String value) {
      if (name == null || name.isEmpty()) {
        throw new IllegalArgumentException("query parameter name must not be empty");
      }
      if (extraQuery.length() > 0) {
        extraQuery.append('&');
      }
      extraQuery
          .append(URLEncoder.encode(name, StandardCharsets.UTF_8))
          .append('=')
          .append(
              URLEncoder.encode(Objects.requireNonNull(value, "value"), StandardCharsets.UTF_8));
      return this;
    }

    public Builder userAgent(String userAgent) {
      this.userAgent = Objects.requireNonNull(userAgent, "userAgent");
      return this;
    }

    /**
     * Told about every HTTP exchange (retries, redirect hops and token requests included) and every
     * response body byte read; for metrics. Default: {@link RequestObserver#NONE}.
     */
    public Builder observer(RequestObserver observer) {
      this.observer = Objects.requireNonNull(observer, "observer");
      return this;
    }

    /** For tests: how to wait between retries. */
    Builder sleeper(Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    public RegistryClient build() {
      return new RegistryClient(this);
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive");
      }
      return d;
    }
  }
}
