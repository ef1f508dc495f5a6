package dev.hoist.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.Scope;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /token}, the Docker token service.
 *
 * <ul>
 *   <li>{@code GET /token?service=hoist&scope=repository:alice/app:pull,push} with {@code
 *       Authorization: Basic} (or without, for an anonymous token): {@code {token, access_token,
 *       expires_in, issued_at}}. Wrong credentials: 401.
 *   <li>{@code POST /token} with the OAuth2 form: {@code grant_type=password} ({@code username},
 *       {@code password}; {@code access_type=offline} adds a {@code refresh_token}) or {@code
 *       grant_type=refresh_token} ({@code refresh_token}); {@code scope} is space-separated. Wrong
 *       credentials, or a refresh token whose user is gone, disabled or has a new password: 400
 *       {@code invalid_grant}.
 *   <li>Too many failed passwords for the name or from the client's address ({@link LoginLimiter}):
 *       429 {@code TOOMANYREQUESTS} with {@code Retry-After}, in both forms.
 *   <li>Served at {@code /m/<id>/token} too (a tenant's realm): tokens issued there are bound to
 *       that prefix.
 * </ul>
 *
 * Each requested scope is granted as far as {@link AccessPolicy} allows (possibly not at all, which
 * is no error: the registry then answers {@code insufficient_scope}). The token's audience is the
 * address this request came to (host, and path prefix). Password checks and refresh look-ups run on
 * a worker thread. Nothing secret is logged.
 *
 * <p>Errors keep the shapes token clients expect, not {@code /api/v1/}'s: the registry's {@code
 * {"errors":[{"code","message"}]}} (as Docker's token servers answer; 401, 429, 405, 413, 500, and
 * requests naming another service), and for the OAuth2 form's refusals RFC 6749's {@code
 * {"error":"invalid_grant","error_description":"…"}} with 400. {@code error} and {@code oauthError}
 * write them, through {@code send}; nothing else writes an error.
 */
final class TokenEndpoint implements Handler<HttpServerRequest> {
  private static final Logger log = LoggerFactory.getLogger(TokenEndpoint.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_FORM = 64 * 1024;

  private final Vertx vertx;
  private final AuthService auth;
  private final Tokens tokens;
  private final AccessPolicy policy;
  private final TrustedProxies proxies;
  private final String service;
  private final LoginLimiter limiter;

  TokenEndpoint(
      Vertx vertx,
      AuthService auth,
      Tokens tokens,
      AccessPolicy policy,
      TrustedProxies proxies,
      String service,
      LoginLimiter limiter) {
    this.vertx = vertx;
    this.auth = auth;
    this.tokens = tokens;
    this.policy = policy;
    this.proxies = proxies;
    this.service = service;
    this.limiter = limiter;
  }

  @Override
  public void handle(HttpServerRequest request) {
    try {
      switch (request.method().name()) {
        case "GET" -> get(request);
        case "POST" -> readForm(request).onSuccess(form -> postSafely(request, form));
        default -> {
          request.response().putHeader("Allow", "GET, POST");
          error(request, 405, "UNSUPPORTED", "use GET or POST");
        }
      }
    } catch (RuntimeException e) {
      log.warn("token request failed: error={}", e.getClass().getName());
      error(request, 500, "UNKNOWN", "internal error");
    }
  }

  private void postSafely(HttpServerRequest request, Map<String, List<String>> form) {
    try {
      post(request, form);
    } catch (RuntimeException e) {
      log.warn("token request failed: error={}", e.getClass().getName());
      error(request, 500, "UNKNOWN", "internal error");
    }
  }

  private ClientAddress address(HttpServerRequest request) {
    String host = request.getHeader("Host");
    if (host == null && request.authority() != null) {
      host = request.authority().toString();
    }
    var remote = request.remoteAddress();
    // Served at <prefix>/token for a registry under a prefix: tokens are bound to that prefix.
    String path = request.path();
    String prefix = path.endsWith("/token") ? path.substring(0, path.length() - 6) : "";
    return ClientAddress.of(
        proxies,
        remote == null ? null : remote.hostAddress(),
        request.isSSL(),
        host,
        prefix,
        request::getHeader);
  }

  private void get(HttpServerRequest request) {
    ClientAddress address = address(request);
    if (address == null) {
      error(request, 400, "UNSUPPORTED", "a valid Host header is required");
      return;
    }
    if (!serviceMatches(request, request.getParam("service"))) {
      return;
    }
    List<Scope> scopes;
    try {
      scopes = Scope.parseAll(request.params().getAll("scope"));
    } catch (IllegalArgumentException e) {
      error(request, 400, "UNSUPPORTED", "invalid scope: " + e.getMessage());
      return;
    }
    String authorization = request.getHeader("Authorization");
    if (authorization == null) {
      issue(request, address, null, scopes, false);
      return;
    }
    String[] credentials = basic(authorization);
    if (credentials == null) {
      unauthorized(request, null, address);
      return;
    }
    String username = credentials[0];
    signIn(
        request,
        address,
        username,
        credentials[1],
        entry -> issue(request, address, entry, scopes, false),
        () -> unauthorized(request, username, address));
  }

  private void post(HttpServerRequest request, Map<String, List<String>> form) {
    ClientAddress address = address(request);
    if (address == null) {
      oauthError(request, "invalid_request", "a valid Host header is required");
      return;
    }
    if (!serviceMatches(request, first(form, "service"))) {
      return;
    }
    List<Scope> scopes;
    try {
      scopes = Scope.parseAll(form.getOrDefault("scope", List.of()));
    } catch (IllegalArgumentException e) {
      oauthError(request, "invalid_scope", e.getMessage());
      return;
    }
    String grant = first(form, "grant_type");
    if ("password".equals(grant)) {
      String username = first(form, "username");
      String password = first(form, "password");
      if (username == null || password == null) {
        oauthError(request, "invalid_request", "username and password are required");
        return;
      }
      boolean offline = "offline".equals(first(form, "access_type"));
      signIn(
          request,
          address,
          username,
          password,
          entry -> issue(request, address, entry, scopes, offline),
          () -> {
            log.info(
                "token request refused: user={} host={} reason=bad credentials",
                username,
                address.audience());
            oauthError(request, "invalid_grant", "invalid username or password");
          });
    } else if ("refresh_token".equals(grant)) {
      String refresh = first(form, "refresh_token");
      if (refresh == null) {
        oauthError(request, "invalid_request", "refresh_token is required");
        return;
      }
      Tokens.Refresh claims;
      try {
        claims = tokens.verifyRefresh(refresh, address.audience());
      } catch (Tokens.InvalidTokenException e) {
        log.info("refresh token refused: reason={} host={}", e.getMessage(), address.audience());
        oauthError(request, "invalid_grant", "invalid refresh token");
        return;
      }
      // The user is looked up again: a deleted or disabled user, or a new password, ends it.
      vertx
          .executeBlocking(() -> auth.stillValid(claims), false)
          .onComplete(
              ar -> {
                if (ar.failed()) {
                  log.warn(
                      "user directory failed: user={} error={}",
                      claims.subject(),
                      ar.cause().getClass().getName());
                  error(request, 500, "UNKNOWN", "internal error");
                } else if (ar.result().isEmpty()) {
                  log.info(
                      "refresh token refused: reason=user gone, disabled or new password"
                          + " user={} host={}",
                      claims.subject(),
                      address.audience());
                  oauthError(request, "invalid_grant", "invalid refresh token");
                } else {
                  issue(
                      request,
                      address,
                      new UserDirectory.Entry(ar.result().get(), null),
                      scopes,
                      false);
                }
              });
    } else {
      oauthError(request, "unsupported_grant_type", "grant_type is password or refresh_token");
    }
  }

  private boolean serviceMatches(HttpServerRequest request, String requested) {
    if (requested == null || requested.isEmpty() || requested.equals(service)) {
      return true;
    }
    error(request, 400, "UNSUPPORTED", "unknown service; this is " + service);
    return false;
  }

  /**
   * Checks a password under the login limiter: 429 {@code TOOMANYREQUESTS} with {@code Retry-After}
   * while the name or the client's address has failed too often; else {@code granted} or {@code
   * refused} (counted as a failure). The limiter and the check run on a worker thread.
   */
  private void signIn(
      HttpServerRequest request,
      ClientAddress address,
      String username,
      String password,
      Handler<UserDirectory.Entry> granted,
      Runnable refused) {
    var remote = request.remoteAddress();
    String ip =
        ClientAddress.clientIp(
            proxies,
            remote == null ? null : remote.hostAddress(),
            request.getHeader("X-Forwarded-For"));
    // The limiter and the directory both block: one trip to a worker for both.
    Future<SignIn> checked =
        vertx.executeBlocking(
            () -> {
              long wait = limiter.blockedSeconds(username, ip);
              if (wait > 0) {
                return new SignIn(wait, Optional.empty());
              }
              Optional<UserDirectory.Entry> entry = auth.signIn(username, password);
              if (entry.isEmpty()) {
                limiter.failed(username, ip);
              } else {
                limiter.succeeded(username);
              }
              return new SignIn(0, entry);
            },
            false);
    checked.onComplete(
        ar -> {
          if (ar.failed()) {
            log.warn(
                "user directory failed: user={} error={}",
                username,
                ar.cause().getClass().getName());
            error(request, 500, "UNKNOWN", "internal error");
          } else if (ar.result().waitSeconds() > 0) {
            log.info(
                "token request refused: user={} host={} reason=too many failures",
                username,
                address.audience());
            request.response().putHeader("Retry-After", Long.toString(ar.result().waitSeconds()));
            error(request, 429, "TOOMANYREQUESTS", "too many failed sign-ins; try again later");
          } else if (ar.result().entry().isEmpty()) {
            refused.run();
          } else {
            granted.handle(ar.result().entry().get());
          }
        });
  }

  /** A password check under the limiter: refused for some seconds, or the user (empty: wrong). */
  private record SignIn(long waitSeconds, Optional<UserDirectory.Entry> entry) {}

  /** A token for {@code entry}'s user (null: anonymous). */
  private void issue(
      HttpServerRequest request,
      ClientAddress address,
      UserDirectory.Entry entry,
      List<Scope> requested,
      boolean offline) {
    User user = entry == null ? null : entry.user();
    List<Scope> granted = new ArrayList<>();
    for (Scope s : requested) {
      Set<String> actions = policy.grant(user, s);
      if (!actions.isEmpty()) {
        granted.add(s.withActions(actions));
      }
    }
    String subject = user == null ? "" : user.name();
    Tokens.Minted minted = tokens.mint(subject, address.audience(), granted);
    ObjectNode body = JSON.createObjectNode();
    body.put("token", minted.token());
    body.put("access_token", minted.token());
    body.put("expires_in", minted.expiresIn().toSeconds());
    body.put("issued_at", DateTimeFormatter.ISO_INSTANT.format(minted.issuedAt()));
    if (!granted.isEmpty()) {
      body.put("scope", String.join(" ", granted.stream().map(Scope::toString).toList()));
    }
    if (offline && user != null && entry.passwordStamp() != null) {
      body.put(
          "refresh_token", tokens.mintRefresh(user, entry.passwordStamp(), address.audience()));
    }
    log.info(
        "token issued: user={} host={} requested={} granted={}",
        user == null ? "(anonymous)" : user.name(),
        address.audience(),
        requested.size(),
        granted);
    send(request, 200, body);
  }

  private void unauthorized(HttpServerRequest request, String username, ClientAddress address) {
    log.info(
        "token request refused: user={} host={} reason=bad credentials",
        username == null ? "(unreadable)" : username,
        address.audience());
    request.response().putHeader("WWW-Authenticate", "Basic realm=\"" + service + "\"");
    error(request, 401, "UNAUTHORIZED", "invalid username or password");
  }

  /** The registry's error shape: {@code {"errors":[{"code":"UNAUTHORIZED","message":"…"}]}}. */
  private void error(HttpServerRequest request, int status, String code, String message) {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode e = body.putArray("errors").addObject();
    e.put("code", code);
    e.put("message", message);
    send(request, status, body);
  }

  /** RFC 6749 section 5.2: 400 {@code {"error":"invalid_grant","error_description":"…"}}. */
  private void oauthError(HttpServerRequest request, String error, String description) {
    ObjectNode body = JSON.createObjectNode();
    body.put("error", error);
    body.put("error_description", description);
    send(request, 400, body);
  }

  private static void send(HttpServerRequest request, int status, ObjectNode body) {
    if (request.response().ended()) {
      return;
    }
    request
        .response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(Buffer.buffer(body.toString()));
  }

  /** {@code [user, password]} from {@code Authorization: Basic}, or null when it is not that. */
  static String[] basic(String authorization) {
    String a = authorization.trim();
    if (a.length() < 6 || !a.substring(0, 6).equalsIgnoreCase("basic ")) {
      return null;
    }
    String decoded;
    try {
      decoded =
          new String(Base64.getDecoder().decode(a.substring(6).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    int colon = decoded.indexOf(':');
    if (colon <= 0) {
      return null;
    }
    return new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
  }

  private Future<Map<String, List<String>>> readForm(HttpServerRequest request) {
    Buffer body = Buffer.buffer();
    boolean[] tooLarge = {false};
    request.handler(
        chunk -> {
          if (tooLarge[0]) {
            return;
          }
          if (body.length() + chunk.length() > MAX_FORM) {
            tooLarge[0] = true;
            error(request, 413, "UNSUPPORTED", "form too large");
            return;
          }
          body.appendBuffer(chunk);
        });
    io.vertx.core.Promise<Map<String, List<String>>> promise = io.vertx.core.Promise.promise();
    request.endHandler(
        v -> {
          if (!tooLarge[0]) {
            promise.tryComplete(parseForm(body.toString(StandardCharsets.UTF_8)));
          }
        });
    request.exceptionHandler(e -> promise.tryFail(e));
    return promise.future();
  }

  static Map<String, List<String>> parseForm(String form) {
    Map<String, List<String>> values = new LinkedHashMap<>();
    for (String pair : form.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      try {
        String key =
            URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String value =
            eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        values.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
      } catch (IllegalArgumentException e) {
        // a malformed escape: skip the pair
      }
    }
    return values;
  }

  private static String first(Map<String, List<String>> form, String key) {
    List<String> v = form.get(key);
    return v == null || v.isEmpty() ? null : v.get(0);
  }
}
