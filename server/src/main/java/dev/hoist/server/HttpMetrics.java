package dev.hoist.server;

import dev.hoist.pipeline.Call;
import dev.hoist.pipeline.RequestContext;
import dev.hoist.pipeline.RouteKind;
import dev.hoist.pipeline.Stage;
import dev.hoist.repository.CacheStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The HTTP server's meters, taken by the pipeline's first stage once each response is over:
 *
 * <ul>
 *   <li>{@code hoist.http.requests}: a timer by {@code route} (a {@link RouteKind}: the kind of
 *       endpoint, never the path), {@code method} and {@code status}, with latency buckets;
 *   <li>{@code hoist.mirror.served.bytes}: body bytes of mirrored content sent to clients, by how
 *       the cache answered ({@code X-Hoist-Cache}); against {@code hoist.upstream.bytes}, the bytes
 *       the cache saved;
 *   <li>{@code hoist.tenant.bytes}: body bytes sent to accelerator tenants, by tenant, within
 *       {@link MetricsConfig#tenantSeries} series ({@link TenantSeries}).
 * </ul>
 */
final class HttpMetrics {
  /** Latency buckets: a manifest or a warm small blob in milliseconds, a large blob in seconds. */
  static final Duration[] LATENCY_BUCKETS = {
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30),
    Duration.ofSeconds(60)
  };

  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
  private static final String CACHE_HEADER = "X-Hoist-Cache";

  private record Key(RouteKind route, String method, int status) {}

  private final MeterRegistry registry;
  private final Predicate<String> tenantTokenPath;
  private final Map<Key, Timer> timers = new ConcurrentHashMap<>();
  private final Map<CacheStatus, Counter> mirrorBytes = new EnumMap<>(CacheStatus.class);
  private final TenantSeries tenants;

  /**
   * @param tenantTokenPath which paths are a tenant's token service ({@code /m/<id>/token})
   */
  HttpMetrics(MeterRegistry registry, MetricsConfig config, Predicate<String> tenantTokenPath) {
    this.registry = registry;
    this.tenantTokenPath = tenantTokenPath;
    for (CacheStatus status : CacheStatus.values()) {
      mirrorBytes.put(
          status,
          Counter.builder("hoist.mirror.served.bytes")
              .description("Body bytes of mirrored content sent to clients, by cache answer")
              .baseUnit("bytes")
              .tag("result", status.name().toLowerCase(Locale.ROOT))
              .register(registry));
    }
    this.tenants = new TenantSeries(registry, config.tenantSeries());
  }

  /**
   * The stage: names the route for the paths the composition root answers (the registry and the
   * console name theirs later), and meters the response once it is over.
   */
  Stage stage() {
    return (call, next) -> {
      Timer.Sample sample = Timer.start(registry);
      call.with(call.context().withRoute(routeOf(call.context().path())));
      call.atEnd(() -> ended(call, sample));
      next.handle(call);
    };
  }

  /** The route of the paths outside {@code /v2/} and the console. */
  RouteKind routeOf(String path) {
    if (path.equals(Health.LIVE_PATH) || path.equals(Health.READY_PATH)) {
      return RouteKind.HEALTH;
    }
    if (path.equals("/metrics")) {
      return RouteKind.METRICS;
    }
    if (path.equals("/token") || tenantTokenPath.test(path)) {
      return RouteKind.TOKEN;
    }
    if (path.startsWith("/api/")) {
      return RouteKind.API;
    }
    if (path.startsWith("/ui/")
        || path.equals("/ui")
        || path.startsWith("/static/")
        || path.startsWith("/webjars/")) {
      return RouteKind.UI;
    }
    if (path.startsWith("/internal/")) {
      return RouteKind.INTERNAL;
    }
    return RouteKind.OTHER;
  }

  private void ended(Call call, Timer.Sample sample) {
    RequestContext context = call.context();
    String method = call.request().method().name();
    Key key =
        new Key(
            context.route(),
            METHODS.contains(method) ? method : "other",
            call.response().getStatusCode());
    sample.stop(timers.computeIfAbsent(key, this::timer));
    long bytes = call.bodyBytes();
    String cache = call.response().headers().get(CACHE_HEADER);
    if (cache != null) {
      Counter counter = mirrorBytes.get(cacheStatus(cache));
      if (counter != null) {
        counter.increment(bytes);
      }
    }
    if (context.tenant() != null) {
      tenants.counter(context.tenant()).increment(bytes);
    }
  }

  private Timer timer(Key key) {
    return Timer.builder("hoist.http.requests")
        .description("HTTP requests served, by kind of endpoint, method and status")
        .tag("route", key.route().tag())
        .tag("method", key.method())
        .tag("status", Integer.toString(key.status()))
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .register(registry);
  }

  private static CacheStatus cacheStatus(String header) {
    for (CacheStatus status : CacheStatus.values()) {
      if (status.name().equals(header)) {
        return status;
      }
    }
    return null;
  }
}
