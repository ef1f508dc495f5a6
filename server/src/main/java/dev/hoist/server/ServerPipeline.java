package dev.hoist.server;

import dev.hoist.accelerator.Accelerator;
import dev.hoist.api.ApiError;
import dev.hoist.lifecycle.DiskApi;
import dev.hoist.logging.AccessLog;
import dev.hoist.pipeline.Pipeline;
import dev.hoist.pipeline.Stage;
import dev.hoist.registry.PeerEndpoint;
import dev.hoist.registry.RegistryApi;
import dev.hoist.sync.SyncFeature;
import dev.hoist.web.Assets;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.atomic.LongAdder;

/** The request pipeline of a server: its stages in their one order. */
final class ServerPipeline {
  private ServerPipeline() {}

  /**
   * Every request's way through the server, in order:
   *
   * <ol>
   *   <li>"access log": one line per request once its response is over (a pass-through when off);
   *   <li>"http metrics": times every request by route kind, method and status ({@link
   *       HttpMetrics});
   *   <li>"health": {@code /healthz} and {@code /readyz}, unauthenticated ({@link Health});
   *   <li>"cluster": {@code /internal/v1/blobs/<digest>}, other nodes' reads of this node's fills,
   *       in a cluster (with the cluster's secret);
   *   <li>"sync API": {@code /api/v1/sync}, when enabled;
   *   <li>"admin API": {@code /api/v1/admin/disk}, {@code /gc}, {@code /evict}, when the sync API
   *       is;
   *   <li>"metrics": {@code /metrics} for Prometheus;
   *   <li>"token": {@code /token} and tenants' {@code /m/<id>/token}, when auth is on;
   *   <li>"served bytes": counts the body bytes of every response from here on;
   *   <li>"web assets": the pages' CSS and scripts under {@code /webjars/} and {@code /static/}
   *       ({@link Assets});
   *   <li>"ui": the web pages under {@code /ui/} (the registry browser and its sign-in, the mirror
   *       dashboard, the sync page), and the redirect of {@code /} to them ({@link WebPages});
   *   <li>"accelerator": its API and console; the tenant a request addresses, its quota and
   *       metering (a pass-through when disabled);
   *   <li>"API fallback": any other {@code /api/} path gets the JSON API's 404, not the registry's
   *       (an API that is disabled, or a mistyped path);
   *   <li>"registry": the {@code /v2/} routes, the access check, the handlers.
   * </ol>
   */
  static Pipeline build(
      AccessLog access,
      PrometheusMeterRegistry meters,
      HttpMetrics httpMetrics,
      Health health,
      PeerEndpoint peers,
      SyncFeature sync,
      DiskApi diskApi,
      Handler<HttpServerRequest> tokens,
      Assets assets,
      Stage ui,
      Accelerator accelerator,
      RegistryApi api) {
    LongAdder responseBytes = new LongAdder();
    // Responses count their own body bytes, except those the registry sent as file regions.
    FunctionCounter.builder(
            "hoist.served.bytes", api, a -> responseBytes.sum() + a.fileRegionBytes())
        .description("Body bytes sent to clients")
        .baseUnit("bytes")
        .register(meters);
    Stage tokenStage =
        tokens == null
            ? (call, next) -> next.handle(call)
            : Stage.answering(
                path -> path.equals("/token") || accelerator.isTenantTokenPath(path),
                call -> tokens.handle(call.request()));
    return Pipeline.builder()
        .stage("access log", access.stage())
        .stage("http metrics", httpMetrics.stage())
        .stage("health", health.stage())
        .stage("cluster", peers == null ? (call, next) -> next.handle(call) : peers.stage())
        .stage("sync API", sync.stage())
        .stage("admin API", diskApi == null ? (call, next) -> next.handle(call) : diskApi.stage())
        .stage(
            "metrics",
            Stage.answering(
                "/metrics"::equals,
                call ->
                    call.response()
                        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                        .end(Buffer.buffer(meters.scrape()))))
        .stage("token", tokenStage)
        .stage(
            "served bytes",
            (call, next) -> {
              call.atEnd(() -> responseBytes.add(call.response().bytesWritten()));
              next.handle(call);
            })
        .stage("web assets", assets.stage())
        .stage("ui", ui)
        .stage("accelerator", accelerator.stage())
        .stage(
            "API fallback",
            Stage.answering(
                path -> path.startsWith("/api/"),
                call -> new ApiError(404, "NOT_FOUND", "no such endpoint").send(call.response())))
        .endpoint("registry", api.endpoint());
  }
}
