package dev.hoist.accelerator;

import dev.hoist.auth.LoginLimiter;
import dev.hoist.auth.UserDirectory;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.OciException;
import dev.hoist.registry.TransferGate;
import dev.hoist.storage.MetadataStore;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accelerator: tenants with personal mirror addresses, traffic metering and quotas, accounts,
 * invitations, the JSON API ({@code /api/v1/}) and the console ({@code /console}). The composition
 * root puts {@link #handle} in front of the registry; when the accelerator is disabled it only
 * passes requests through.
 *
 * <p>Metering: every body byte Vert.x is given for a tenant's response ({@code bytesWritten()},
 * headers excluded: manifests and blobs, hits and misses, ranges, error bodies, and of a transfer
 * cut short what was written before the cut) is charged to the tenant's account when the response
 * ends or its connection closes. Metered responses are never sent with zero-copy {@code sendFile}
 * so that a cut transfer is counted by the chunk (256 KiB), not by its promised length. Counts live
 * in memory and are written to the database every {@code flushInterval} (2 s by default) and on
 * close: a crash loses at most that much traffic.
 *
 * <p>Quota: see {@link TenantUsage} for the admission rule; a transfer that crosses the limit
 * completes, and the tenant is then over quota until its period resets or its quota grows.
 */
public final class Accelerator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Accelerator.class);
  private static final Pattern CONTENT =
      Pattern.compile("^/v2/.+/(manifests/[^/]+|blobs/(?!uploads/)[^/]+)$");
  private static final Pattern TENANT_TOKEN = Pattern.compile("^/m/[a-z0-9]{1,63}/token$");

  private final AcceleratorConfig config;
  private final Vertx vertx;
  private final Tenants tenants;
  private final Accounts accounts;
  private final TenantResolver resolver;
  private final Quota quota;
  private final ApiHandler api;
  private final Console console;
  private final long flushTimer;

  private Accelerator(
      AcceleratorConfig config,
      Vertx vertx,
      MetadataStore store,
      InstantSource clock,
      LoginLimiter limiter,
      int bcryptCost,
      Set<String> reservedUsernames) {
    this.config = config;
    this.vertx = vertx;
    SecureRandom random = new SecureRandom();
    TenantIds ids = new TenantIds(random);
    this.tenants = new Tenants(store, clock, config.period());
    this.quota = new Quota(clock, config.period());
    this.accounts =
        new Accounts(
            config, store, tenants, ids, new PasswordHasher(random, bcryptCost), reservedUsernames);
    if (config.enabled()) {
      accounts.warnAboutReservedUsernames();
    }
    this.resolver = new TenantResolver(config.baseDomain(), config.trustedProxies());
    Web web = new Web(vertx, config);
    Sessions sessions = new Sessions(ids, clock, Duration.ofDays(7));
    this.api = new ApiHandler(config, web, accounts, sessions, limiter, quota);
    this.console = new Console(config, web, api, accounts, limiter, sessions);
    this.flushTimer =
        config.enabled()
            ? vertx.setPeriodic(
                config.flushInterval().toMillis(),
                id ->
                    vertx.executeBlocking(
                        () -> {
                          tenants.flush();
                          return null;
                        },
                        false))
            : -1;
  }

  /**
   * The accelerator over the metadata store; bcrypt cost 12.
   *
   * @param limiter failed logins, shared with the token service so that guesses count together
   * @param reservedUsernames names no account may take as its username: names the auth
   *     configuration gives a meaning to, upstream host names, hosted prefixes
   */
  public static Accelerator create(
      AcceleratorConfig config,
      Vertx vertx,
      MetadataStore store,
      InstantSource clock,
      LoginLimiter limiter,
      Set<String> reservedUsernames) {
    return new Accelerator(config, vertx, store, clock, limiter, 12, reservedUsernames);
  }

  /** For tests: a cheaper bcrypt cost (at least 4). */
  public static Accelerator create(
      AcceleratorConfig config,
      Vertx vertx,
      MetadataStore store,
      InstantSource clock,
      LoginLimiter limiter,
      Set<String> reservedUsernames,
      int bcryptCost) {
    return new Accelerator(config, vertx, store, clock, limiter, bcryptCost, reservedUsernames);
  }

  /**
   * Console accounts for registry logins, by username or email; the registry user is named by the
   * username. Disabled accounts are refused.
   */
  public UserDirectory users() {
    return accounts;
  }

  public AcceleratorConfig config() {
    return config;
  }

  /**
   * Serves one request: the API or the console, or the registry ({@code registry}) as the tenant it
   * addresses. {@code onEnd} is called when the response ends or its connection closes (the
   * response's end handler belongs to this method).
   */
  public void handle(
      HttpServerRequest request, Handler<Void> onEnd, Handler<HttpServerRequest> registry) {
    HttpServerResponse response = request.response();
    String path = request.path();
    if (!config.enabled()) {
      response.endHandler(onEnd);
      registry.handle(request);
      return;
    }
    if (path.startsWith(ApiHandler.PREFIX)) {
      response.endHandler(onEnd);
      api.handle(request);
      return;
    }
    if (console.handles(path)) {
      response.endHandler(onEnd);
      console.handle(request);
      return;
    }
    var remote = request.remoteAddress();
    TenantResolver.Resolution where =
        resolver.resolve(
            path,
            request.getHeader("Host"),
            request.getHeader("X-Forwarded-Host"),
            remote == null ? null : remote.hostAddress());
    response.endHandler(onEnd);
    if (where.problem() != null) {
      sendError(response, new OciException(ErrorCode.NAME_UNKNOWN, where.problem()), Map.of());
      return;
    }
    if (where.tenantId() == null) {
      if (!config.serveWithoutTenant() && (path.equals("/v2") || path.startsWith("/v2/"))) {
        sendError(
            response,
            new OciException(
                ErrorCode.DENIED, "this registry is served only through accelerator addresses"),
            Map.of());
        return;
      }
      registry.handle(request);
      return;
    }
    Optional<TenantUsage> cached = tenants.cachedTenant(where.tenantId());
    if (cached.isPresent()) {
      serveTenant(request, where, cached, onEnd, registry);
      return;
    }
    request.pause();
    vertx
        .executeBlocking(() -> tenants.tenant(where.tenantId()), false)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                log.warn("tenant lookup failed", ar.cause());
                sendError(response, new OciException(ErrorCode.UNAVAILABLE, "try again"), Map.of());
                return;
              }
              serveTenant(request, where, ar.result(), onEnd, registry);
            });
  }

  private void serveTenant(
      HttpServerRequest request,
      TenantResolver.Resolution where,
      Optional<TenantUsage> found,
      Handler<Void> onEnd,
      Handler<HttpServerRequest> registry) {
    HttpServerResponse response = request.response();
    if (found.isEmpty()) {
      sendError(
          response,
          new OciException(
              ErrorCode.DENIED,
              "no such accelerator address",
              OciException.detail("tenant", where.tenantId())),
          Map.of());
      return;
    }
    TenantUsage usage = found.get();
    if (usage.disabled()) {
      sendError(
          response,
          new OciException(
              ErrorCode.DENIED,
              "this accelerator address is disabled",
              OciException.detail("tenant", where.tenantId())),
          Map.of());
      return;
    }
    TenantRequest tenantRequest =
        new TenantRequest(request, where.path(), where.addressPath(), usage, quota);
    // The registry writes Locations as /v2/...; the client must stay on its tenant's address
    // (upload sessions above all), so they get the prefix back.
    response.headersEndHandler(
        v -> {
          String location = response.headers().get("Location");
          if (location != null && location.startsWith("/")) {
            response.headers().set("Location", where.clientPath(location));
          }
        });
    response.endHandler(
        v -> {
          tenantRequest.finished(response.bytesWritten());
          onEnd.handle(v);
        });
    if (request.method() == HttpMethod.GET
        && CONTENT.matcher(where.path()).matches()
        && !usage.underLimit(quota.today())) {
      TransferGate.Refusal refusal = quota.refusal(usage);
      sendError(response, refusal.error(), refusal.headers());
      return;
    }
    registry.handle(tenantRequest);
  }

  private static void sendError(
      HttpServerResponse response, OciException error, Map<String, String> headers) {
    headers.forEach(response::putHeader);
    response
        .setStatusCode(error.httpStatus())
        .putHeader("Content-Type", "application/json")
        .putHeader("Docker-Distribution-API-Version", "registry/2.0")
        .end(Buffer.buffer(error.toJson()));
  }

  /**
   * Whether {@code path} is a tenant's token service, {@code /m/<id>/token}: the composition root
   * serves it with the token endpoint, which binds its tokens to that prefix.
   */
  public boolean isTenantTokenPath(String path) {
    return config.enabled() && TENANT_TOKEN.matcher(path).matches();
  }

  /** Writes metered traffic not yet recorded (normally every flush interval). Blocks. */
  public void flush() {
    tenants.flush();
  }

  /** Stops the periodic flush and records what is left. Blocks. */
  @Override
  public void close() {
    if (flushTimer >= 0) {
      vertx.cancelTimer(flushTimer);
    }
    try {
      tenants.flush();
    } catch (RuntimeException e) {
      log.warn("final flush of tenant traffic failed", e);
    }
  }
}
