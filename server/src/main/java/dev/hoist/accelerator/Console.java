package dev.hoist.accelerator;

import static dev.hoist.web.Html.esc;

import dev.hoist.api.ApiError;
import dev.hoist.storage.AccountRecord;
import dev.hoist.web.Html;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The web console under {@code /console}: server-rendered HTML with plain forms (it works without
 * JavaScript), htmx to refresh the usage gauge and uPlot for the 30-day chart, both served from
 * their WebJars under {@code /webjars/}. Forms carry the session's CSRF token; the pages call the
 * same {@link Accounts} operations as the JSON API.
 */
final class Console {
  static final String HTMX = "/webjars/htmx.org/2.0.4/dist/htmx.min.js";
  static final String UPLOT_JS = "/webjars/uplot/1.6.30/dist/uPlot.iife.min.js";
  static final String UPLOT_CSS = "/webjars/uplot/1.6.30/dist/uPlot.min.css";

  private final AcceleratorConfig config;
  private final Web web;
  private final ApiHandler api;
  private final Accounts accounts;
  private final Sessions sessions;
  private final AccessTokens accessTokens;

  Console(
      AcceleratorConfig config,
      Web web,
      ApiHandler api,
      Accounts accounts,
      Sessions sessions,
      AccessTokens accessTokens) {
    this.accessTokens = accessTokens;
    this.config = config;
    this.web = web;
    this.api = api;
    this.accounts = accounts;
    this.sessions = sessions;
  }

  boolean handles(String path) {
    return path.equals("/console")
        || path.startsWith("/console/")
        || path.equals(HTMX)
        || path.equals(UPLOT_JS)
        || path.equals(UPLOT_CSS);
  }

  void handle(HttpServerRequest request) {
    String path = request.path();
    HttpServerResponse response = request.response();
    Future<?> done;
    try {
      if (path.startsWith("/webjars/")) {
        done = asset(request, path);
      } else {
        done = page(request, path);
      }
    } catch (RuntimeException e) {
      done = Future.failedFuture(e);
    }
    done.onFailure(
        e -> {
          if (response.ended()) {
            return;
          }
          if (e instanceof ApiError error && error.status() == 401) {
            redirect(response, "/console/login");
            return;
          }
          String message = e instanceof ApiError ? e.getMessage() : "Something went wrong.";
          int status = e instanceof ApiError error ? error.status() : 500;
          if (e instanceof ApiError error) {
            error.headers().forEach(response::putHeader);
          }
          html(
              response,
              status,
              layout(
                  "Error",
                  "<p class=error id=error>"
                      + esc(message)
                      + "</p>"
                      + "<p><a href=/console>Back</a></p>"));
        });
  }

