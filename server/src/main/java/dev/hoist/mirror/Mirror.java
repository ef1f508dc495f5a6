package dev.hoist.mirror;

import dev.hoist.client.ManifestResponse;
import dev.hoist.client.RegistryClient;
import dev.hoist.client.RegistryException;
import dev.hoist.client.copy.RegistrySource;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.ManifestInvalidException;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.OciException;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.registry.RemoteContent;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.ManifestRecord;
import dev.hoist.storage.MetadataStore;
import dev.hoist.storage.MirrorTagState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pull-through cache: serves mirrored repositories from the local stores, and fills them from
 * the upstream on a miss (ARCHITECTURE §3).
 *
 * <ul>
 *   <li>Content by digest is immutable: once cached it is served until evicted.
 *   <li>A tag is trusted for its rule's fresh time, then revalidated with a HEAD (not counted by
 *       Docker Hub's pull limit) and refetched only when its digest changed; served stale while a
 *       background check runs (when the rule allows) or while the upstream fails; an upstream's "no
 *       such tag" is remembered for the negative TTL.
 *   <li>Concurrent requests share one upstream request per manifest and one fill per blob.
 * </ul>
 *
 * <p>Everything cached for an upstream lives under its cache name ({@code
 * <upstream>/<repository>}), so two upstreams never share a tag.
 */
