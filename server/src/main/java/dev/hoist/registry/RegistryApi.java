package dev.hoist.registry;

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
 * The OCI Distribution v1.1 {@code /v2/} API over a {@link BlobStore} and a {@link MetadataStore}:
 * give {@link #handler()} to a Vert.x {@code HttpServer}. See the package documentation for the
 * endpoints.
 *
 * <p>Creating the API also schedules the purge of abandoned upload sessions (every quarter of
 * {@link RegistryOptions#uploadPurgeAge()}, between one minute and one hour); {@link #close()}
 * cancels it. The stores are not closed: they belong to the caller.
 */
public final class RegistryApi implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RegistryApi.class);

  private final Vertx vertx;
  private final Backend backend;
  private final UploadSessions sessions;
  private final Router router;
  private final long purgeTimer;

  private RegistryApi(Vertx vertx, Backend backend, AccessController access) {
    this.vertx = vertx;
    this.backend = backend;
    this.sessions = new UploadSessions(backend);
    this.router = new Router(vertx, backend, sessions, access);
    this.purgeTimer =
        vertx.setPeriodic(
            purgeInterval(backend.options().uploadPurgeAge()).toMillis(), id -> purgeQuietly());
  }

  /**
   * The API over the given stores.
   *
   * @param vertx runs the handlers (on its event loops) and the storage calls (on its worker pool)
   * @param clock gives the time recorded on manifests and upload sessions
   */
  public static RegistryApi create(
      Vertx vertx,
      BlobStore blobs,
      MetadataStore metadata,
      RegistryOptions options,
      InstantSource clock) {
    return create(vertx, blobs, metadata, options, clock, RemoteContent.NONE);
  }

  /**
   * The API over the given stores, with some repositories living in other registries (the mirror):
   * {@code remote} says which, and serves them.
   */
  public static RegistryApi create(
      Vertx vertx,
      BlobStore blobs,
      MetadataStore metadata,
      RegistryOptions options,
      InstantSource clock,
      RemoteContent remote) {
    return create(vertx, blobs, metadata, options, clock, remote, AccessController.ALLOW_ALL);
  }

  /**
   * The API with remote repositories and an access controller that is asked before every request is
   * dispatched (auth).
   */
  public static RegistryApi create(
      Vertx vertx,
      BlobStore blobs,
      MetadataStore metadata,
      RegistryOptions options,
      InstantSource clock,
      RemoteContent remote,
      AccessController access) {
    Objects.requireNonNull(vertx, "vertx");
    Objects.requireNonNull(access, "access");
    return new RegistryApi(
        vertx, new Backend(blobs, metadata, options, clock, new Blocking(vertx), remote), access);
  }

  /** The request handler for every path; anything that is no endpoint gets a 404 in JSON. */
  /**
   * Body bytes sent so far as file regions straight from a file that was still being written (a
   * mirror fill): Vert.x's {@code HttpServerResponse.bytesWritten()} does not count them, so a
   * count of bytes served adds this.
   */
  public long fileRegionBytes() {
    return router.fileRegionBytes();
  }

  public Handler<HttpServerRequest> handler() {
    return router;
  }

  /**
   * Removes upload sessions not touched for {@link RegistryOptions#uploadPurgeAge()} (at most a
   * thousand per call); completes with how many were removed. Runs periodically on its own.
   */
  public Future<Integer> purgeStaleUploads() {
    return sessions.purge(
        vertx.getOrCreateContext(),
        backend.clock().instant().minus(backend.options().uploadPurgeAge()));
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
