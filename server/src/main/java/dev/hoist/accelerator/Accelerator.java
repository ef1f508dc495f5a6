package dev.hoist.accelerator;

import dev.hoist.auth.LoginLimiter;
import dev.hoist.auth.UserDirectory;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.OciException;
import dev.hoist.pipeline.Call;
import dev.hoist.pipeline.RouteKind;
import dev.hoist.pipeline.Stage;
import dev.hoist.registry.RegistryErrors;
import dev.hoist.storage.AccountRecord;
import dev.hoist.storage.MetadataStore;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accelerator: tenants with personal mirror addresses, traffic metering and quotas, accounts,
 * invitations, the JSON API ({@code /api/v1/}) and the console ({@code /console}). The composition
 * root puts its {@link #stage()} in the pipeline before the registry, and {@link QuotaNamespace}
 * around the namespace; when the accelerator is disabled both only pass requests through.
 *
 * <p>Metering: every body byte Vert.x is given for a tenant's response ({@code bytesWritten()},
 * headers excluded: manifests and blobs, hits and misses, ranges, error bodies, and of a transfer
 * cut short what was written before the cut) is charged to the tenant's account when the response
 * ends or its connection closes. Metered responses are never sent with zero-copy {@code sendFile}
 * so that a cut transfer is counted by the chunk (256 KiB), not by its promised length. Ended
 * transfers are written to the database every {@code flushInterval} (2 s by default) and on close:
 * a crash loses at most that much traffic.
 *
 * <p>Quota: see {@link QuotaLedger} for the admission rule, which holds across every node sharing
 * the metadata store; a transfer that crosses the limit completes, and the tenant is then over
 * quota until its period resets or its quota grows.
 *
 * <p>Shared by the nodes of a cluster through the metadata store: accounts, usage and quota holds,
 * console sessions ({@link Sessions}) and failed logins. Per node: which account a tenant id
 * belongs to, cached for {@link Tenants#REFRESH}, and traffic not yet flushed.
 */
public final class Accelerator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Accelerator.class);
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
      String node,
      int bcryptCost,
      Set<String> reservedUsernames,
      boolean registryAuth) {
    this.config = config;
    this.vertx = vertx;
    SecureRandom random = new SecureRandom();
    TenantIds ids = new TenantIds(random);
    this.tenants = new Tenants(store, clock, config.period(), node);
    this.quota = new Quota(clock, config.period());
    AccessTokens accessTokens = new AccessTokens(store, ids, clock);
    this.accounts =
        new Accounts(
            config,
            store,
            tenants,
            ids,
            new PasswordHasher(random, bcryptCost),
            accessTokens,
            reservedUsernames);
    if (config.enabled()) {
      accounts.warnAboutReservedUsernames();
      if (!registryAuth) {
        log.warn(
            "accelerator without auth: anyone may push and pull, docker login accepts any"
                + " password; configure auth to make the accounts' namespaces theirs");
      }
    }
    this.resolver = new TenantResolver(config.baseDomain(), config.trustedProxies());
    Web web = new Web(vertx, config);
    Sessions sessions = new Sessions(store, ids, clock, Duration.ofDays(7));
    this.api =
        new ApiHandler(config, web, accounts, sessions, limiter, quota, registryAuth, accessTokens);
    this.console = new Console(config, web, api, accounts, sessions, accessTokens);
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
   * @param node this process among the nodes sharing the store: the owner of its quota holds
   * @param reservedUsernames names no account may take as its username: names the auth
   *     configuration gives a meaning to, upstream host names, hosted prefixes
   * @param registryAuth whether the registry checks passwords: without it the console shows no
   *     login lines (any password would "succeed") and warns instead
   */
  public static Accelerator create(
      AcceleratorConfig config,
      Vertx vertx,
      MetadataStore store,
      InstantSource clock,
      LoginLimiter limiter,
      String node,
      Set<String> reservedUsernames,
      boolean registryAuth) {
    return new Accelerator(
        config, vertx, store, clock, limiter, node, 12, reservedUsernames, registryAuth);
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
   * The accelerator's stage of the server's pipeline: it answers the API and the console, and finds
   * the tenant a registry request addresses (by Host or {@code /m/<id>} prefix). A tenant's request
   * goes on with its path below the prefix, the prefix as its address, and its quota as the
   * transfer gate ({@link QuotaNamespace} applies it); every body byte of its response is charged
   * once the response is over. When the accelerator is disabled, everything passes through.
   */
  public Stage stage() {
    return this::handle;
  }

  private void handle(Call call, Stage.Next next) {
    HttpServerRequest request = call.request();
    String path = call.context().path();
    if (!config.enabled()) {
      next.handle(call);
      return;
    }
    if (path.startsWith(ApiHandler.PREFIX)) {
      api.handle(request);
      return;
    }
    if (console.handles(path)) {
      call.with(call.context().withRoute(RouteKind.CONSOLE));
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
    if (where.problem() != null) {
      sendError(request, new OciException(ErrorCode.NAME_UNKNOWN, where.problem()));
      return;
    }
    if (where.tenantId() == null) {
      if (!config.serveWithoutTenant() && (path.equals("/v2") || path.startsWith("/v2/"))) {
        sendError(
            request,
            new OciException(
                ErrorCode.DENIED, "this registry is served only through accelerator addresses"));
        return;
      }
      next.handle(call);
      return;
    }
    Optional<AccountRecord> cached = tenants.cachedTenant(where.tenantId());
    if (cached.isPresent()) {
      serveTenant(call, where, cached, next);
      return;
    }
    request.pause();
    vertx
        .executeBlocking(() -> tenants.tenant(where.tenantId()), false)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                log.warn("tenant lookup failed", ar.cause());
                sendError(request, new OciException(ErrorCode.UNAVAILABLE, "try again"));
                return;
              }
              serveTenant(call, where, ar.result(), next);
            });
  }

  private void serveTenant(
      Call call, TenantResolver.Resolution where, Optional<AccountRecord> found, Stage.Next next) {
    HttpServerResponse response = call.response();
    if (found.isEmpty()) {
      sendError(
          call.request(),
          new OciException(
              ErrorCode.DENIED,
              "no such accelerator address",
              OciException.detail("tenant", where.tenantId())));
      return;
    }
    AccountRecord account = found.get();
    if (account.disabled()) {
      sendError(
          call.request(),
          new OciException(
              ErrorCode.DENIED,
              "this accelerator address is disabled",
              OciException.detail("tenant", where.tenantId())));
      return;
    }
    TenantTransfer transfer = new TenantTransfer(tenants.ledger(), quota, account.id());
    // The registry writes Locations as /v2/...; the client must stay on its tenant's address
    // (upload sessions above all), so they get the prefix back.
    response.headersEndHandler(
        v -> {
          String location = response.headers().get("Location");
          if (location != null && location.startsWith("/")) {
            response.headers().set("Location", where.clientPath(location));
          }
        });
    call.atEnd(() -> transfer.finished(response.bytesWritten()));
    next.handle(
        call.with(
            call.context()
                .forTenant(where.tenantId().value(), where.path(), where.addressPath(), transfer)));
  }

  private static void sendError(HttpServerRequest request, OciException error) {
    RegistryErrors.send(request, error);
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
