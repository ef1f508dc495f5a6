package dev.hoist.server;

import dev.hoist.accelerator.AcceleratorConfig;
import dev.hoist.auth.AuthConfig;
import dev.hoist.cluster.ClusterConfig;
import dev.hoist.config.ConfigException;
import dev.hoist.config.ConfigNode;
import dev.hoist.config.Values;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.logging.AccessLogConfig;
import dev.hoist.logging.LogConfig;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.sync.SyncConfig;
import dev.hoist.tls.TlsConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Builds a {@link ServerConfig}: defaults, then the YAML file, then environment variables, then
 * flags; each later source wins. Every section is read with {@link ConfigNode} (unknown keys and
 * wrong types refused) and every value parsed with {@link Values}, the same syntax everywhere:
 * durations {@code 500ms 10s 30m 24h 7d PT1H}, sizes {@code 1048576 500MiB 10GiB 1TB}. A bad value
 * fails with a {@link ConfigException} that names the setting.
 *
 * <pre>
 * # hoist.yaml                       environment variable
 * listen: 127.0.0.1:5000             HOIST_LISTEN
 * dataDir: ./hoist-data              HOIST_DATA_DIR
 * shutdownGrace: 10s                 HOIST_SHUTDOWN_GRACE
 * registry:
 *   deleteEnabled: true              HOIST_DELETE_ENABLED
 *   uploadPurgeAge: 24h              HOIST_UPLOAD_PURGE_AGE
 * mirror:                            HOIST_MIRROR=docker.io=http://127.0.0.1:5001,ghcr.io
 *   upstreams:                       (flag: --mirror NAME[=URL], repeatable)
 *     - name: docker.io              known: docker.io ghcr.io quay.io gcr.io registry.k8s.io
 *       url: https://...             mcr.microsoft.com (their URL is known); others need url
 *       username: ...                optional credentials for the upstream
 *       password: ...
 *       authHosts: [auth.docker.io]  other hosts allowed to receive them (token services)
 *   defaultUpstream: docker.io       where names that name no registry go; "none": stay local
 *   hosted: [team]                   prefixes that stay local and writable
 *   cache:                           the cache's disk use (dev.hoist.lifecycle.DiskConfig)
 *     maxSize: 50GiB                 evict least recently pulled images above it (default none)
 *     minFreeDisk: 10%               ... and when the data disk has less free (0: never)
 *     maxIdle: 30d                   ... and images not pulled for this long (default none)
 *     checkInterval: 30s             how often the limits are checked
 *   negativeTtl: 30s                 how long an upstream's "no such tag" is remembered
 *   prefetchSiblings: false          fetch every platform of an index when one is pulled
 *   freshness:                       first match wins; then 5m fresh, 0s SWR, 7d stale-if-error
 *     - {repository: "docker.io/library/*", tag: "latest", fresh: 1m,
 *        staleWhileRevalidate: 30s, staleIfError: 7d}
 * storage:
 *   metadata: sqlite                 HOIST_STORAGE_METADATA; or postgresql://user:pw@host/db?schema=s
 *   metadataPool: 16                 PostgreSQL connections per node
 *   blobs: filesystem                or s3, with:
 *   s3: {endpoint, region, bucket, prefix, pathStyle, accessKey, secretKey, redirect}
 *   verifyOnRead: false              hash blobs while serving them (no zero-copy)
 *   gc: {grace: 1h, interval: 6h}    delete blobs no manifest uses, unused for grace
 *   scrub: {rate: 10MiB, interval: 7d}   re-hash stored blobs at this rate per second
 * cluster:                           one node of several (dev.hoist.cluster.ClusterConfig)
 *   secret: …                        HOIST_CLUSTER_SECRET; the same on every node
 *   advertise: 10.0.0.5:5000         HOIST_CLUSTER_ADVERTISE; where the other nodes reach this one
 *   nodeId: node-a                   HOIST_CLUSTER_NODE; default random
 *   leaseTtl: 10s                    a dead node's fills pass to another after this
 * sync:                              see dev.hoist.sync.SyncConfig#read
 *   api: {enabled: true}             default: true only when listening on loopback
 *   concurrency: 4                   sync requests in flight per upstream
 *   requestsPerMinute: 600           sync requests started per minute per upstream
 *   maxBackoff: 5m                   longest wait after a 429
 *   tick: 1s                         how often due rules and pre-warming are checked
 *   prewarm: {topK: 20, window: 24h, lead: 30s}
 *   rules: [{name: alpine, upstream: docker.io, repositories: [library/alpine], ...}]
 * auth:                              token auth for /v2/ (dev.hoist.auth)
 *   enabled: false                   HOIST_AUTH_ENABLED
 *   htpasswd: ./users.htpasswd       HOIST_AUTH_HTPASSWD (bcrypt entries only; relative to file)
 *   service: hoist                   the service name in challenges
 *   issuer: hoist                    the tokens' iss (default: the service)
 *   tokenTtl: 5m                     at least 60s
 *   tokenKey: ./token-key.pem        PKCS#8 RSA key; default <dataDir>/auth/token-key.pem (made)
 *   anonymousPull: mirrored          mirrored | all | none
 *   admins: [root]                   users that may do everything
 *   trustedProxies: [10.0.0.1]       addresses/CIDRs whose X-Forwarded-Host/-Proto count
 *   rules:                           more access per repository prefix
 *     - {prefix: "team/", users: [alice, bob], groups: [dev], actions: [pull, push]}
 * accelerator:                       tenants, quotas, console (dev.hoist.accelerator; docs/api.md)
 *   enabled: true                    a present section means true
 *   baseDomain: m.example.com        tenants at <id>.m.example.com (and /m/<id>/v2/ always)
 *   defaultQuota: 10GiB              per tenant and period
 *   inviteBonus: 5GiB                added to both inviter and invitee
 *   period: none                     none | monthly (resets on the 1st, 00:00 UTC)
 *   signup: open                     open | closed (closed: only with an invitation)
 *   serveWithoutTenant: true         false: /v2/ only through tenant addresses
 *   trustedProxies: [10.0.0.1]       whose X-Forwarded-Host/-Proto count
 *   admins: [ops@example.com]        accounts that administer the accelerator
 *   flushInterval: 2s                usage written to the database this often
 *   publicUrl: https://hoist.example.com   for the snippets (default: from each request)
 * health:                            /readyz (HealthConfig)
 *   timeout: 2s                      each readiness check fails after this long
 *   drainDelay: 0s                   on shutdown, /readyz answers 503 this long before the port closes
 * metrics:                           bounds on /metrics (MetricsConfig)
 *   tenantSeries: 20                 tenants with their own series; the rest add up as "other"
 * tls:                               HTTPS, HTTP/2 by ALPN (dev.hoist.tls.TlsConfig)
 *   cert: ./tls/cert.pem             HOIST_TLS_CERT, --tls-cert; the certificate, then its chain
 *   key: ./tls/key.pem               HOIST_TLS_KEY, --tls-key; both or neither (relative to file)
 *   reloadInterval: 10s              how often the files are checked for a change
 * log:                               the server's own log (dev.hoist.logging.LogConfig)
 *   level: info                      trace | debug | info | warn | error | off
 *   levels: {dev.hoist.mirror: debug}   per package or class
 *   format: text                     text | json (one object per line)
 * accessLog:                         one line per request (dev.hoist.logging.AccessLogConfig)
 *   enabled: true                    default true (to standard output)
 *   format: common                   common | json
 *   file: /var/log/hoist/access.log  appended; relative to this file; default standard output
 * </pre>
 */