public final class Mirror implements RemoteContent, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Mirror.class);

  private final MirrorConfig config;
  private final MirrorRouting routing;
  private final Map<String, RegistryClient> clients;
  // One per upstream, so that it remembers an upstream without the referrers API (Distribution
  // 2.8) and goes straight to the referrers tag, instead of asking the API on every request.
  private final ConcurrentMap<String, RegistrySource> referrerSources = new ConcurrentHashMap<>();
  private final BlobStore blobs;
  private final MetadataStore metadata;
  private final BlobFills fills;
  private final InstantSource clock;
  private final Executor background;
  private final MirrorMetrics metrics;
  private final SingleFlight<String, TagAnswer> tagChecks = new SingleFlight<>();
  private final SingleFlight<String, ManifestRecord> manifestFetches = new SingleFlight<>();

  /**
   * @param clients one registry client per configured upstream, by upstream name
   * @param background runs revalidations and prefetches that no request waits for
   */
  public Mirror(
      MirrorConfig config,
      Map<String, RegistryClient> clients,
      BlobStore blobs,
      MetadataStore metadata,
      BlobFills fills,
      InstantSource clock,
      Executor background,
      MirrorMetrics metrics) {
    this.config = Objects.requireNonNull(config, "config");
    this.routing = new MirrorRouting(config);
    this.clients = Map.copyOf(clients);
    this.blobs = blobs;
    this.metadata = metadata;
    this.fills = fills;
    this.clock = clock;
    this.background = background;
    this.metrics = metrics;
    for (Upstream u : config.upstreams()) {
      if (!this.clients.containsKey(u.name())) {
        throw new IllegalArgumentException("no client for upstream " + u.name());
      }
    }
  }

  /**
   * The mirror as configured: one registry client per upstream (with its credentials, timeouts,
   * retries and circuit breaker), fills spooling under {@code <dataDir>/spool}, meters in {@code
   * meters}.
   */
  public static Mirror create(
      MirrorConfig config,
      BlobStore blobs,
      MetadataStore metadata,
      java.nio.file.Path dataDir,
      InstantSource clock,
      io.micrometer.core.instrument.MeterRegistry meters)
      throws IOException {
    MirrorMetrics metrics = new MirrorMetrics(meters);
    java.util.concurrent.ExecutorService executor =
        java.util.concurrent.Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("hoist-mirror-", 0).factory());
    Map<String, RegistryClient> clients = new java.util.HashMap<>();
    for (Upstream upstream : config.upstreams()) {
      clients.put(upstream.name(), UpstreamClients.create(upstream, clock, meters));
    }
    BlobFills fills =
        new BlobFills(
            blobs, dataDir.resolve("spool"), executor, BlobFills.DEFAULT_MAX_RESUMES, metrics);
    metrics.watch(fills);
    Mirror mirror = new Mirror(config, clients, blobs, metadata, fills, clock, executor, metrics);
    mirror.onClose = () -> stop(executor);
    return mirror;
  }

  /**
   * How long fills and prefetches still running at shutdown may take to finish. A fill whose client
   * got every byte is only committing (milliseconds), and interrupting it would throw the verified
   * blob away; one still downloading for nobody is cut after this.
   */
  static final Duration STOP_GRACE = Duration.ofSeconds(5);

  private static void stop(java.util.concurrent.ExecutorService executor) {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(
          STOP_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private Runnable onClose = () -> {};

  /**
   * Stops background work, letting fills and prefetches still running finish for up to {@link
   * #STOP_GRACE}, then releases the upstream clients.
   */
  @Override
  public void close() {
    onClose.run();
    for (RegistryClient client : clients.values()) {
      client.close();
    }
  }

  public MirrorConfig config() {
    return config;
  }

  /** Told of every manifest request by tag (pull counting for pre-warming); must not block. */
  @FunctionalInterface
  public interface PullListener {
    void tagPulled(String upstream, RepositoryName upstreamName, Tag tag);
  }

  private volatile PullListener pullListener = (upstream, name, tag) -> {};

  /** Sets the listener told of pulls by tag (the composition root wires sync's pull counter). */
  public void onTagPulled(PullListener listener) {
    this.pullListener = Objects.requireNonNull(listener, "listener");
  }

  /** The registry client of a configured upstream, so that other features share its breaker. */
  public Optional<RegistryClient> upstreamClient(String upstream) {
    return Optional.ofNullable(clients.get(upstream));
  }

  /**
   * Where the cache keeps a repository of a configured upstream ({@code <upstream>/<path>}, a
   * {@code :} in the upstream's name written as {@code -}); empty for an upstream not configured.
   */
  public Optional<RepositoryName> cacheName(String upstream, RepositoryName upstreamName) {
    return config.upstream(upstream).map(u -> MirrorRouting.cacheName(u, upstreamName));
  }

  /** How long a cached tag is trusted, by its cache name ({@code <upstream>/<path>}). */
  public Duration freshFor(RepositoryName cacheName, Tag tag) {
    for (FreshnessRule rule : config.freshnessRules()) {
      if (rule.matches(cacheName.value(), tag.value())) {
        return rule.fresh();
      }
    }
    return FreshnessRule.DEFAULT.fresh();
  }

  @Override
  public Optional<RemoteRepository> route(RepositoryName name, String namespace) {
    return routing.route(name, namespace);
  }

  // Manifests.

  @Override
  public Lookup manifest(RemoteRepository repo, String reference, boolean head) throws IOException {
    Lookup found;
    if (reference.indexOf(':') >= 0) {
      found = manifestByDigest(repo, parseDigest(reference));
    } else if (Tag.isValid(reference)) {
      pullListener.tagPulled(repo.upstream(), repo.upstreamName(), Tag.of(reference));
      found = manifestByTag(repo, Tag.of(reference));
    } else {
      throw manifestUnknown(repo, reference);
    }
    metrics.served(found.status(), true);
    return found;
  }

  private Lookup manifestByDigest(RemoteRepository repo, Digest digest) throws IOException {
    Optional<Lookup> cached = cachedManifest(repo, digest, CacheStatus.HIT);
    if (cached.isPresent()) {
      return cached.get();
    }
    ManifestRecord record;
    try {
      record = fetchManifest(repo, digest.toString(), digest);
    } catch (UpstreamException e) {
      throw upstreamFailure(repo, e);
    }
    return cachedManifest(repo, record.digest(), CacheStatus.MISS)
        .orElseThrow(() -> manifestUnknown(repo, digest.toString()));
  }

  private Lookup manifestByTag(RemoteRepository repo, Tag tag) throws IOException {
    FreshnessRule rule = freshnessFor(repo, tag);
    Instant now = clock.instant();
    Optional<MirrorTagState> state = metadata.read(tx -> tx.mirrorTag(repo.cacheName(), tag));
    if (state.isPresent()) {
      MirrorTagState s = state.get();
      Duration age = Duration.between(s.checked(), now);
      if (s.absent()) {
        if (age.compareTo(config.negativeTtl()) < 0) {
          throw manifestUnknown(repo, tag.value());
        }
      } else if (age.compareTo(rule.fresh()) < 0) {
        Optional<Lookup> hit = cachedManifest(repo, s.digest(), CacheStatus.HIT);
        if (hit.isPresent()) {
          return hit.get();
        }
      } else if (age.compareTo(rule.fresh().plus(rule.staleWhileRevalidate())) < 0) {
        Optional<Lookup> stale = cachedManifest(repo, s.digest(), CacheStatus.STALE);
        if (stale.isPresent()) {
          background.execute(() -> revalidateQuietly(repo, tag, s));
          return stale.get();
        }
      }
    }
    TagAnswer answer;
    try {
      answer = tagChecks.run(repo.cacheName() + ":" + tag.value(), () -> checkTag(repo, tag));
    } catch (UpstreamException e) {
      Optional<Lookup> stale = staleOnError(repo, state, rule, now, e);
      if (stale.isPresent()) {
        return stale.get();
      }
      throw upstreamFailure(repo, e);
    }
    if (answer.digest() == null) {
      throw manifestUnknown(repo, tag.value());
    }
    return cachedManifest(repo, answer.digest(), answer.status())
        .orElseThrow(() -> manifestUnknown(repo, tag.value()));
  }

  /** What the upstream says a tag is now, with the manifest fetched if it is new. */
  private record TagAnswer(Digest digest, CacheStatus status) {}

  private TagAnswer checkTag(RemoteRepository repo, Tag tag) throws IOException {
    Optional<MirrorTagState> before = metadata.read(tx -> tx.mirrorTag(repo.cacheName(), tag));
    Digest digest;
    try {
      // A tag never seen here needs its manifest anyway: one GET by tag, not a HEAD and then a
      // GET by digest (one upstream round trip less per cold pull; Docker Hub counts the GET
      // either way). A known tag is revalidated with a HEAD, which fetches nothing.
      digest = before.isEmpty() ? fetchTag(repo, tag) : headDigest(repo, tag);
    } catch (RegistryException e) {
      throw new UpstreamException(e);
    }
    Instant now = clock.instant();
    if (digest == null) {
      recordTag(repo, tag, null, now);
      return new TagAnswer(null, CacheStatus.MISS);
    }
    boolean known =
        before.map(MirrorTagState::digest).filter(digest::equals).isPresent()
            && cachedManifestRecord(repo, digest).isPresent();
    if (!known && cachedManifestRecord(repo, digest).isEmpty()) {
      fetchManifest(repo, digest.toString(), digest);
    }
    recordTag(repo, tag, digest, now);
    return new TagAnswer(digest, known ? CacheStatus.REVALIDATED : CacheStatus.MISS);
  }

  /**
   * The digest a tag points at upstream, from a HEAD; null when the upstream has no such tag. An
   * upstream that does not send {@code Docker-Content-Digest} costs a GET instead.
   */
  private Digest headDigest(RemoteRepository repo, Tag tag) throws RegistryException, IOException {
    RegistryClient client = client(repo);
    try {
      Optional<ManifestResponse> head = client.headManifest(repo.upstreamName(), tag.value());
      return head.map(ManifestResponse::digest).orElse(null);
    } catch (RegistryException e) {
      if (e.httpStatus() != 200) {
        throw e;
      }
    }
    return fetchTag(repo, tag);
  }

  /** The digest a tag points at upstream, from a GET that stores the manifest; null when none. */
  private Digest fetchTag(RemoteRepository repo, Tag tag) throws RegistryException, IOException {
    RegistryClient client = client(repo);
    try {
      ManifestRecord record =
          storeManifest(
              repo,
              client.getManifest(repo.upstreamName(), tag.value(), MediaTypes.MANIFEST_TYPES),
              null);
      return record.digest();
    } catch (RegistryException e) {
      if (e.httpStatus() == 404
          || e.code() == ErrorCode.MANIFEST_UNKNOWN
          || e.code() == ErrorCode.NAME_UNKNOWN) {
        return null;
      }
      throw e;
    }
  }

  private void revalidateQuietly(RemoteRepository repo, Tag tag, MirrorTagState was) {
    try {
      tagChecks.run(repo.cacheName() + ":" + tag.value(), () -> checkTag(repo, tag));
    } catch (IOException | RuntimeException e) {
      log.warn(
          "background revalidation failed: upstream={} repository={} tag={} error={}",
          repo.upstream(),
          repo.upstreamName(),
          tag,
          e.toString());
    }
  }

  private Optional<Lookup> staleOnError(
      RemoteRepository repo,
      Optional<MirrorTagState> state,
      FreshnessRule rule,
      Instant now,
      UpstreamException failure) {
    if (state.isEmpty() || state.get().absent() || !serveStaleOn(failure)) {
      return Optional.empty();
    }
    MirrorTagState s = state.get();
    Duration age = Duration.between(s.checked(), now);
    if (age.compareTo(rule.staleIfError()) >= 0) {
      return Optional.empty();
    }
    Optional<Lookup> stale = cachedManifest(repo, s.digest(), CacheStatus.STALE);
    stale.ifPresent(
        x ->
            log.info(
                "serving stale manifest, upstream failed: upstream={} repository={} tag={} error={}",
                repo.upstream(),
                repo.upstreamName(),
                s.tag(),
                failure.getMessage()));
    return stale;
  }

  /** Timeouts, 5xx, 429 and an unreachable upstream; not "no such thing" or "not allowed". */
  private static boolean serveStaleOn(UpstreamException failure) {
    ErrorCode code = failure.failure().code();
    int status = failure.failure().httpStatus();
    return status == 0
        || status == 429
        || status >= 500
        || code == ErrorCode.UNAVAILABLE
        || code == ErrorCode.TOOMANYREQUESTS
        || code == ErrorCode.UPSTREAM_FAILED;
  }

  private void recordTag(RemoteRepository repo, Tag tag, Digest digest, Instant checked) {
    metadata.write(
        tx -> {
          tx.putMirrorTag(new MirrorTagState(repo.cacheName(), tag, digest, checked));
          return null;
        });
  }

  /**
   * Fetches a manifest from the upstream and stores it, once for concurrent callers: its type and
   * digest checked, its bytes as a blob, its record in the cache repository.
   */
  private ManifestRecord fetchManifest(RemoteRepository repo, String reference, Digest expected)
      throws IOException {
    return manifestFetches.run(
        repo.cacheName() + "@" + reference,
        () -> {
          Optional<ManifestRecord> cached =
              expected == null ? Optional.empty() : cachedManifestRecord(repo, expected);
          if (cached.isPresent()) {
            return cached.get();
          }
          try {
            ManifestResponse response =
                client(repo).getManifest(repo.upstreamName(), reference, MediaTypes.MANIFEST_TYPES);
            return storeManifest(repo, response, expected);
          } catch (RegistryException e) {
            throw new UpstreamException(e);
          }
        });
  }

  private ManifestRecord storeManifest(
      RemoteRepository repo, ManifestResponse response, Digest expected) throws IOException {
    byte[] raw = response.bytes();
    Manifest manifest;
    try {
      manifest =
          expected == null
              ? Manifest.parse(raw, response.mediaType())
              : Manifest.parse(raw, response.mediaType(), expected);
    } catch (ManifestInvalidException e) {
      throw new OciException(
          ErrorCode.UPSTREAM_FAILED,
          "upstream " + repo.upstream() + " sent an invalid manifest: " + e.getMessage());
    }
    if (!manifest.digest().equals(response.digest())) {
      throw new OciException(
          ErrorCode.UPSTREAM_FAILED,
          "upstream " + repo.upstream() + " sent a manifest whose digest is not what it said");
    }
    if (blobs.size(manifest.digest()).isEmpty()) {
      blobs.put(manifest.digest(), raw);
    }
    ManifestRecord record =
        new ManifestRecord(
            manifest.digest(),
            manifest.mediaType(),
            manifest.size(),
            manifest.artifactType().orElse(null),
            manifest.subject().map(Descriptor::digest).orElse(null),
            manifest.annotations(),
            clock.instant());
    metadata.write(
        tx -> {
          tx.linkBlob(repo.cacheName(), manifest.digest(), manifest.size());
          tx.putManifest(repo.cacheName(), record, null);
          return null;
        });
    metrics.manifestFetched(repo.upstream());
    if (config.prefetchSiblings() && manifest instanceof ImageIndex index) {
      background.execute(() -> prefetch(repo, index));
    }
    if (manifest instanceof ImageManifest image) {
      background.execute(() -> prefetchConfig(repo, image.config()));
    }
    return record;
  }

  /**
   * Fetches an image's config as soon as its manifest is: every client pulling the image asks for
   * it next (skopeo after the layers, Docker before them), and then finds it stored or filling, a
   * round trip to the upstream sooner. A config is a few KB and a pull fetches it anyway, so the
   * upstream sends no more than without this; only a manifest read without a pull (an inspect)
   * costs it one small blob. It goes through the fills, so a client asking meanwhile joins it.
   */
  private void prefetchConfig(RemoteRepository repo, Descriptor config) {
    try {
      if (blobs.size(config.digest()).isPresent()) {
        return; // a client's request links it, once the upstream confirms this repository has it
      }
      drain(findBlob(repo, config.digest(), false));
    } catch (IOException | RuntimeException e) {
      log.debug(
          "prefetch of a config failed: upstream={} repository={} digest={} error={}",
          repo.upstream(),
          repo.upstreamName(),
          config.digest(),
          e.toString());
    }
  }

  /** Fetches every child manifest of an index and their blobs, so other platforms are hits. */
  private void prefetch(RemoteRepository repo, ImageIndex index) {
    for (Descriptor child : index.manifests()) {
      try {
        ManifestRecord record = fetchManifest(repo, child.digest().toString(), child.digest());
        BlobContent content = blobs.open(record.digest()).orElse(null);
        if (content == null) {
          continue;
        }
        byte[] raw;
        try (var in = openAll(content)) {
          raw = in.readAllBytes();
        }
        Manifest childManifest = Manifest.parse(raw, record.mediaType(), record.digest());
        for (Descriptor blob : childManifest.references()) {
          if (MediaTypes.isManifest(blob.mediaType())) {
            continue;
          }
          drain(blob(repo, blob.digest(), false));
        }
      } catch (IOException | RuntimeException e) {
        log.warn(
            "prefetch of a sibling platform failed: upstream={} repository={} digest={} error={}",
            repo.upstream(),
            repo.upstreamName(),
            child.digest(),
            e.toString());
      }
    }
  }

  /** Reads a looked-up blob to its end: a prefetch waits for its fill this way. */
  private static void drain(Lookup found) throws IOException {
    if (found.content() != null) {
      try (var in = openAll(found.content())) {
        in.transferTo(java.io.OutputStream.nullOutputStream());
      }
    }
  }

  private static java.io.InputStream openAll(BlobContent content) throws IOException {
    if (content instanceof BlobContent.LocalFile file) {
      return java.nio.file.Files.newInputStream(file.path());
    }
    if (content instanceof BlobContent.Streamed streamed) {
      return streamed.open(0, streamed.size());
    }
    throw new IOException("cannot read " + content);
  }

  private Optional<ManifestRecord> cachedManifestRecord(RemoteRepository repo, Digest digest) {
    return metadata.read(tx -> tx.manifest(repo.cacheName(), digest));
  }

  private Optional<Lookup> cachedManifest(
      RemoteRepository repo, Digest digest, CacheStatus status) {
    Optional<ManifestRecord> record = cachedManifestRecord(repo, digest);
    if (record.isEmpty()) {
      return Optional.empty();
    }
    try {
      Optional<BlobContent> content = blobs.open(digest);
      return content.map(
          c -> new Lookup(c, record.get().size(), digest, record.get().mediaType(), status));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // Blobs.

  @Override
  public Lookup blob(RemoteRepository repo, Digest digest, boolean head) throws IOException {
    Lookup found = findBlob(repo, digest, head);
    metrics.served(found.status(), false);
    return found;
  }

  /**
   * Reads a blob of an upstream repository the way a client pull would fill it: from the store, or
   * through the fill of it, which a client asking for the same blob meanwhile shares (and which
   * shares a fill a client started). Sync uses this for copies into the mirror cache, so a blob
   * crosses from the upstream once however the two overlap. The stream ends only once every byte
   * was verified and the blob is in the store; it does not count as a served request.
   *
   * @throws IOException the upstream is not configured, refused or failed, or the fill failed
   */
  public java.io.InputStream openBlob(String upstream, RepositoryName upstreamName, Digest digest)
      throws IOException {
    RemoteRepository repo =
        new RemoteRepository(
            upstream,
            upstreamName,
            cacheName(upstream, upstreamName)
                .orElseThrow(() -> new IOException("upstream " + upstream + " is not configured")));
    Lookup found;
    try {
      found = findBlob(repo, digest, false);
    } catch (OciException e) {
      throw new IOException(e.getMessage(), e);
    }
    return new StoredAtEnd(openAll(found.content()), digest);
  }

  /** A blob's bytes whose end waits until the fill that brought them has stored the blob. */
  private final class StoredAtEnd extends java.io.FilterInputStream {
    private final Digest digest;
    private boolean checked;

    StoredAtEnd(java.io.InputStream in, Digest digest) {
      super(in);
      this.digest = digest;
    }

    @Override
    public int read() throws IOException {
      return atEnd(super.read());
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return atEnd(super.read(b, off, len));
    }

    private int atEnd(int result) throws IOException {
      if (result < 0 && !checked) {
        if (!fills.awaitStored(digest)) {
          throw new IOException("the mirror's fill of " + digest + " did not store it");
        }
        checked = true;
      }
      return result;
    }
  }

  private Lookup findBlob(RemoteRepository repo, Digest digest, boolean head) throws IOException {
    boolean linked = metadata.read(tx -> tx.linkedBlobSize(repo.cacheName(), digest)).isPresent();
    // Asked before the store: a fill verified now is in the store or still committing below. A
    // fill with every byte verified, only being made durable, serves like the store: a hit.
    CacheStatus ifFilling = fills.verified(digest) ? CacheStatus.HIT : CacheStatus.MISS;
    Optional<BlobContent> stored = blobs.open(digest);
    if (stored.isPresent()) {
      if (!linked) {
        // The bytes came through another repository: check this one really has them upstream
        // before serving them here, so a cache never widens who can read what.
        long size = headBlob(repo, digest);
        link(repo, digest, size);
      }
      return new Lookup(stored.get(), stored.get().size(), digest, null, CacheStatus.HIT);
    }
    if (head) {
      long size = headBlob(repo, digest);
      return new Lookup(null, size, digest, null, CacheStatus.MISS);
    }
    String origin = repo.cacheName().value();
    if (!linked && fills.origin(digest).filter(o -> !o.equals(origin)).isPresent()) {
      // Joining another repository's fill: as above, check this one has the blob upstream first.
      headBlob(repo, digest);
    }
    RegistryClient client = client(repo);
    BlobContent content;
    try {
      content =
          fills.serve(
              digest,
              -1,
              offset -> {
                try {
                  // The fill hashes every byte it spools; the client need not hash them too.
                  var response = client.getBlobUnverified(repo.upstreamName(), digest, offset);
                  return new BlobSource.SourceStream(response.totalSize(), response.stream());
                } catch (RegistryException e) {
                  throw new UpstreamException(e);
                }
              },
              origin);
    } catch (UpstreamException e) {
      throw upstreamFailure(repo, e);
    }
    link(repo, digest, content.size());
    return new Lookup(content, content.size(), digest, null, ifFilling);
  }

  private long headBlob(RemoteRepository repo, Digest digest) throws IOException {
    try {
      return client(repo)
          .headBlob(repo.upstreamName(), digest)
          .orElseThrow(
              () ->
                  new OciException(
                      ErrorCode.BLOB_UNKNOWN,
                      "blob unknown to " + repo.upstream() + "/" + repo.upstreamName(),
                      OciException.detail("digest", digest.toString())));
    } catch (RegistryException e) {
      throw upstreamFailure(repo, new UpstreamException(e));
    }
  }

  private void link(RemoteRepository repo, Digest digest, long size) {
    metadata.write(
        tx -> {
          tx.linkBlob(repo.cacheName(), digest, size);
          return null;
        });
  }

  // Tags.

  @Override
  public List<Descriptor> referrers(RemoteRepository repo, Digest subject) throws IOException {
    try {
      return referrerSources
          .computeIfAbsent(repo.upstream(), upstream -> new RegistrySource(client(repo)))
          .referrers(repo.upstreamName(), subject);
    } catch (RegistryException e) {
      throw upstreamFailure(repo, new UpstreamException(e));
    }
  }

  @Override
  public List<String> tags(RemoteRepository repo) throws IOException {
    try {
      return client(repo).tags(repo.upstreamName());
    } catch (RegistryException e) {
      throw upstreamFailure(repo, new UpstreamException(e));
    }
  }

  // Plumbing.

  private RegistryClient client(RemoteRepository repo) {
    return clients.get(repo.upstream());
  }

  private FreshnessRule freshnessFor(RemoteRepository repo, Tag tag) {
    String cacheName = repo.cacheName().value();
    for (FreshnessRule rule : config.freshnessRules()) {
      if (rule.matches(cacheName, tag.value())) {
        return rule;
      }
    }
    return FreshnessRule.DEFAULT;
  }

  private static Digest parseDigest(String text) {
    try {
      return Digest.parse(text);
    } catch (IllegalArgumentException e) {
      throw new OciException(ErrorCode.DIGEST_INVALID, e.getMessage());
    }
  }

  private static OciException manifestUnknown(RemoteRepository repo, String reference) {
    return new OciException(
        ErrorCode.MANIFEST_UNKNOWN,
        "manifest unknown to " + repo.upstream() + "/" + repo.upstreamName(),
        OciException.detail("reference", reference));
  }

  /**
   * The client's view of an upstream failure: "not found" stays 404; refusals, throttling and
   * breakage say that the upstream failed, naming it.
   */
  static OciException upstreamFailure(RemoteRepository repo, UpstreamException failure) {
    RegistryException e = failure.failure();
    String where = repo.upstream() + "/" + repo.upstreamName();
    switch (e.code()) {
      case MANIFEST_UNKNOWN:
      case BLOB_UNKNOWN:
      case NAME_UNKNOWN:
        return new OciException(e.code(), e.code().defaultMessage() + " (" + where + ")");
      case UNAUTHORIZED:
      case DENIED:
        return new OciException(
            ErrorCode.DENIED,
            "upstream "
                + repo.upstream()
                + " refused access to "
                + repo.upstreamName()
                + ": it may not exist, or Hoist needs credentials for it");
      case TOOMANYREQUESTS:
        return new OciException(
            ErrorCode.TOOMANYREQUESTS,
            "upstream " + repo.upstream() + " is throttling requests; try again later");
      default:
        return new OciException(
            e.httpStatus() == 0 ? ErrorCode.UNAVAILABLE : ErrorCode.UPSTREAM_FAILED,
            "upstream " + repo.upstream() + " failed: " + e.getMessage());
    }
  }
}
