package dev.hoist.accelerator;

import dev.hoist.api.ApiError;
import dev.hoist.auth.LoginLimiter;
import dev.hoist.config.ConfigException;
import dev.hoist.config.Values;
import dev.hoist.storage.AccountRecord;
import dev.hoist.web.Html;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The JSON API under {@code /api/v1/}; see {@code docs/api.md}. */
final class ApiHandler {
  static final String PREFIX = "/api/v1/";
  static final int CHART_DAYS = 30;

  private final AcceleratorConfig config;
  private final Web web;
  private final Accounts accounts;
  private final Sessions sessions;
  private final LoginLimiter limiter;
  private final Quota quota;

  /** Whether the registry checks passwords (else {@code docker login} accepts any). */
  private final boolean registryAuth;

  private final AccessTokens accessTokens;

  ApiHandler(
      AcceleratorConfig config,
      Web web,
      Accounts accounts,
      Sessions sessions,
      LoginLimiter limiter,
      Quota quota,
      boolean registryAuth,
      AccessTokens accessTokens) {
    this.registryAuth = registryAuth;
    this.accessTokens = accessTokens;
    this.config = config;
    this.web = web;
    this.accounts = accounts;
    this.sessions = sessions;
    this.limiter = limiter;
    this.quota = quota;
  }

  void handle(HttpServerRequest request) {
    Future<?> done;
    try {
      // Asked for at once: the body arrives while the request is checked, and is not lost.
      Future<Map<String, String>> body =
          HttpMethod.GET.equals(request.method()) || HttpMethod.HEAD.equals(request.method())
              ? Future.succeededFuture(Map.of())
              : web.fields(request);
      done = dispatch(request, request.path().substring(PREFIX.length()), body);
    } catch (RuntimeException e) {
      done = Future.failedFuture(e);
    }
    done.onFailure(e -> web.fail(request.response(), e));
  }

  private Future<?> dispatch(
      HttpServerRequest request, String route, Future<Map<String, String>> body) {
    HttpMethod method = request.method();
    if (route.equals("signup") && HttpMethod.POST.equals(method)) {
      return signup(request, body);
    }
    if (route.equals("login") && HttpMethod.POST.equals(method)) {
      return login(request, body);
    }
    return session(request).compose(session -> signedIn(request, route, body, session));
  }