public final class ConfigLoader {
  /** Command-line values; null (or empty) means "not given". */
  public record Flags(
      String listen, Path dataDir, List<String> mirrors, Path tlsCert, Path tlsKey) {
    public Flags {
      mirrors = mirrors == null ? List.of() : List.copyOf(mirrors);
    }

    public Flags(String listen, Path dataDir, List<String> mirrors) {
      this(listen, dataDir, mirrors, null, null);
    }

    public Flags(String listen, Path dataDir) {
      this(listen, dataDir, List.of());
    }

    public static Flags none() {
      return new Flags(null, null, List.of());
    }
  }

  private ConfigLoader() {}

  /**
   * The configuration from defaults, {@code file}, {@code env} and {@code flags}, later ones
   * winning.
   *
   * @param file a YAML file, or null for none
   * @param env the environment ({@code HOIST_*} variables are read)
   * @throws ConfigException naming the setting that is wrong
   */
  public static ServerConfig load(Path file, Map<String, String> env, Flags flags) {
    // A server run as a command logs its requests unless told not to, as nginx does.
    ServerConfig config = ServerConfig.builder().accessLog(AccessLogConfig.stdout()).build();
    if (file != null) {
      config = applyFile(config, file);
    }
    config = applyEnv(config, env);
    return applyFlags(config, flags);
  }

