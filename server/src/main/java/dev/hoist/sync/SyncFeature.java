package dev.hoist.sync;

import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.pipeline.Stage;
import dev.hoist.repository.LocalNamespace;
import dev.hoist.storage.MetadataStore;
import dev.hoist.storage.SyncStatus;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
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
   * Starts sync's service (its schedules) and, when enabled, its API.
   *
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

  /**
   * A rule as the pages show it: what it copies, where to, when, and how its last run went (the
   * same reads the API's rule list makes).
   *
   * @param destination the destination in words: {@code hosted library/* -> team/*}, {@code mirror
   *     cache}
   * @param schedule {@code every 6h}, {@code cron 0 3 * * *}, or {@code on demand}
   * @param nextRun when it runs next, or null (on demand)
   * @param lastRun the stored status of its last run, or null before the first
   */
  public record RuleOverview(
      String name,
      String upstream,
      List<String> repositories,
      String destination,
      String schedule,
      boolean enabled,
      boolean running,
      @Nullable Instant nextRun,
      @Nullable SyncStatus lastRun) {
    public RuleOverview {
      repositories = List.copyOf(repositories);
    }
  }

  /** Every rule with its status. Blocks (reads the metadata store): never on an event loop. */
  public List<RuleOverview> rules() {
    List<RuleOverview> out = new ArrayList<>();
    for (SyncRule rule : service.rules()) {
      SyncStatus s = service.status(rule.name()).orElse(null);
      out.add(
          new RuleOverview(
              rule.name(),
              rule.upstream(),
              rule.repositories().stream().map(RepositoryName::value).toList(),
              describe(rule.destination()),
              describe(rule.schedule()),
              rule.enabled(),
              service.isRunning(rule.name()),
              service.nextRun(rule.name(), s),
              s));
    }
    return out;
  }

  /**
   * Starts a run of the rule now, as the API's {@code POST /api/v1/sync/NAME/run} does; false when
   * there is no such rule. Blocks (one read): never on an event loop.
   */
  public boolean runNow(String name) {
    if (service.rule(name).isEmpty()) {
      return false;
    }
    // The page does not wait: the run logs its own failure and stores its status.
    var unused = service.runNow(name);
    return true;
  }

  private static String describe(SyncRule.Destination d) {
    if (d.mirrorCache()) {
      return "mirror cache";
    }
    if (d.from() != null) {
      return "hosted " + d.from() + " -> " + d.to();
    }
    return d.to() == null ? "hosted, same name" : "hosted " + d.to();
  }

  private static String describe(SyncRule.Schedule s) {
    if (s.interval() != null) {
      return "every " + s.interval().toString().substring(2).toLowerCase(Locale.ROOT);
    }
    return s.cron() != null ? "cron " + s.cron() : "on demand";
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