  /** The routes that need a session. */
  private Future<?> signedIn(
      HttpServerRequest request,
      String route,
      Future<Map<String, String>> body,
      Sessions.Session session) {
    HttpMethod method = request.method();
    if (!HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method)) {
      checkCsrf(request, session, request.getHeader("X-CSRF-Token"));
    }
    String id = session.accountId();
    if (route.equals("logout") && HttpMethod.POST.equals(method)) {
      return web.blocking(
              () -> {
                sessions.end(session.token());
                return null;
              })
          .map(
              v -> {
                request
                    .response()
                    .putHeader("Set-Cookie", sessions.cookie(null, web.secure(request)));
                request.response().setStatusCode(204).end();
                return null;
              });
    }
    if (route.equals("me") && HttpMethod.GET.equals(method)) {
      return answer(request, 200, () -> me(request, accounts.account(id), session));
    }
    if (route.equals("accelerator") && HttpMethod.GET.equals(method)) {
      return answer(
          request,
          200,
          () -> {
            AccountRecord a = accounts.account(id);
            if (a.tenantId() == null) {
              throw new ApiError(404, "NOT_STARTED", "the accelerator has not been started");
            }
            return address(request, a);
          });
    }
    if (route.equals("accelerator") && HttpMethod.POST.equals(method)) {
      return answer(request, 200, () -> address(request, accounts.start(id)));
    }
    if (route.equals("accelerator/rotate") && HttpMethod.POST.equals(method)) {
      return answer(request, 200, () -> address(request, accounts.rotate(id)));
    }
    if (route.equals("usage") && HttpMethod.GET.equals(method)) {
      return answer(request, 200, () -> usage(accounts.account(id)));
    }
    if (route.equals("invitations") && HttpMethod.GET.equals(method)) {
      return answer(request, 200, () -> invitations(request, accounts.account(id)));
    }
    if (route.equals("tokens") || route.startsWith("tokens/")) {
      return tokens(request, route, id, body);
    }
    if (route.startsWith("admin/")) {
      return admin(request, route.substring("admin/".length()), id, body);
    }
    throw new ApiError(404, "NOT_FOUND", "no such endpoint");
  }

  /** The account's personal access tokens: list, create (the secret shown once), revoke. */
  private Future<?> tokens(
      HttpServerRequest request, String route, String id, Future<Map<String, String>> body) {
    HttpMethod method = request.method();
    if (route.equals("tokens") && HttpMethod.GET.equals(method)) {
      return answer(
          request,
          200,
          () ->
              Map.of(
                  "tokens",
                  accessTokens.list(accounts.account(id)).stream()
                      .map(AccessTokens::toJson)
                      .toList()));
    }
    if (route.equals("tokens") && HttpMethod.POST.equals(method)) {
      return body.compose(
          fields ->
              answer(
                  request,
                  201,
                  () -> {
                    AccessTokens.Created created =
                        accessTokens.create(accounts.account(id), fields.get("name"));
                    Map<String, Object> json = AccessTokens.toJson(created.token());
                    json.put("token", created.secret());
                    return json;
                  }));
    }
    if (route.startsWith("tokens/") && HttpMethod.DELETE.equals(method)) {
      String tokenId = route.substring("tokens/".length());
      return web.blocking(
              () -> {
                accessTokens.revoke(accounts.account(id), tokenId);
                return null;
              })
          .map(
              v -> {
                request.response().setStatusCode(204).end();
                return null;
              });
    }
    throw new ApiError(404, "NOT_FOUND", "no such endpoint");
  }

  private Future<?> admin(
      HttpServerRequest request, String route, String id, Future<Map<String, String>> body) {
    HttpMethod method = request.method();
    Future<AccountRecord> adminCheck =
        web.blocking(
            () -> {
              AccountRecord a = accounts.account(id);
              if (!a.admin()) {
                throw new ApiError(403, "FORBIDDEN", "administrators only");
              }
              return a;
            });
    if (route.equals("tenants") && HttpMethod.GET.equals(method)) {
      return adminCheck.compose(
          a ->
              answer(
                  request,
                  200,
                  () -> {
                    List<Map<String, Object>> rows = new ArrayList<>();
                    for (Object[] row : accounts.withUsage()) {
                      rows.add(adminRow((AccountRecord) row[0], (Long) row[1]));
                    }
                    return Map.of("tenants", rows);
                  }));
    }
    if (route.startsWith("accounts/") && HttpMethod.PATCH.equals(method)) {
      String target = route.substring("accounts/".length());
      return adminCheck.compose(
          a ->
              body.compose(
                  fields ->
                      answer(
                          request,
                          200,
                          () -> {
                            Long quotaBytes =
                                fields.get("quotaBytes") == null
                                    ? null
                                    : parseQuota(fields.get("quotaBytes"));
                            Boolean disabled =
                                fields.get("disabled") == null
                                    ? null
                                    : Boolean.parseBoolean(fields.get("disabled"));
                            AccountRecord changed = accounts.change(target, quotaBytes, disabled);
                            return adminRow(changed, accounts.usage(changed, 1).used());
                          })));
    }
    throw new ApiError(404, "NOT_FOUND", "no such endpoint");
  }

  /**
   * A quota as the configuration writes sizes ({@link Values#size}): a number of bytes, or a string
   * such as {@code 100MiB} or {@code 10GB}; anything else is 400 {@code QUOTA_INVALID}.
   */
  static long parseQuota(String text) {
    try {
      return Values.size("quotaBytes", text);
    } catch (ConfigException e) {
      throw new ApiError(400, "QUOTA_INVALID", e.setting() + ": " + e.problem());
    }
  }

  private Future<?> signup(HttpServerRequest request, Future<Map<String, String>> body) {
    checkOrigin(request);
    return body.compose(fields -> web.blocking(() -> signUp(fields)))
        .map(
            in -> {
              request
                  .response()
                  .putHeader("Set-Cookie", sessions.cookie(in.session(), web.secure(request)));
              web.json(request.response(), 201, me(request, in.account(), in.session()));
              return null;
            });
  }

  /** Creates the account of a sign-up form and signs it in. Blocks. */
  SignIn.SignedIn signUp(Map<String, String> fields) {
    AccountRecord account =
        accounts.signup(
            fields.get("email"),
            fields.get("username"),
            fields.get("password"),
            fields.get("invite"));
    return new SignIn.SignedIn(account, sessions.create(account.id()));
  }

  /** What a password sign-in came to, decided off the event loop by {@link #signIn}. */
  sealed interface SignIn {
    /** Too many failures for the name or the address: try again in this many seconds. */
    record Blocked(long seconds) implements SignIn {}

    /** A wrong name or password (counted as a failure). */
    record Refused() implements SignIn {}

    /** The right password of a disabled account: no session. */
    record Disabled(AccountRecord account) implements SignIn {}

    record SignedIn(AccountRecord account, Sessions.Session session) implements SignIn {}
  }

  /**
   * Checks a password under the login limiter, and makes a session when it is right and the account
   * is enabled. Blocks (the limiter's and the sessions' database, bcrypt).
   *
   * @param name an email or a username, normalized
   */
  SignIn signIn(String name, String password, String address) {
    long wait = limiter.blockedSeconds(name, address);
    if (wait > 0) {
      return new SignIn.Blocked(wait);
    }
    Optional<AccountRecord> found = accounts.check(name, password);
    if (found.isEmpty()) {
      limiter.failed(name, address);
      return new SignIn.Refused();
    }
    limiter.succeeded(name);
    if (found.get().disabled()) {
      return new SignIn.Disabled(found.get());
    }
    return new SignIn.SignedIn(found.get(), sessions.create(found.get().id()));
  }

  private Future<?> login(HttpServerRequest request, Future<Map<String, String>> body) {
    checkOrigin(request);
    return body.compose(
        fields -> {
          // Either field names the account: its email or its username.
          String name =
              Accounts.normalize(
                  fields.get("email") != null ? fields.get("email") : fields.get("username"));
          String address = clientAddress(request);
          String password = fields.get("password");
          return web.blocking(() -> signIn(name, password, address))
              .map(
                  outcome -> {
                    switch (outcome) {
                      case SignIn.Blocked blocked ->
                          throw new ApiError(
                              429,
                              "TOO_MANY_ATTEMPTS",
                              "too many failed logins; try again later",
                              Map.of("Retry-After", Long.toString(blocked.seconds())));
                      case SignIn.Refused refused ->
                          throw new ApiError(
                              401, "LOGIN_FAILED", "wrong email, username or password");
                      case SignIn.Disabled disabled -> Accounts.refuseDisabled(disabled.account());
                      case SignIn.SignedIn in -> {
                        request
                            .response()
                            .putHeader(
                                "Set-Cookie", sessions.cookie(in.session(), web.secure(request)));
                        web.json(request.response(), 200, me(request, in.account(), in.session()));
                      }
                    }
                    return null;
                  });
        });
  }

  static String clientAddress(HttpServerRequest request) {
    var remote = request.remoteAddress();
    return remote == null ? null : remote.hostAddress();
  }

  /** A browser sends Origin on cross-site posts: refuse one that names another host. */
  private void checkOrigin(HttpServerRequest request) {
    String origin = request.getHeader("Origin");
    if (origin == null || origin.equals("null")) {
      return;
    }
    String host = origin.replaceFirst("^[a-zA-Z]+://", "").toLowerCase(Locale.ROOT);
    if (!host.equals(web.publicHost(request).toLowerCase(Locale.ROOT))) {
      throw new ApiError(403, "CSRF", "cross-site request refused");
    }
  }

  /** The request's session (looked up off the event loop); fails with 401 when it has none. */
  Future<Sessions.Session> session(HttpServerRequest request) {
    String token = Web.cookie(request, Sessions.COOKIE);
    return web.blocking(
        () ->
            sessions
                .find(token)
                .orElseThrow(() -> new ApiError(401, "UNAUTHORIZED", "sign in first")));
  }

  static void checkCsrf(HttpServerRequest request, Sessions.Session session, String token) {
    if (token == null
        || !java.security.MessageDigest.isEqual(
            token.getBytes(java.nio.charset.StandardCharsets.UTF_8),
            session.csrf().getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
      throw new ApiError(403, "CSRF", "missing or wrong CSRF token");
    }
  }

  private Future<Void> answer(
      HttpServerRequest request, int status, java.util.concurrent.Callable<Object> work) {
    return web.blocking(work)
        .map(
            body -> {
              web.json(request.response(), status, body);
              return null;
            });
  }

  Map<String, Object> me(HttpServerRequest request, AccountRecord a, Sessions.Session s) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", a.id());
    json.put("email", a.email());
    json.put("username", a.username());
    json.put("admin", a.admin());
    json.put("tenantId", a.tenantId());
    json.put("quotaBytes", a.quotaBytes());
    json.put("disabled", a.disabled());
    json.put("inviteCode", a.inviteCode());
    json.put("registry", registryLogin(request, a).toJson());
    json.put("csrfToken", s.csrf());
    return json;
  }

  /** How clients reach this Hoist: {@code publicUrl} when configured, else what they asked. */
  record PublicAddress(String scheme, String hostPort) {}

  PublicAddress publicAddress(HttpServerRequest request) {
    if (config.publicUrl() != null) {
      java.net.URI uri = java.net.URI.create(config.publicUrl());
      return new PublicAddress(uri.getScheme(), uri.getRawAuthority());
    }
    return new PublicAddress(web.secure(request) ? "https" : "http", web.publicHost(request));
  }

  RegistryLogin registryLogin(HttpServerRequest request, AccountRecord a) {
    PublicAddress p = publicAddress(request);
    boolean reserved = accounts.usernameReserved(a);
    return RegistryLogin.of(
        p.scheme(),
        p.hostPort(),
        reserved ? a.email() : a.username(),
        reserved ? null : config.namespacePrefix() + "/" + a.username(),
        registryAuth);
  }

  Snippets snippets(HttpServerRequest request, AccountRecord a) {
    PublicAddress p = publicAddress(request);
    String scheme = p.scheme();
    String hostPort = p.hostPort();
    String host = hostPort;
    int port = -1;
    int colon = hostPort.lastIndexOf(':');
    if (colon > 0 && hostPort.indexOf(']') < colon) {
      host = hostPort.substring(0, colon);
      port = Integer.parseInt(hostPort.substring(colon + 1));
    }
    return Snippets.of(a.tenantId(), config.baseDomain(), scheme, host, port);
  }

  Map<String, Object> address(HttpServerRequest request, AccountRecord a) {
    return snippets(request, a).toJson(a.tenantId());
  }

  /** When usage starts again; empty without a period. */
  Optional<Instant> nextReset() {
    return quota.nextReset();
  }

  Map<String, Object> usage(AccountRecord a) {
    Accounts.Usage u = accounts.usage(a, CHART_DAYS);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("used", u.used());
    json.put("limit", u.limit());
    json.put("usedHuman", Html.human(u.used()));
    json.put("limitHuman", Html.human(u.limit()));
    json.put("period", config.period().name().toLowerCase(Locale.ROOT));
    json.put("resets", quota.nextReset().map(Object::toString).orElse(null));
    List<Map<String, Object>> daily = new ArrayList<>();
    for (Map.Entry<LocalDate, Long> e : u.daily().entrySet()) {
      daily.add(Map.of("day", e.getKey().toString(), "bytes", e.getValue()));
    }
    json.put("daily", daily);
    return json;
  }

  Map<String, Object> invitations(HttpServerRequest request, AccountRecord a) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("code", a.inviteCode());
    String scheme = web.secure(request) ? "https" : "http";
    String base =
        config.publicUrl() != null ? config.publicUrl() : scheme + "://" + web.publicHost(request);
    json.put("link", base + "/console/signup?invite=" + a.inviteCode());
    json.put("bonusBytes", config.inviteBonusBytes());
    List<Map<String, Object>> friends = new ArrayList<>();
    for (AccountRecord f : accounts.invitees(a.id())) {
      friends.add(Map.of("email", f.email(), "joined", f.created().toString()));
    }
    json.put("friends", friends);
    return json;
  }

  static Map<String, Object> adminRow(AccountRecord a, long used) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("accountId", a.id());
    json.put("email", a.email());
    json.put("username", a.username());
    json.put("tenantId", a.tenantId());
    json.put("used", used);
    json.put("limit", a.quotaBytes());
    json.put("disabled", a.disabled());
    json.put("admin", a.admin());
    return json;
  }
}