  private static ServerConfig applyFile(ServerConfig config, Path file) {
    ConfigNode root = ConfigNode.read(file, "--config");
    root.keys(
        "listen",
        "dataDir",
        "shutdownGrace",
        "registry",
        "mirror",
        "storage",
        "auth",
        "sync",
        "accelerator",
        "cluster",
        "health",
        "metrics",
        "tls",
        "log",
        "accessLog");
    // Relative paths in a file mean relative to that file, not to wherever hoist started.
    Path base = file.toAbsolutePath().getParent();
    ServerConfig.Builder b = config.toBuilder();
    root.get("listen").ifPresent(v -> b.listen(Values.hostPort(v.setting(), v.text())));
    root.text("dataDir")
        .ifPresent(
            dir -> {
              Path p = Path.of(dir);
              b.dataDir(p.isAbsolute() || base == null ? p : base.resolve(p));
            });
    root.duration("shutdownGrace").ifPresent(b::shutdownGrace);
    root.mapping("registry")
        .ifPresent(
            registry -> {
              registry.keys("deleteEnabled", "uploadPurgeAge");
              registry.bool("deleteEnabled").ifPresent(b::deleteEnabled);
              registry.duration("uploadPurgeAge").ifPresent(b::uploadPurgeAge);
            });
    root.mapping("mirror").map(MirrorConfig::read).ifPresent(b::mirror);
    root.mapping("storage")
        .ifPresent(
            storage -> {
              storage.keys(
                  "metadata", "metadataPool", "blobs", "s3", "verifyOnRead", "gc", "scrub");
              b.storage(config.storage().read(storage));
            });
    b.disk(
        DiskConfig.read(
            config.disk(),
            root.mapping("mirror").flatMap(m -> m.mapping("cache")).orElse(null),
            root.mapping("storage").orElse(null)));
    root.mapping("cluster")
        .map(cluster -> ClusterConfig.read(config.cluster(), cluster))
        .ifPresent(b::cluster);
    root.mapping("auth").map(auth -> AuthConfig.read(auth, base)).ifPresent(b::auth);
    root.mapping("sync").map(SyncConfig::read).ifPresent(b::sync);
    root.mapping("accelerator").map(AcceleratorConfig::read).ifPresent(b::accelerator);
    root.mapping("health").map(h -> HealthConfig.read(config.health(), h)).ifPresent(b::health);
    root.mapping("metrics").map(m -> MetricsConfig.read(config.metrics(), m)).ifPresent(b::metrics);
    root.mapping("tls").map(tls -> TlsConfig.read(config.tls(), tls, base)).ifPresent(b::tls);
    root.mapping("log").map(log -> LogConfig.read(config.log(), log)).ifPresent(b::log);
    root.mapping("accessLog")
        .map(access -> AccessLogConfig.read(config.accessLog(), access, base))
        .ifPresent(b::accessLog);
    return b.build();
  }

