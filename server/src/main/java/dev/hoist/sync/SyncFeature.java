package dev.hoist.sync;

import dev.hoist.client.RegistryClient;
import dev.hoist.mirror.Mirror;
import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.MetadataStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sync as the composition root sees it: started with the node's stores and mirror, it serves {@code
 * /api/v1/sync} in front of the other routes (when the API is enabled) and counts the mirror's
 * pulls for pre-warming. Without a mirror there is no upstream to sync from, and this is a no-op
 * twin that only answers the API with an empty rule list.
 */
public final class SyncFeature implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SyncFeature.class);

  private final SyncService service;
  private final SyncApi api;

  private SyncFeature(SyncService service, SyncApi api) {
    this.service = service;
    this.api = api;
  }

  /**
   * @param users the auth service's users when the server has auth (then the API needs them, see
   *     {@link SyncApi}), else null
   */
  public static SyncFeature start(
      SyncConfig config,
      String listenHost,
      SyncApi.Users users,
      Mirror mirror,
      BlobStore blobs,
      MetadataStore metadata,
      InstantSource clock,
      MeterRegistry meters,
      Vertx vertx) {
    MirrorAccess access = mirror == null ? MirrorAccess.NONE : new MirrorView(mirror);
    SyncService service = SyncService.start(config, access, blobs, metadata, clock, meters);
    if (mirror != null) {
      mirror.onTagPulled(service::tagPulled);
    }
    SyncApi api =
        config.apiEnabledOn(listenHost, users != null) ? new SyncApi(vertx, service, users) : null;
    if (api != null && users == null && !SyncConfig.isLoopback(listenHost)) {
      log.warn(
          "the sync API is served without authentication on a non-loopback address:"
              + " listen={} (configure auth, or sync.api.enabled: false)",
          listenHost);
    }
    return new SyncFeature(service, api);
  }

  /** {@code next}, with {@code /api/v1/sync} answered here first when the API is enabled. */
  public Handler<HttpServerRequest> wrap(Handler<HttpServerRequest> next) {
    if (api == null) {
      return next;
    }
    Handler<HttpServerRequest> handler = api.handler();
    return request -> {
      if (SyncApi.handles(request.path())) {
        handler.handle(request);
      } else {
        next.handle(request);
      }
    };
  }

  @Override
  public void close() {
    if (api != null) {
      api.close();
    }
    service.close();
  }

  /** The mirror as sync needs it. */
  private record MirrorView(Mirror mirror) implements MirrorAccess {
    @Override
    public Optional<RegistryClient> client(String upstream) {
      return mirror.upstreamClient(upstream);
    }

    @Override
    public InputStream cachedBlob(String upstream, RepositoryName repository, Digest digest)
        throws IOException {
      return mirror.openBlob(upstream, repository, digest);
    }

    @Override
    public Optional<RepositoryName> cacheName(String upstream, RepositoryName repository) {
      return mirror.cacheName(upstream, repository);
    }

    @Override
    public Duration freshFor(RepositoryName cacheName, Tag tag) {
      return mirror.freshFor(cacheName, tag);
    }

    @Override
    public boolean isLocal(RepositoryName name) {
      return mirror.route(name, null).isEmpty();
    }
  }
}
