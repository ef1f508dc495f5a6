package dev.hoist.sync;

import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.pipeline.Stage;
import dev.hoist.repository.LocalNamespace;
import dev.hoist.storage.MetadataStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.time.InstantSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sync as the composition root sees it: started with the node's stores and what it needs of the
 * mirror ({@link MirrorAccess}), it serves {@code /api/v1/sync} as a stage of the pipeline (when
 * the API is enabled) and counts the mirror's pulls for pre-warming ({@link #tagPulled}, which the
 * root wires to the mirror). Without a mirror there is no upstream to sync from: the service then
 * only answers the API with an empty rule list.
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
   * @param mirror what sync needs of the mirror, {@link MirrorAccess#NONE} without one
   * @param node this process among the nodes sharing the store: the owner of its runs' leases
   */
  public static SyncFeature start(
      SyncConfig config,
      String listenHost,
      SyncApi.Users users,
      MirrorAccess mirror,
      LocalNamespace local,
      MetadataStore metadata,
      InstantSource clock,
      MeterRegistry meters,
      Vertx vertx,
      String node) {
    SyncService service = SyncService.start(config, mirror, local, metadata, clock, meters, node);
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

  /** Counts a pull of a mirrored tag, for pre-warming; must not block. */
  public void tagPulled(String upstream, RepositoryName upstreamName, Tag tag) {
    service.tagPulled(upstream, upstreamName, tag);
  }

  /** The pipeline stage answering {@code /api/v1/sync} when the API is enabled. */
  public Stage stage() {
    if (api == null) {
      return (call, next) -> next.handle(call);
    }
    return Stage.answering(SyncApi::handles, call -> api.handler().handle(call.request()));
  }

  @Override
  public void close() {
    if (api != null) {
      api.close();
    }
    service.close();
  }
}
