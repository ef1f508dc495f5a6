package dev.hoist.server;

import dev.hoist.accelerator.Accelerator;
import dev.hoist.accelerator.QuotaNamespace;
import dev.hoist.auth.AuthService;
import dev.hoist.auth.LoginLimiter;
import dev.hoist.client.RegistryClient;
import dev.hoist.cluster.Cluster;
import dev.hoist.config.HostPort;
import dev.hoist.lifecycle.DiskApi;
import dev.hoist.lifecycle.DiskLifecycle;
import dev.hoist.lifecycle.DiskProbe;
import dev.hoist.logging.AccessLog;
import dev.hoist.mirror.BlobFills;
import dev.hoist.mirror.ClusterFills;
import dev.hoist.mirror.Mirror;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.mirror.MirrorMetrics;
import dev.hoist.mirror.Upstream;
import dev.hoist.mirror.UpstreamClients;
import dev.hoist.oci.RepositoryName;
import dev.hoist.pipeline.Pipeline;
import dev.hoist.pipeline.Stage;
import dev.hoist.registry.AccessController;
import dev.hoist.registry.PeerEndpoint;
import dev.hoist.registry.RegistryApi;
import dev.hoist.registry.RegistryOptions;
import dev.hoist.repository.LocalNamespace;
import dev.hoist.repository.ManifestBodies;
import dev.hoist.repository.MirrorCache;
import dev.hoist.repository.Namespace;
import dev.hoist.repository.RepositoryRequest;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.CacheRepositories;
import dev.hoist.storage.MetadataStore;
import dev.hoist.storage.fs.FileSystemBlobStore;
import dev.hoist.storage.s3.S3BlobStore;
import dev.hoist.storage.s3.S3Config;
import dev.hoist.storage.sql.PostgresMetadataStore;
import dev.hoist.storage.sql.PostgresUrl;
import dev.hoist.storage.sql.SqliteMetadataStore;
import dev.hoist.sync.MirrorAccess;
import dev.hoist.sync.SyncFeature;
import dev.hoist.tls.ServerCertificate;
import dev.hoist.web.Assets;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: the only class that knows how the pieces fit together. {@link #start}
 * builds them from a {@link ServerConfig} in named steps, each registering what it started in one
 * {@link Resources} stack, which closes them in reverse on shutdown or when a later step fails:
 *
 * <ol>
 *   <li>the stores (filesystem blobs; SQLite or PostgreSQL metadata), the {@link DiskLifecycle}
 *       every blob write goes through, and the {@link LocalNamespace} over them;
 *   <li>the namespace's decorators: the mirror ({@link Mirror#decorate}), use times ({@link
 *       DiskLifecycle#decorate}), then the quotas ({@link QuotaNamespace});
 *   <li>auth, the accelerator and sync, each given only what it needs;
 *   <li>the request pipeline ({@link #pipeline}), which lists every stage in order;
 *   <li>the HTTP server.
 * </ol>
 */
public final class HoistServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HoistServer.class);

  /** Memory for manifest bytes when blobs are in S3 (per node; about 10,000 typical manifests). */
  private static final long REMOTE_MANIFEST_MEMORY = 64L << 20;

  /** A certificate this close to its end is named in a warning at start. */
  private static final Duration CERTIFICATE_EXPIRY_WARNING = Duration.ofDays(14);

  /**
   * How long mirror fills and prefetches still running at shutdown may take to finish. A fill whose
   * client got every byte is only committing (milliseconds), and interrupting it would throw the
   * verified blob away; one still downloading for nobody is cut after this.
   */
  static final Duration MIRROR_STOP_GRACE = Duration.ofSeconds(5);

  private final ServerConfig config;
  private final NodeId node;
  private final HttpServer http;
  private final Pipeline pipeline;
  private final Health health;
  private final Resources resources;
  private final AtomicBoolean closed = new AtomicBoolean();

  private HoistServer(
      ServerConfig config,
      NodeId node,
      HttpServer http,
      Pipeline pipeline,
      Health health,
      Resources resources) {
    this.config = config;
    this.node = node;
    this.http = http;
    this.pipeline = pipeline;
    this.health = health;
    this.resources = resources;
  }

  /** Opens the stores, starts listening, and returns once {@code GET /v2/} can be answered. */
  public static HoistServer start(ServerConfig config) {
    InstantSource clock = InstantSource.system();
    Resources resources = new Resources();
    try {
      // Before anything is opened: a certificate that cannot be served stops the start at once.
      ServerCertificate certificate =
          config.tls().enabled() ? ServerCertificate.load(config.tls()) : null;
      if (certificate != null) {
        log.info("tls certificate loaded: {}", certificate.describe());
        Duration left = Duration.between(Instant.now(), certificate.notAfter());
        if (left.compareTo(CERTIFICATE_EXPIRY_WARNING) < 0) {
          log.warn(
              "tls certificate expires in {} days: {}; replace the files, they are reloaded",
              left.toDays(),
              certificate.describe());
        }
      }
      Path dataDir = dataDir(config);
      MetadataStore metadata = resources.add("metadata", openMetadata(config, dataDir, clock));
      Cluster cluster = joinCluster(config, metadata, clock, resources);
      // One identity for everything the node holds in the store: fills, sync runs, quota holds.
      NodeId node = cluster == null ? NodeId.random() : new NodeId(cluster.nodeId());
      log.info("node started: node={}", node);
      PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      resources.add("process metrics", ProcessMetrics.bind(meters));
      DiskLifecycle disk =
          resources.add(
              "disk lifecycle",
              DiskLifecycle.create(
                  config.disk(),
                  openBlobStore(config, dataDir, clock, resources),
                  metadata,
                  cacheRepositories(config.mirror()),
                  dataDir,
                  config.storage().s3() == null ? DiskProbe.of(dataDir) : DiskProbe.UNBOUNDED,
                  clock,
                  meters));
      // Every component writes blobs through the lifecycle's store (commits are tracked).
      BlobStore blobs = disk.blobs();
      Health health =
          resources.add("health", Health.of(metadata, blobs, config.health().timeout()));
      Vertx vertx =
          resources.add(
              "vertx", Vertx.vertx(new VertxOptions()), v -> v.close().await(10, TimeUnit.SECONDS));

      // Over S3 a manifest read is two object requests; a node keeps recent ones in memory.
      ManifestBodies manifestBodies =
          config.storage().s3() == null
              ? ManifestBodies.uncached(blobs)
              : ManifestBodies.cached(blobs, REMOTE_MANIFEST_MEMORY);
      LocalNamespace local = new LocalNamespace(blobs, metadata, clock, manifestBodies);
      Mirror mirror =
          config.mirror().enabled()
              ? startMirror(
                  config.mirror(),
                  blobs,
                  local.mirrorCache(),
                  dataDir,
                  cluster,
                  clock,
                  meters,
                  resources)
              : null;
      Namespace mirrored = mirror == null ? local : mirror.decorate(local);
      Namespace used = disk.decorate(mirrored);
      Namespace namespace = config.accelerator().enabled() ? new QuotaNamespace(used) : used;

      // One limiter for every password check, so that guesses spread over /token, the console and
      // the JSON API count together.
      // In the metadata store, so that the nodes sharing it count them together too.
      LoginLimiter logins = LoginLimiter.standard(metadata, clock);
      AuthService auth = startAuth(config, dataDir, mirrored, logins, clock);
      Accelerator accelerator =
          resources.add(
              "accelerator",
              Accelerator.create(
                  config.accelerator(),
                  vertx,
                  metadata,
                  clock,
                  logins,
                  node.value(),
                  reservedUsernames(config, auth),
                  auth != null));
      if (auth != null && config.accelerator().enabled()) {
        // The accelerator's accounts sign in after the htpasswd users.
        auth = auth.withUsers(accelerator.users(), config.accelerator().namespacePrefix());
      }
      SyncFeature sync =
          resources.add(
              "sync",
              SyncFeature.start(
                  config.sync(),
                  config.listenHost(),
                  auth == null ? null : auth::authenticate,
                  mirror == null ? MirrorAccess.NONE : new SyncMirrorAccess(mirror, mirrored),
                  local,
                  metadata,
                  clock,
                  meters,
                  vertx,
                  node.value()));
      if (mirror != null) {
        mirror.onTagPulled(sync::tagPulled);
      }
      RegistryApi api =
          resources.add(
              "registry",
              RegistryApi.create(
                  vertx,
                  namespace,
                  local.uploadJanitor(),
                  RegistryOptions.defaults()
                      .withDeleteEnabled(config.deleteEnabled())
                      .withUploadPurgeAge(config.uploadPurgeAge())
                      .withVerifyOnRead(config.disk().verifyOnRead()),
                  clock,
                  auth == null ? AccessController.ALLOW_ALL : auth.accessController()));
      disk.start(local.uploadJanitor(), config.uploadPurgeAge());
      AuthService admins = auth;
      DiskApi diskApi =
          config.sync().apiEnabledOn(config.listenHost(), auth != null)
              ? resources.add(
                  "admin API",
                  new DiskApi(vertx, disk, admins == null ? null : admins::authenticate))
              : null;
      Handler<HttpServerRequest> tokens = auth == null ? null : auth.tokenEndpoint(vertx);
      PeerEndpoint peers =
          cluster == null
              ? null
              : resources.add(
                  "cluster endpoint",
                  new PeerEndpoint(
                      vertx,
                      Cluster.PEER_PATH,
                      Cluster.SECRET_HEADER,
                      cluster::authorized,
                      mirror == null ? blobs::open : mirror::localBlob));
      AccessLog access = resources.add("access log", AccessLog.open(config.accessLog(), clock));
      HttpMetrics httpMetrics =
          new HttpMetrics(meters, config.metrics(), accelerator::isTenantTokenPath);
      Stage ui =
          WebPages.stage(
              vertx,
              config,
              new WebPages.Sources(metadata, local, namespace, auth, logins, mirror, sync, meters),
              clock);
      Pipeline pipeline =
          ServerPipeline.build(
              access,
              meters,
              httpMetrics,
              health,
              peers,
              sync,
              diskApi,
              tokens,
              new Assets(),
              ui,
              accelerator,
              api);
      HttpServer http = HttpListener.listen(vertx, config, pipeline, certificate, resources);
      if (cluster != null) {
        cluster.announce(internalAddress(config, http.actualPort()));
      }
      health.started();
      return new HoistServer(config, node, http, pipeline, health, resources);
    } catch (RuntimeException e) {
      resources.close();
      throw e;
    } catch (Exception e) {
      resources.close();
      throw ListenFailure.of(config.listenHost() + ":" + config.listenPort(), e);
    }
  }

  /**
   * This node's part in a cluster, when one is configured: the nodes must share their metadata
   * (PostgreSQL); their blob store must be shared too (S3, or one filesystem they all mount).
   */
  private static Cluster joinCluster(
      ServerConfig config, MetadataStore metadata, InstantSource clock, Resources resources) {
    if (!config.cluster().enabled()) {
      return null;
    }
    if (config.storage().postgres() == null) {
      throw new ConfigException(
          "cluster",
          "the nodes of a cluster share their metadata: set storage.metadata to a postgresql://"
              + " URL");
    }
    if (config.cluster().advertise() == null && wildcard(config.listenHost())) {
      throw new ConfigException(
          "cluster.advertise",
          "this node listens on "
              + config.listenHost()
              + ": say where the other nodes reach it (cluster.advertise: host:port)");
    }
    return resources.add("cluster", Cluster.create(config.cluster(), metadata, clock));
  }

  private static boolean wildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
  }

  /** Where the other nodes reach this one: the advertised address, else the listening one. */
  private static String internalAddress(ServerConfig config, int actualPort) {
    HostPort advertise = config.cluster().advertise();
    if (advertise != null) {
      return hostPort(advertise.host(), advertise.port());
    }
    return hostPort(config.listenHost(), actualPort);
  }

  private static String hostPort(String host, int port) {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  /** The mirror cache's repositories: those under a configured upstream's cache key. */
  static CacheRepositories cacheRepositories(MirrorConfig mirror) {
    if (!mirror.enabled()) {
      return CacheRepositories.NONE;
    }
    return new CacheRepositories(
        mirror.upstreams().stream().map(u -> u.host().cacheKey()).distinct().toList());
  }

  private static Path dataDir(ServerConfig config) {
    Path dataDir = config.dataDir().toAbsolutePath().normalize();
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new ConfigException("dataDir", "cannot create " + dataDir + ": " + e.getMessage());
    }
    if (!Files.isWritable(dataDir)) {
      throw new ConfigException("dataDir", dataDir + " is not writable");
    }
    return dataDir;
  }

  /** SQLite in the data directory, or the PostgreSQL database every node of a cluster shares. */
  private static MetadataStore openMetadata(
      ServerConfig config, Path dataDir, InstantSource clock) {
    PostgresUrl postgres = config.storage().postgres();
    if (postgres == null) {
      return SqliteMetadataStore.open(dataDir, clock);
    }
    MetadataStore store =
        PostgresMetadataStore.open(postgres, config.storage().metadataPool(), clock);
    log.info("metadata in PostgreSQL: {}", postgres);
    return store;
  }

  /** Blobs in the data directory, or in the S3 bucket every node of a cluster shares. */
  private static BlobStore openBlobStore(
      ServerConfig config, Path dataDir, InstantSource clock, Resources resources) {
    S3Config s3 = config.storage().s3();
    if (s3 != null) {
      S3BlobStore store = resources.add("blob store", S3BlobStore.open(s3, clock));
      log.info("blobs in S3: {}", s3);
      return store;
    }
    try {
      return new FileSystemBlobStore(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the blob store in " + dataDir, e);
    }
  }

  /**
   * The mirror: one registry client per upstream (its credentials, timeouts, retries and circuit
   * breaker), fills spooling under {@code <dataDir>/spool} on virtual threads, meters. On close the
   * fills get {@link #MIRROR_STOP_GRACE} to finish before the clients are closed.
   */
  private static Mirror startMirror(
      MirrorConfig config,
      BlobStore blobs,
      MirrorCache cache,
      Path dataDir,
      Cluster cluster,
      InstantSource clock,
      MeterRegistry meters,
      Resources resources)
      throws IOException {
    Map<String, RegistryClient> clients = new HashMap<>();
    for (Upstream upstream : config.upstreams()) {
      clients.put(
          upstream.name(),
          resources.add(
              "upstream client " + upstream.name(),
              UpstreamClients.create(upstream, clock, meters)));
    }
    ExecutorService background =
        resources.add(
            "mirror fills",
            Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("hoist-mirror-", 0).factory()),
            e -> Resources.stop(e, MIRROR_STOP_GRACE));
    MirrorMetrics metrics = new MirrorMetrics(meters);
    Path spool = dataDir.resolve("spool");
    BlobFills fills =
        cluster == null
            ? BlobFills.create(blobs, spool, background, metrics)
            : BlobFills.create(blobs, spool, background, metrics, new ClusterFills(cluster, blobs));
    metrics.watch(fills);
    return new Mirror(config, clients, cache, fills, clock, background, metrics);
  }

  /** Token auth when configured, else null; mirrored names may be pulled anonymously. */
  private static AuthService startAuth(
      ServerConfig config,
      Path dataDir,
      Namespace routing,
      LoginLimiter logins,
      InstantSource clock) {
    if (!config.auth().enabled()) {
      return null;
    }
    try {
      return AuthService.create(
          config.auth(),
          dataDir,
          List.of(),
          clock,
          name ->
              routing
                  .repository(RepositoryRequest.internal(RepositoryName.of(name)))
                  .origin()
                  .isPresent(),
          logins);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("auth", e.getMessage());
    }
  }

  /**
   * Names no accelerator account may take as its username: what the auth configuration gives a
   * meaning to (htpasswd users, admins, rules' users and prefixes), and the first component of
   * names the mirror routes (upstream hosts, their cache keys, hosted prefixes).
   */
  static Set<String> reservedUsernames(ServerConfig config, AuthService auth) {
    Set<String> names = new HashSet<>();
    if (auth != null) {
      names.addAll(auth.reservedNames());
    }
    for (Upstream upstream : config.mirror().upstreams()) {
      names.addAll(upstream.host().spellings());
      names.add(upstream.host().cacheKey());
    }
    for (String prefix : config.mirror().hostedPrefixes()) {
      int slash = prefix.indexOf('/');
      names.add(slash < 0 ? prefix : prefix.substring(0, slash));
    }
    return names;
  }

  public int port() {
    return http.actualPort();
  }

  /** This process among the nodes sharing the metadata store. */
  public NodeId node() {
    return node;
  }

  public String host() {
    return config.listenHost();
  }

  /** {@code http://host:port} ({@code https://} with TLS), with IPv6 hosts in brackets. */
  public String url() {
    return (config.tls().enabled() ? "https://" : "http://") + address();
  }

  /** {@code host:port} as a registry reference names it, with IPv6 hosts in brackets. */
  public String address() {
    return hostPort(config.listenHost(), port());
  }

  public Path dataDir() {
    return config.dataDir().toAbsolutePath().normalize();
  }

  /** The pipeline's stages in order, as {@link #pipeline} lists them. */
  public List<String> stages() {
    return pipeline.names();
  }

  /**
   * Says "not ready" on {@code /readyz} for {@code health.drainDelay} while still serving, then
   * stops accepting connections, lets requests in flight finish for up to the configured grace
   * period, and releases everything in the reverse order it was started.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    health.stopAndDrain(config.health().drainDelay());
    long graceMillis = config.shutdownGrace().toMillis();
    try {
      http.shutdown(graceMillis, TimeUnit.MILLISECONDS)
          .await(graceMillis + 5_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("HTTP shutdown did not complete cleanly: {}", e.toString());
    }
    resources.close();
  }
}