  private Future<?> asset(HttpServerRequest request, String path) {
    String type = path.endsWith(".css") ? "text/css" : "text/javascript";
    return web.blocking(
            () -> {
              try (InputStream in =
                  Console.class.getResourceAsStream("/META-INF/resources" + path)) {
                if (in == null) {
                  throw new ApiError(404, "NOT_FOUND", "no such asset");
                }
                return in.readAllBytes();
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            })
        .map(
            bytes -> {
              request
                  .response()
                  .putHeader("Content-Type", type + "; charset=utf-8")
                  .putHeader("Cache-Control", "public, max-age=86400")
                  .end(Buffer.buffer(bytes));
              return null;
            });
  }

  private Future<?> page(HttpServerRequest request, String path) {
    HttpMethod method = request.method();
    HttpServerResponse response = request.response();
    Future<Map<String, String>> body =
        HttpMethod.POST.equals(method) ? web.fields(request) : Future.succeededFuture(Map.of());
    if (path.equals("/console/signup") && HttpMethod.GET.equals(method)) {
      String invite = request.getParam("invite");
      html(response, 200, signupPage(Map.of(), invite, null));
      return Future.succeededFuture();
    }
    if (path.equals("/console/signup") && HttpMethod.POST.equals(method)) {
      return body.compose(
          f ->
              web.blocking(() -> api.signUp(f))
                  .map(
                      in -> {
                        signedIn(request, in);
                        return null;
                      })
                  .recover(
                      e -> {
                        if (e instanceof ApiError error && error.status() < 500) {
                          html(
                              response,
                              error.status(),
                              signupPage(f, f.get("invite"), e.getMessage()));
                          return Future.succeededFuture();
                        }
                        return Future.failedFuture(e);
                      }));
    }
    if (path.equals("/console/login") && HttpMethod.GET.equals(method)) {
      html(response, 200, loginPage(null));
      return Future.succeededFuture();
    }
    if (path.equals("/console/login") && HttpMethod.POST.equals(method)) {
      return body.compose(
          f -> {
            String name = Accounts.normalize(f.get("email"));
            String address = ApiHandler.clientAddress(request);
            String password = f.get("password");
            return web.blocking(() -> api.signIn(name, password, address))
                .map(
                    outcome -> {
                      switch (outcome) {
                        case ApiHandler.SignIn.Blocked blocked -> {
                          response.putHeader("Retry-After", Long.toString(blocked.seconds()));
                          html(
                              response,
                              429,
                              loginPage("Too many failed attempts; try again later."));
                        }
                        case ApiHandler.SignIn.Refused refused ->
                            html(response, 401, loginPage("Wrong email, username or password."));
                        case ApiHandler.SignIn.Disabled disabled ->
                            html(response, 403, loginPage(Accounts.DISABLED_MESSAGE));
                        case ApiHandler.SignIn.SignedIn in -> signedIn(request, in);
                      }
                      return null;
                    });
          });
    }
    return api.session(request).compose(session -> signedInPage(request, path, body, session));
  }

  /** The pages that need a session. */
  private Future<?> signedInPage(
      HttpServerRequest request,
      String path,
      Future<Map<String, String>> body,
      Sessions.Session session) {
    HttpMethod method = request.method();
    HttpServerResponse response = request.response();
    if (HttpMethod.POST.equals(method)) {
      return body.compose(
          f -> {
            ApiHandler.checkCsrf(request, session, f.get("csrf"));
            return action(request, path, session, f);
          });
    }
    String id = session.accountId();
    if (path.equals("/console") || path.equals("/console/")) {
      return web.blocking(() -> dashboard(request, accounts.account(id), session))
          .map(page -> html(response, 200, page));
    }
    if (path.equals("/console/usage")) {
      return web.blocking(() -> usageFragment(accounts.account(id)))
          .map(page -> html(response, 200, page));
    }
    if (path.equals("/console/admin")) {
      return web.blocking(() -> adminPage(accounts.account(id), session))
          .map(page -> html(response, 200, page));
    }
    throw new ApiError(404, "NOT_FOUND", "no such page");
  }

  private Future<?> action(
      HttpServerRequest request, String path, Sessions.Session session, Map<String, String> f) {
    HttpServerResponse response = request.response();
    String id = session.accountId();
    if (path.equals("/console/logout")) {
      return web.blocking(
              () -> {
                sessions.end(session.token());
                return null;
              })
          .map(
              v -> {
                response.putHeader("Set-Cookie", sessions.cookie(null, web.secure(request)));
                return redirect(response, "/console/login");
              });
    }
    if (path.equals("/console/start")) {
      return web.blocking(() -> accounts.start(id)).map(a -> redirect(response, "/console"));
    }
    if (path.equals("/console/rotate")) {
      return web.blocking(() -> accounts.rotate(id)).map(a -> redirect(response, "/console"));
    }
    if (path.equals("/console/tokens")) {
      // The secret is in this response only: the store keeps its hash. Not cached (no-store).
      return web.blocking(() -> accessTokens.create(accounts.account(id), f.get("name")))
          .map(
              created ->
                  html(
                      response,
                      201,
                      layout(
                          "New access token",
                          DashboardSections.newToken(
                              created.token().name(),
                              created.secret(),
                              api.registryLogin(request, accounts.account(id))))));
    }
    if (path.startsWith("/console/tokens/") && path.endsWith("/revoke")) {
      String tokenId =
          path.substring("/console/tokens/".length(), path.length() - "/revoke".length());
      return web.blocking(
              () -> {
                accessTokens.revoke(accounts.account(id), tokenId);
                return null;
              })
          .map(v -> redirect(response, "/console"));
    }
    if (path.startsWith("/console/admin/accounts/")) {
      String target = path.substring("/console/admin/accounts/".length());
      return web.blocking(
              () -> {
                if (!accounts.account(id).admin()) {
                  throw new ApiError(403, "FORBIDDEN", "administrators only");
                }
                Long quota =
                    f.get("quotaBytes") == null || f.get("quotaBytes").isBlank()
                        ? null
                        : ApiHandler.parseQuota(f.get("quotaBytes"));
                Boolean disabled =
                    f.get("disabled") == null ? null : "true".equals(f.get("disabled"));
                return accounts.change(target, quota, disabled);
              })
          .map(a -> redirect(response, "/console/admin"));
    }
    throw new ApiError(404, "NOT_FOUND", "no such page");
  }

  private void signedIn(HttpServerRequest request, ApiHandler.SignIn.SignedIn in) {
    request.response().putHeader("Set-Cookie", sessions.cookie(in.session(), web.secure(request)));
    redirect(request.response(), "/console");
  }

  private String dashboard(HttpServerRequest request, AccountRecord a, Sessions.Session s) {
    StringBuilder b = new StringBuilder();
    b.append("<p>Signed in as <b id=account-email>").append(esc(a.email())).append("</b>");
    if (a.admin()) {
      b.append(" · <a href=/console/admin id=admin-link>Admin</a>");
    }
    b.append(" · ").append(form("/console/logout", s, "Log out", "logout")).append("</p>");
    b.append(DashboardSections.registry(api.registryLogin(request, a), a.username()));
    b.append("<h2>Your accelerator</h2>");
    if (a.tenantId() == null) {
      b.append("<p>Start your accelerator to get a personal mirror address.</p>")
          .append(form("/console/start", s, "Start your accelerator", "start"));
    } else {
      b.append(DashboardSections.mirror(api.snippets(request, a)))
          .append(
              form(
                  "/console/rotate",
                  s,
                  "Rotate the address (the old one stops working)",
                  "rotate"));
    }
    b.append(DashboardSections.tokens(accessTokens.list(a), s.csrf()));
    b.append("<h2>Usage</h2>").append(usageFragment(a));
    Accounts.Usage u = accounts.usage(a, ApiHandler.CHART_DAYS);
    StringBuilder days = new StringBuilder();
    StringBuilder bytes = new StringBuilder();
    for (var e : u.daily().entrySet()) {
      if (days.length() > 0) {
        days.append(',');
        bytes.append(',');
      }
      days.append(e.getKey().atStartOfDay(java.time.ZoneOffset.UTC).toEpochSecond());
      bytes.append(e.getValue());
    }
    b.append("<div id=chart data-days=\"")
        .append(days)
        .append("\" data-bytes=\"")
        .append(bytes)
        .append("\"></div>")
        .append("<script src=\"" + UPLOT_JS + "\"></script><script>")
        .append(
            "(function(){var el=document.getElementById('chart');"
                + "var d=el.dataset.days.split(',').map(Number);"
                + "var v=el.dataset.bytes.split(',').map(function(x){return Number(x)/1048576;});"
                + "new uPlot({title:'Traffic per day (MiB), last 30 days',width:640,height:240,"
                + "series:[{},{label:'MiB',stroke:'#2a6fdb',fill:'rgba(42,111,219,0.15)'}]},"
                + "[d,v],el);})();")
        .append("</script>");
    b.append("<h2>Invite friends</h2><p>You and each friend who signs up with your link get ")
        .append(Html.human(config.inviteBonusBytes()))
        .append(" more.</p>");
    String base =
        config.publicUrl() != null
            ? config.publicUrl()
            : (web.secure(request) ? "https" : "http") + "://" + web.publicHost(request);
    b.append("<p>Your link: <code id=invite-link>")
        .append(esc(base + "/console/signup?invite=" + a.inviteCode()))
        .append("</code></p><ul id=friends>");
    for (AccountRecord f : accounts.invitees(a.id())) {
      b.append("<li>").append(esc(f.email())).append("</li>");
    }
    b.append("</ul>");
    return layout("Hoist accelerator", b.toString());
  }

  private String usageFragment(AccountRecord a) {
    Accounts.Usage u = accounts.usage(a, 1);
    return DashboardSections.usage(u.used(), u.limit(), api.nextReset());
  }

  private String adminPage(AccountRecord me, Sessions.Session s) {
    if (!me.admin()) {
      throw new ApiError(403, "FORBIDDEN", "administrators only");
    }
    StringBuilder b =
        new StringBuilder(
            "<p><a href=/console>Back</a></p><table id=tenants><tr><th>Email</th>"
                + "<th>Username</th><th>Tenant</th><th>Used</th>"
                + "<th>Limit (10GiB, 512MiB or bytes)</th>"
                + "<th>Status</th></tr>");
    for (Object[] row : accounts.withUsage()) {
      AccountRecord a = (AccountRecord) row[0];
      long used = (Long) row[1];
      String action = "/console/admin/accounts/" + a.id();
      b.append("<tr><td>")
          .append(esc(a.email()))
          .append("</td><td>")
          .append(esc(a.username()))
          .append("</td><td><code>")
          .append(a.tenantId() == null ? "-" : esc(a.tenantId()))
          .append("</code></td><td>")
          .append(Html.human(used))
          .append("</td><td><form method=post action=\"")
          .append(action)
          .append("\"><input type=hidden name=csrf value=\"")
          .append(s.csrf())
          .append("\"><input name=quotaBytes size=14 value=\"")
          .append(Sizes.exact(a.quotaBytes()))
          .append("\"><button>Set</button></form></td><td><form method=post action=\"")
          .append(action)
          .append("\"><input type=hidden name=csrf value=\"")
          .append(s.csrf())
          .append("\"><input type=hidden name=disabled value=\"")
          .append(!a.disabled())
          .append("\">")
          .append(a.disabled() ? "disabled " : "active ")
          .append("<button>")
          .append(a.disabled() ? "Enable" : "Disable")
          .append("</button></form></td></tr>");
    }
    b.append("</table>");
    return layout("Tenants", b.toString());
  }

  /** The sign-up form; {@code entered} refills what was typed when it comes back with an error. */
  private String signupPage(Map<String, String> entered, String invite, String error) {
    return layout(
        "Sign up",
        (error == null ? "" : "<p class=error id=error>" + esc(error) + "</p>")
            + "<form method=post action=/console/signup>"
            + "<p><label>Email <input id=email name=email type=email required value=\""
            + esc(entered.getOrDefault("email", ""))
            + "\"></label></p>"
            + "<p><label>Username <input id=username name=username required minlength="
            + Username.MIN_LENGTH
            + " maxlength="
            + Username.MAX_LENGTH
            + " autocapitalize=none spellcheck=false"
            // Docker's path component grammar, written without character classes so that the
            // browser's pattern (v flag) reads it the same way.
            + " pattern=\"[a-z0-9]+((\\.|_|__|-*)[a-z0-9]+)*\" value=\""
            + esc(entered.getOrDefault("username", ""))
            + "\"></label><br><small>Your registry namespace: you push to"
            + " <code>&lt;registry&gt;/&lt;username&gt;/app</code>. "
            + esc(Username.RULE)
            + ".</small></p>"
            + "<p><label>Password <input id=password name=password type=password minlength=8 "
            + "required></label></p>"
            + (invite == null || invite.isBlank()
                ? (config.signupOpen() ? "" : "<p>Sign-up needs an invitation link.</p>")
                : "<input type=hidden name=invite value=\""
                    + esc(invite)
                    + "\">"
                    + "<p>Invited: you both get "
                    + Html.human(config.inviteBonusBytes())
                    + " more.</p>")
            + "<p><button id=signup-submit>Sign up</button></p></form>"
            + "<p>Have an account? <a href=/console/login>Log in</a></p>");
  }

  private String loginPage(String error) {
    return layout(
        "Log in",
        (error == null ? "" : "<p class=error id=error>" + esc(error) + "</p>")
            + "<form method=post action=/console/login>"
            + "<p><label>Email or username <input id=email name=email required"
            + " autocapitalize=none spellcheck=false></label></p>"
            + "<p><label>Password <input id=password name=password type=password required>"
            + "</label></p><p><button id=login-submit>Log in</button></p></form>"
            + "<p>New here? <a href=/console/signup>Sign up</a></p>");
  }

  private static String form(String action, Sessions.Session s, String label, String id) {
    return "<form method=post action="
        + action
        + " style=display:inline>"
        + "<input type=hidden name=csrf value=\""
        + s.csrf()
        + "\">"
        + "<button id="
        + id
        + ">"
        + esc(label)
        + "</button></form>";
  }

  private static String layout(String title, String body) {
    return "<!doctype html><html lang=en><head><meta charset=utf-8>"
        + "<meta name=viewport content=\"width=device-width, initial-scale=1\">"
        + "<title>"
        + esc(title)
        + "</title>"
        + "<link rel=stylesheet href=\""
        + UPLOT_CSS
        + "\">"
        + "<script src=\""
        + HTMX
        + "\"></script>"
        + "<style>body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;"
        + "padding:0 1rem}pre{background:#f4f4f4;padding:.6rem;overflow:auto}"
        + "meter{width:20rem}.error,.warning{color:#b00}td,th{padding:.2rem .6rem;text-align:left}</style>"
        + "</head><body><h1>"
        + esc(title)
        + "</h1>"
        + body
        + "</body></html>";
  }

  private static Void html(HttpServerResponse response, int status, String page) {
    response
        .setStatusCode(status)
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Frame-Options", "DENY")
        .putHeader(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'")
        .end(Buffer.buffer(page.getBytes(StandardCharsets.UTF_8)));
    return null;
  }

  private static Void redirect(HttpServerResponse response, String location) {
    response.setStatusCode(303).putHeader("Location", location).end();
    return null;
  }
}
