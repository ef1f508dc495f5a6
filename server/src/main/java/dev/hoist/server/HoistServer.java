package dev.hoist.server;

import dev.hoist.accelerator.Accelerator;
import dev.hoist.auth.AuthService;
import dev.hoist.auth.LoginLimiter;
import dev.hoist.mirror.Mirror;
import dev.hoist.mirror.Upstream;
import dev.hoist.oci.RepositoryName;
import dev.hoist.registry.AccessController;
import dev.hoist.registry.RegistryApi;
import dev.hoist.registry.RegistryOptions;
import dev.hoist.registry.RemoteContent;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.MetadataStore;
import dev.hoist.storage.fs.FileSystemBlobStore;
import dev.hoist.storage.sqlite.SqliteMetadataStore;
import dev.hoist.sync.SyncApi;
import dev.hoist.sync.SyncFeature;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds the stores and the registry API from a {@link ServerConfig} and runs
 * them behind one HTTP server. The only class that knows how the pieces fit together.
 */
public final class HoistServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HoistServer.class);
  static final int IDLE_TIMEOUT_SECONDS = 120;

  private final ServerConfig config;
  private final Vertx vertx;
  private final HttpServer http;
  private final RegistryApi api;
  private final Mirror mirror;
  private final MetadataStore metadata;
  private final SyncFeature sync;
  private final Accelerator accelerator;
  private final AtomicBoolean closed = new AtomicBoolean();

  private HoistServer(
      ServerConfig config,
      Vertx vertx,
      HttpServer http,
      RegistryApi api,
      Mirror mirror,
      MetadataStore metadata,
      SyncFeature sync,
      Accelerator accelerator) {
    this.config = config;
    this.vertx = vertx;
    this.http = http;
    this.api = api;
    this.mirror = mirror;
    this.metadata = metadata;
    this.sync = sync;
    this.accelerator = accelerator;
  }

  /** Opens the stores, starts listening, and returns once {@code GET /v2/} can be answered. */
  public static HoistServer start(ServerConfig config) {
    Path dataDir = config.dataDir().toAbsolutePath().normalize();
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new ConfigException("dataDir", "cannot create " + dataDir + ": " + e.getMessage());
    }
    if (!Files.isWritable(dataDir)) {
      throw new ConfigException("dataDir", dataDir + " is not writable");
    }
    BlobStore blobs;
    try {
      blobs = new FileSystemBlobStore(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the blob store in " + dataDir, e);
    }
    MetadataStore metadata = SqliteMetadataStore.open(dataDir);
    Vertx vertx = Vertx.vertx(new VertxOptions());
    Mirror mirror = null;
    SyncFeature sync = null;
    Accelerator accelerator = null;
    try {
      PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      RemoteContent remote = RemoteContent.NONE;
      if (config.mirror().enabled()) {
        mirror =
            Mirror.create(
                config.mirror(), blobs, metadata, dataDir, InstantSource.system(), meters);
        remote = mirror;
      }
      RegistryOptions options =
          RegistryOptions.defaults()
              .withDeleteEnabled(config.deleteEnabled())
              .withUploadPurgeAge(config.uploadPurgeAge());
      // One limiter for every password check, so that guesses spread over /token, the console and
      // the JSON API count together.
      LoginLimiter logins = LoginLimiter.standard(InstantSource.system());
      AccessController access = AccessController.ALLOW_ALL;
      Handler<HttpServerRequest> tokens = null;
      SyncApi.Users syncUsers = null;
      AuthService auth = null;
      if (config.auth().enabled()) {
        RemoteContent routing = remote;
        try {
          auth =
              AuthService.create(
                  config.auth(),
                  dataDir,
                  List.of(),
                  InstantSource.system(),
                  name -> routing.route(RepositoryName.of(name), null).isPresent(),
                  logins);
        } catch (IllegalArgumentException e) {
          throw new ConfigException("auth", e.getMessage());
        }
      }
      accelerator =
          Accelerator.create(
              config.accelerator(),
              vertx,
              metadata,
              InstantSource.system(),
              logins,
              reservedUsernames(config, auth));
      if (auth != null) {
        // The accelerator's accounts sign in after the htpasswd users.
        if (config.accelerator().enabled()) {
          auth = auth.withUsers(accelerator.users());
        }
        access = auth.accessController();
        tokens = auth.tokenEndpoint(vertx);
        syncUsers = auth::authenticate;
      }
      sync =
          SyncFeature.start(
              config.sync(),
              config.listenHost(),
              syncUsers,
              mirror,
              blobs,
              metadata,
              InstantSource.system(),
              meters,
              vertx);
      RegistryApi api =
          RegistryApi.create(
              vertx, blobs, metadata, options, InstantSource.system(), remote, access);
      HttpServerOptions httpOptions =
          new HttpServerOptions()
              .setHost(config.listenHost())
              .setPort(config.listenPort())
              .setCompressionSupported(false)
              .setTcpNoDelay(true)
              .setReuseAddress(true)
              // A client that stops sending or reading mid-transfer releases its connection (and
              // its upload session's turn) after this long; active transfers are never cut.
              .setIdleTimeout(IDLE_TIMEOUT_SECONDS);
      HttpServer http =
          vertx
              .createHttpServer(httpOptions)
              .requestHandler(sync.wrap(routes(api, tokens, accelerator, meters)));
      http.listen().await(30, TimeUnit.SECONDS);
      return new HoistServer(config, vertx, http, api, mirror, metadata, sync, accelerator);
    } catch (Exception e) {
      if (accelerator != null) {
        accelerator.close();
      }
      if (sync != null) {
        sync.close();
      }
      if (mirror != null) {
        mirror.close();
      }
      vertx.close();
      metadata.close();
      if (e instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(
          "cannot listen on " + config.listenHost() + ":" + config.listenPort() + ": " + e, e);
    }
  }

  /**
   * Names no accelerator account may take as its username: what the auth configuration gives a
   * meaning to (htpasswd users, admins, rules' users and prefixes), and the first component of
   * names the mirror routes (upstream hosts, hosted prefixes).
   */
  static Set<String> reservedUsernames(ServerConfig config, AuthService auth) {
    Set<String> names = new HashSet<>();
    if (auth != null) {
      names.addAll(auth.reservedNames());
    }
    for (Upstream upstream : config.mirror().upstreams()) {
      names.add(upstream.name());
      // Its cache names' first component (':' is not allowed in a repository name).
      names.add(upstream.name().replace(':', '-'));
      if (upstream.name().equals("docker.io")) {
        names.add("index.docker.io");
      }
    }
    for (String prefix : config.mirror().hostedPrefixes()) {
      int slash = prefix.indexOf('/');
      names.add(slash < 0 ? prefix : prefix.substring(0, slash));
    }
    return names;
  }

  /**
   * {@code /metrics} for Prometheus; {@code /token}, the token service, when auth is on (else
   * null); everything else is the registry, with bytes served counted.
   */
  private static Handler<HttpServerRequest> routes(
      RegistryApi api,
      Handler<HttpServerRequest> tokens,
      Accelerator accelerator,
      PrometheusMeterRegistry meters) {
    Handler<HttpServerRequest> registry = api.handler();
    LongAdder responseBytes = new LongAdder();
    // Responses count their own body bytes, except those the registry sent as file regions.
    FunctionCounter.builder(
            "hoist.served.bytes", api, a -> responseBytes.sum() + a.fileRegionBytes())
        .description("Body bytes sent to clients")
        .baseUnit("bytes")
        .register(meters);
    return request -> {
      if (request.path().equals("/metrics")) {
        String body = meters.scrape();
        request
            .response()
            .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            .end(Buffer.buffer(body));
        return;
      }
      if (tokens != null
          && (request.path().equals("/token") || accelerator.isTenantTokenPath(request.path()))) {
        tokens.handle(request);
        return;
      }
      // The accelerator (a pass-through when disabled) serves its API and console, finds the
      // tenant a request addresses, meters it, and owns the response's end handler.
      accelerator.handle(
          request, v -> responseBytes.add(request.response().bytesWritten()), registry);
    };
  }

  public int port() {
    return http.actualPort();
  }

  public String host() {
    return config.listenHost();
  }

  /** {@code http://host:port}, with IPv6 hosts in brackets. */
  public String url() {
    String host = config.listenHost();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return "http://" + host + ":" + port();
  }

  public Path dataDir() {
    return config.dataDir().toAbsolutePath().normalize();
  }

  /**
   * Stops accepting connections, lets requests in flight finish for up to the configured grace
   * period, then releases everything.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long graceMillis = config.shutdownGrace().toMillis();
    try {
      http.shutdown(graceMillis, TimeUnit.MILLISECONDS)
          .await(graceMillis + 5_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("HTTP shutdown did not complete cleanly: {}", e.toString());
    }
    api.close();
    accelerator.close();
    sync.close();
    if (mirror != null) {
      mirror.close();
    }
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("Vert.x did not close cleanly: {}", e.toString());
    }
    metadata.close();
  }
}
