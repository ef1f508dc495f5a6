package dev.hoist.server;

import dev.hoist.accelerator.AcceleratorConfig;
import dev.hoist.auth.AuthConfig;
import dev.hoist.cluster.ClusterConfig;
import dev.hoist.config.ConfigException;
import dev.hoist.config.HostPort;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.logging.AccessLogConfig;
import dev.hoist.logging.LogConfig;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.sync.SyncConfig;
import dev.hoist.tls.TlsConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything a Hoist node is configured with, validated once and then frozen. {@link ConfigLoader}
 * builds it from defaults, a YAML file, environment variables and flags; code builds it with {@link
 * #builder()}.
 *
 * @param listenHost address to listen on (default 127.0.0.1: loopback until told otherwise)
 * @param listenPort port to listen on (default 5000, the registry convention; 0 picks a free one)
 * @param dataDir where blobs, uploads and the SQLite database live
 * @param deleteEnabled whether tag, manifest and blob deletes are allowed
 * @param uploadPurgeAge an upload session untouched for this long is removed
 * @param shutdownGrace how long transfers in flight may take to finish on shutdown
 * @param mirror the upstreams mirrored and how (disabled: every repository is local)
 * @param disk the mirror cache's limits, garbage collection and scrub
 * @param auth token auth for the registry (disabled: every request is allowed)
 * @param sync sync rules, limits and pre-warming, and whether its API is served
 * @param accelerator tenants, quotas, accounts and the console (disabled: none of it)
 * @param health how {@code /readyz} checks the stores, and its part in a shutdown
 * @param metrics bounds on what {@code /metrics} breaks down
 * @param tls the certificate and key served over HTTPS (disabled: plain HTTP)
 * @param log the logging levels and format, which the {@code hoist} command applies to its backend
 * @param accessLog one line per request: off in {@link #defaults()} (an embedded server, tests);
 *     {@link ConfigLoader}, which {@code hoist serve} reads, turns it on to standard output
 */
public record ServerConfig(
    String listenHost,
    int listenPort,
    Path dataDir,
    boolean deleteEnabled,
    Duration uploadPurgeAge,
    Duration shutdownGrace,
    MirrorConfig mirror,
    DiskConfig disk,
    StorageConfig storage,
    ClusterConfig cluster,
    AuthConfig auth,
    SyncConfig sync,
    AcceleratorConfig accelerator,
    HealthConfig health,
    MetricsConfig metrics,
    TlsConfig tls,
    LogConfig log,
    AccessLogConfig accessLog) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 5000;
  public static final Path DEFAULT_DATA_DIR = Path.of("hoist-data");

  public ServerConfig {
    Objects.requireNonNull(listenHost, "listenHost");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(uploadPurgeAge, "uploadPurgeAge");
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    Objects.requireNonNull(mirror, "mirror");
    Objects.requireNonNull(disk, "disk");
    Objects.requireNonNull(storage, "storage");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(sync, "sync");
    Objects.requireNonNull(auth, "auth");
    Objects.requireNonNull(accelerator, "accelerator");
    Objects.requireNonNull(health, "health");
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(log, "log");
    Objects.requireNonNull(accessLog, "accessLog");
    if (listenPort < 0 || listenPort > 65535) {
      throw new ConfigException("listen", "port " + listenPort + " is not between 0 and 65535");
    }
    if (uploadPurgeAge.isNegative() || uploadPurgeAge.isZero()) {
      throw new ConfigException("registry.uploadPurgeAge", "must be positive");
    }
    if (shutdownGrace.isNegative()) {
      throw new ConfigException("shutdownGrace", "must not be negative");
    }
    if (accelerator.enabled() && !mirror.hostedPrefixes().contains(accelerator.namespacePrefix())) {
      // The accounts' namespaces (<prefix>/<username>/) stay local: with Docker Hub as the default
      // upstream, a push there would otherwise be refused as one to a read-only mirror.
      List<String> hosted = new ArrayList<>(mirror.hostedPrefixes());
      hosted.add(accelerator.namespacePrefix());
      mirror = mirror.toBuilder().hostedPrefixes(hosted).build();
    }
    if (tls.enabled() && cluster.enabled()) {
      // Nodes fetch each other's blobs from http://<cluster.advertise>; a node that serves only
      // HTTPS would not answer them. Terminate TLS in front of a cluster's nodes instead.
      throw new ConfigException(
          "tls",
          "cannot be used together with cluster: the nodes of a cluster reach each other over"
              + " plain HTTP at cluster.advertise, which a node serving HTTPS does not answer;"
              + " terminate TLS in front of the nodes (a load balancer) instead");
    }
  }

  public static ServerConfig defaults() {
    return new ServerConfig(
        DEFAULT_HOST,
        DEFAULT_PORT,
        DEFAULT_DATA_DIR,
        true,
        Duration.ofHours(24),
        Duration.ofSeconds(10),
        MirrorConfig.disabled(),
        DiskConfig.defaults(),
        StorageConfig.defaults(),
        ClusterConfig.disabled(),
        AuthConfig.disabled(),
        SyncConfig.defaults(),
        AcceleratorConfig.disabled(),
        HealthConfig.defaults(),
        MetricsConfig.defaults(),
        TlsConfig.disabled(),
        LogConfig.defaults(),
        AccessLogConfig.off());
  }

  /** A builder that starts from {@link #defaults()}. */
  public static Builder builder() {
    return defaults().toBuilder();
  }

  /** A builder that starts from this configuration. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Makes a {@link ServerConfig}; {@link #build()} validates it. */
  public static final class Builder {
    private String listenHost;
    private int listenPort;
    private Path dataDir;
    private boolean deleteEnabled;
    private Duration uploadPurgeAge;
    private Duration shutdownGrace;
    private MirrorConfig mirror;
    private DiskConfig disk;
    private StorageConfig storage;
    private ClusterConfig cluster;
    private AuthConfig auth;
    private SyncConfig sync;
    private AcceleratorConfig accelerator;
    private HealthConfig health;
    private MetricsConfig metrics;
    private TlsConfig tls;
    private LogConfig log;
    private AccessLogConfig accessLog;

    private Builder(ServerConfig c) {
      listenHost = c.listenHost;
      listenPort = c.listenPort;
      dataDir = c.dataDir;
      deleteEnabled = c.deleteEnabled;
      uploadPurgeAge = c.uploadPurgeAge;
      shutdownGrace = c.shutdownGrace;
      mirror = c.mirror;
      disk = c.disk;
      storage = c.storage;
      cluster = c.cluster;
      auth = c.auth;
      sync = c.sync;
      accelerator = c.accelerator;
      health = c.health;
      metrics = c.metrics;
      tls = c.tls;
      log = c.log;
      accessLog = c.accessLog;
    }

    public Builder listen(String host, int port) {
      this.listenHost = host;
      this.listenPort = port;
      return this;
    }

    public Builder listen(HostPort address) {
      return listen(address.host(), address.port());
    }

    public Builder dataDir(Path dir) {
      this.dataDir = dir;
      return this;
    }

    public Builder deleteEnabled(boolean enabled) {
      this.deleteEnabled = enabled;
      return this;
    }

    public Builder uploadPurgeAge(Duration age) {
      this.uploadPurgeAge = age;
      return this;
    }

    public Builder shutdownGrace(Duration grace) {
      this.shutdownGrace = grace;
      return this;
    }

    public Builder mirror(MirrorConfig mirror) {
      this.mirror = mirror;
      return this;
    }

    public Builder disk(DiskConfig disk) {
      this.disk = disk;
      return this;
    }

    public Builder storage(StorageConfig storage) {
      this.storage = storage;
      return this;
    }

    public Builder cluster(ClusterConfig cluster) {
      this.cluster = cluster;
      return this;
    }

    public Builder auth(AuthConfig auth) {
      this.auth = auth;
      return this;
    }

    public Builder sync(SyncConfig sync) {
      this.sync = sync;
      return this;
    }

    public Builder accelerator(AcceleratorConfig accelerator) {
      this.accelerator = accelerator;
      return this;
    }

    public Builder health(HealthConfig health) {
      this.health = health;
      return this;
    }

    public Builder metrics(MetricsConfig metrics) {
      this.metrics = metrics;
      return this;
    }

    public Builder tls(TlsConfig tls) {
      this.tls = tls;
      return this;
    }

    public Builder log(LogConfig log) {
      this.log = log;
      return this;
    }

    public Builder accessLog(AccessLogConfig accessLog) {
      this.accessLog = accessLog;
      return this;
    }

    /**
     * The configuration, validated.
     *
     * @throws ConfigException naming the setting that is wrong
     */
    public ServerConfig build() {
      return new ServerConfig(
          listenHost,
          listenPort,
          dataDir,
          deleteEnabled,
          uploadPurgeAge,
          shutdownGrace,
          mirror,
          disk,
          storage,
          cluster,
          auth,
          sync,
          accelerator,
          health,
          metrics,
          tls,
          log,
          accessLog);
    }
  }
}