  private static ServerConfig applyEnv(ServerConfig config, Map<String, String> env) {
    ServerConfig.Builder b = config.toBuilder();
    AuthConfig.Builder auth = config.auth().toBuilder();
    ifSet(env, "HOIST_LISTEN", v -> b.listen(Values.hostPort("HOIST_LISTEN", v)));
    String dataDir = env.get("HOIST_DATA_DIR");
    if (dataDir != null) {
      if (dataDir.isBlank()) {
        throw new ConfigException("HOIST_DATA_DIR", "must not be empty");
      }
      b.dataDir(Path.of(dataDir));
    }
    ifSet(
        env, "HOIST_DELETE_ENABLED", v -> b.deleteEnabled(Values.bool("HOIST_DELETE_ENABLED", v)));
    ifSet(
        env,
        "HOIST_UPLOAD_PURGE_AGE",
        v -> b.uploadPurgeAge(Values.duration("HOIST_UPLOAD_PURGE_AGE", v)));
    ifSet(
        env,
        "HOIST_SHUTDOWN_GRACE",
        v -> b.shutdownGrace(Values.duration("HOIST_SHUTDOWN_GRACE", v)));
    ifSet(env, "HOIST_AUTH_ENABLED", v -> auth.enabled(Values.bool("HOIST_AUTH_ENABLED", v)));
    ifSet(
        env,
        "HOIST_STORAGE_METADATA",
        v -> b.storage(config.storage().withMetadata("HOIST_STORAGE_METADATA", v)));
    b.cluster(config.cluster().withEnv(env));
    b.tls(config.tls().withEnv(env));
    String htpasswd = env.get("HOIST_AUTH_HTPASSWD");
    if (htpasswd != null && !htpasswd.isBlank()) {
      auth.htpasswd(Path.of(htpasswd));
    }
    String mirrors = env.get("HOIST_MIRROR");
    if (mirrors != null && !mirrors.isBlank()) {
      b.mirror(withUpstreams(config.mirror(), "HOIST_MIRROR", List.of(mirrors.split(","))));
    }
    return b.auth(auth.build()).build();
  }

  private static ServerConfig applyFlags(ServerConfig config, Flags flags) {
    ServerConfig.Builder b = config.toBuilder();
    if (flags.listen() != null) {
      b.listen(Values.hostPort("--listen", flags.listen()));
    }
    if (flags.dataDir() != null) {
      b.dataDir(flags.dataDir());
    }
    if (!flags.mirrors().isEmpty()) {
      b.mirror(withUpstreams(config.mirror(), "--mirror", flags.mirrors()));
    }
    return b.tls(config.tls().withPaths(flags.tlsCert(), flags.tlsKey())).build();
  }

  private static void ifSet(Map<String, String> env, String name, Consumer<String> apply) {
    String value = env.get(name);
    if (value != null) {
      apply.accept(value);
    }
  }

  /**
   * {@code mirror} with upstreams given as specs ({@code NAME} or {@code NAME=URL}); one with the
   * name of an existing upstream replaces it. Without a default upstream, one is chosen.
   */
  static MirrorConfig withUpstreams(MirrorConfig mirror, String setting, List<String> specs) {
    MirrorConfig.Builder b = mirror.toBuilder();
    for (String spec : specs) {
      if (!spec.isBlank()) {
        b.upstream(MirrorConfig.parseUpstream(setting, spec));
      }
    }
    if (mirror.defaultUpstream() == null) {
      b.chooseDefaultUpstream();
    }
    try {
      return b.build();
    } catch (ConfigException e) {
      throw new ConfigException(setting, e.problem());
    }
  }
}
