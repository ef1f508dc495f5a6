package dev.hoist.registry;

import dev.hoist.pipeline.Call;
import dev.hoist.pipeline.Stage;
import dev.hoist.repository.LocalNamespace;
import dev.hoist.repository.Namespace;
import dev.hoist.repository.UploadJanitor;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.MetadataStore;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OCI Distribution v1.1 {@code /v2/} API over a {@link Namespace}: the last stage of the
 * server's pipeline ({@link #endpoint()}), or on its own behind a Vert.x {@code HttpServer} ({@link
 * #handler()}). See the package documentation for the endpoints.
 *
 * <p>Creating the API also schedules the purge of abandoned upload sessions (every quarter of
 * {@link RegistryOptions#uploadPurgeAge()}, between one minute and one hour); {@link #close()}
 * cancels it. The stores are not closed: they belong to the caller.
 */
public final class RegistryApi implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RegistryApi.class);

  private final Vertx vertx;
  private final Backend backend;
  private final InstantSource clock;
  private final UploadSessions sessions;
  private final Router router;
  private final long purgeTimer;

  private RegistryApi(
      Vertx vertx,
      Backend backend,
      UploadJanitor janitor,
      InstantSource clock,
      AccessController access) {
    this.vertx = vertx;
    this.backend = backend;
    this.clock = clock;
    this.sessions = new UploadSessions(backend.blocking(), janitor);
    this.router = new Router(vertx, backend, sessions, access);
    this.purgeTimer =
        vertx.setPeriodic(
            purgeInterval(backend.options().uploadPurgeAge()).toMillis(), id -> purgeQuietly());
  }

  /**
   * The API over repositories held in {@code blobs} and {@code metadata} only: no mirror, no
   * quotas, no auth (tests, and the simplest embedding).
   *
   * @param vertx runs the handlers (on its event loops)
   * @param clock gives the time recorded on manifests and upload sessions
   */
  public static RegistryApi create(
      Vertx vertx,
      BlobStore blobs,
      MetadataStore metadata,
      RegistryOptions options,
      InstantSource clock) {
    LocalNamespace local = new LocalNamespace(blobs, metadata, clock);
    return create(vertx, local, local.uploadJanitor(), options, clock, AccessController.ALLOW_ALL);
  }

  /**
   * The API over a namespace (the composition root's, decorated with the mirror and quotas), with
   * an access controller that is asked before every request is dispatched (auth).
   *
   * @param janitor removes upload sessions abandoned for {@link RegistryOptions#uploadPurgeAge()}
   */
  public static RegistryApi create(
      Vertx vertx,
      Namespace namespace,
      UploadJanitor janitor,
      RegistryOptions options,
      InstantSource clock,
      AccessController access) {
    Objects.requireNonNull(vertx, "vertx");
    Objects.requireNonNull(access, "access");
    return new RegistryApi(
        vertx, new Backend(namespace, options, new Blocking(vertx)), janitor, clock, access);
  }

  /**
   * Body bytes sent so far as file regions straight from a file (a stored blob, or a mirror fill
   * still growing): Vert.x's {@code HttpServerResponse.bytesWritten()} does not count them, so a
   * count of bytes served adds this.
   */
  public long fileRegionBytes() {
    return router.fileRegionBytes();
  }

  /** The registry as the last stage of the server's pipeline: it answers every call it gets. */
  public Stage.Endpoint endpoint() {
    return router;
  }

  /**
   * The request handler for every path (the registry alone, not behind a pipeline); anything that
   * is no endpoint gets a 404 in JSON.
   */
  public Handler<HttpServerRequest> handler() {
    return request -> router.handle(Call.of(request));
  }

  /**
   * Removes upload sessions not touched for {@link RegistryOptions#uploadPurgeAge()} (at most a
   * thousand per call); completes with how many were removed. Runs periodically on its own.
   */
  public Future<Integer> purgeStaleUploads() {
    return sessions.purge(
        vertx.getOrCreateContext(), clock.instant().minus(backend.options().uploadPurgeAge()));
  }

  /** Stops the periodic purge. */
  @Override
  public void close() {
    vertx.cancelTimer(purgeTimer);
    backend.blocking().close();
  }

  static Duration purgeInterval(Duration purgeAge) {
    Duration quarter = purgeAge.dividedBy(4);
    Duration min = Duration.ofMinutes(1);
    Duration max = Duration.ofHours(1);
    return quarter.compareTo(min) < 0 ? min : quarter.compareTo(max) > 0 ? max : quarter;
  }

  private void purgeQuietly() {
    purgeStaleUploads()
        .onSuccess(
            n -> {
              if (n > 0) {
                log.info("purged stale upload sessions: count={}", n);
              }
            })
        .onFailure(e -> log.warn("purge of stale upload sessions failed", e));
  }
}
