package dev.hoist.client;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.RepositoryName;
import java.io.InputStream;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

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
 * retried, writes are not. Every failure is a {@link RegistryException} naming the action. The
 * endpoints live in package-private pieces by job: {@link ManifestReads}, {@link BlobReads}, {@link
 * Listings} (tags, referrers), {@link Pushes} (uploads, mounts, manifest pushes), over the shared
 * {@link Requests} (URIs, actions, common answers).
 *
 * <p>Thread-safe; make one per upstream and share it. {@link #close()} stops its watchdog thread
 * and, when the client created it, its {@link HttpClient}.
 */
public final class RegistryClient implements AutoCloseable {
  public static final long DEFAULT_CHUNKED_UPLOAD_THRESHOLD = 64L << 20;
  public static final long DEFAULT_CHUNK_SIZE = 16L << 20;

  /** Distribution's limit; a larger manifest is refused rather than buffered. */
  static final int MAX_MANIFEST_BYTES = 4 << 20;

  private final RegistryEndpoint endpoint;
  private final CircuitBreaker breaker;
  private final HttpClient ownedHttpClient;
  private final ScheduledExecutorService scheduler;
  private final Requests requests;
  private final ManifestReads manifests;
  private final BlobReads blobs;
  private final Listings listings;
  private final Pushes pushes;

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
    Transport transport =
        new Transport(endpoint, wire, auth, b.retryPolicy, breaker, b.sleeper, b.clock);
    this.requests = new Requests(endpoint, transport, b.extraQuery.toString());
    this.manifests = new ManifestReads(requests);
    this.blobs = new BlobReads(requests);
    this.listings = new Listings(requests, b.tagPageSize);
    this.pushes = new Pushes(requests, b.chunkedUploadThreshold, b.chunkSize);
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
    Call call = Call.of("GET", requests.api(""), List.of(), "GET /v2/ " + endpoint.name(), 200);
    requests.send(call).close();
  }

  /**
   * {@code HEAD} a manifest: its digest, media type and size, or empty when the registry does not
   * have it. Docker Hub does not count a {@code HEAD} against its pull limit.
   */
  public Optional<ManifestResponse> headManifest(RepositoryName repository, String reference)
      throws RegistryException {
    return manifests.head(repository, reference);
  }

  /**
   * {@code GET} a manifest or index, raw. {@code accept} lists the media types to ask for (empty
   * means {@link MediaTypes#MANIFEST_TYPES}). The bytes are checked against the reference when it
   * is a digest and against {@code Docker-Content-Digest} when present.
   */
  public ManifestResponse getManifest(
      RepositoryName repository, String reference, List<String> accept) throws RegistryException {
    return manifests.get(repository, reference, accept);
  }

  /**
   * {@code GET} a blob from {@code offset} on (0 for all of it), streaming. For {@code offset > 0}
   * it sends {@code Range: bytes=<offset>-}; a registry that answers {@code 200} anyway has the
   * skipped bytes read and dropped here. See {@link BlobResponse} for what is verified.
   */
  public BlobResponse getBlob(RepositoryName repository, Digest digest, long offset)
      throws RegistryException {
    return blobs.get(repository, digest, offset, true);
  }

  /**
   * As {@link #getBlob(RepositoryName, Digest, long)}, but a stream from offset 0 is not checked
   * against the digest here: for a caller that hashes every byte itself (the mirror's fill), so
   * that each byte is hashed once.
   */
  public BlobResponse getBlobUnverified(RepositoryName repository, Digest digest, long offset)
      throws RegistryException {
    return blobs.get(repository, digest, offset, false);
  }

  /**
   * {@code HEAD} a blob: its size (-1 if not sent), or empty when the registry does not have it.
   */
  public Optional<Long> headBlob(RepositoryName repository, Digest digest)
      throws RegistryException {
    return blobs.head(repository, digest);
  }

  /** Whether the repository has the blob (a {@code HEAD}). */
  public boolean blobExists(RepositoryName repository, Digest digest) throws RegistryException {
    return headBlob(repository, digest).isPresent();
  }

  /** Every tag of the repository, following {@code Link: <...>; rel="next"} pages. */
  public List<String> tags(RepositoryName repository) throws RegistryException {
    return listings.tags(repository);
  }

  /**
   * Mounts a blob from {@code from} (same registry) into {@code repository}: {@code POST
   * ...?mount=<digest>&from=<from>}. When the registry cannot, it opens an upload session instead.
   */
  public MountResult mountBlob(RepositoryName repository, Digest digest, RepositoryName from)
      throws RegistryException {
    return pushes.mount(repository, digest, from);
  }

  /** Opens a blob upload session ({@code POST /v2/<name>/blobs/uploads/}). */
  public UploadSession startUpload(RepositoryName repository) throws RegistryException {
    return pushes.startUpload(repository);
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
    pushes.pushBlob(session, digest, size, content);
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
    return pushes.pushManifest(repository, reference, manifest, mediaType);
  }

  /**
   * The referrers of a manifest by the OCI 1.1 referrers API ({@code GET
   * /v2/<name>/referrers/<digest>}, following {@code Link} pages): the descriptors of the index it
   * answers. Empty when the registry does not offer the API (404, 400, 405 or 501, as Distribution
   * 2.8 answers an unknown route), so that the caller can read the referrers tag instead.
   */
  public Optional<List<Descriptor>> referrers(RepositoryName repository, Digest subject)
      throws RegistryException {
    return listings.referrers(repository, subject);
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
