package dev.hoist.ui;

import dev.hoist.pipeline.Call;
import dev.hoist.pipeline.Stage;
import dev.hoist.web.Html;
import dev.hoist.web.Layout;
import dev.hoist.web.Viewer;
import dev.hoist.web.Viewers;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.InstantSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "status pages" stage: {@code /ui/mirror} (the {@link MirrorDashboard}) and {@code /ui/sync}
 * (the {@link SyncPage}, and its "Run now" form's POST). Every other path passes on. A page of a
 * part the server does not have (no mirror, sync pages off) is a 404 page; with auth, a visitor who
 * has not signed in gets a 401 page pointing to the sign-in.
 *
 * <p>"Run now" is an admin's POST carrying the viewer's CSRF token; anything else is refused before
 * sync is asked for anything.
 */
public final class StatusPages {
  private static final Logger log = LoggerFactory.getLogger(StatusPages.class);
  static final String SIGN_IN_PATH = "/ui/login";

  private final Vertx vertx;
  private final Layout layout;
  private final Viewers viewers;
  private final InstantSource clock;
  private final @Nullable MirrorDashboard dashboard;
  private final @Nullable SyncControl sync;
  private final SyncPage syncPage;

  /**
   * @param data the mirror's numbers, or null without a mirror
   * @param sync the rules and runs, or null when the sync pages are off
   */
  public StatusPages(
      Vertx vertx,
      Layout layout,
      Viewers viewers,
      InstantSource clock,
      @Nullable DashboardData data,
      @Nullable SyncControl sync) {
    this.vertx = vertx;
    this.layout = layout;
    this.viewers = viewers;
    this.clock = clock;
    this.dashboard = data == null ? null : new MirrorDashboard(layout, data, clock);
    this.sync = sync;
    this.syncPage = new SyncPage(layout);
  }

  public Stage stage() {
    return (call, next) -> {
      String path = call.context().path();
      if (path.equals(MirrorDashboard.PATH)) {
        withViewer(call, viewer -> mirror(call));
      } else if (path.equals(SyncPage.PATH)) {
        withViewer(call, viewer -> sync(call, viewer));
      } else {
        next.handle(call);
      }
    };
  }

  private interface Page {
    void show(Viewer viewer);
  }

  /** Finds the viewer; one who has not signed in on a server with auth is sent to sign in. */
  private void withViewer(Call call, Page page) {
    HttpServerRequest request = call.request();
    // The body (a form) must not flow before it has a handler.
    request.pause();
    viewers
        .of(request)
        .onComplete(
            done -> {
              Viewer viewer = done.succeeded() ? done.result() : Viewer.ANONYMOUS;
              if (!viewer.signedIn() && !viewer.admin()) {
                message(
                    call,
                    401,
                    "Sign in",
                    "<p>Sign in to see this page.</p><p><a role=button href=\""
                        + SIGN_IN_PATH
                        + "\">Sign in</a></p>");
              } else {
                page.show(viewer);
              }
              // After the page set its body handlers (a form's POST), or answered.
              request.resume();
            });
  }

  private void mirror(Call call) {
    HttpMethod method = call.request().method();
    if (dashboard == null) {
      notFound(call, "This server has no mirror.");
    } else if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
      notAllowed(call, "GET, HEAD");
    } else if (MirrorDashboard.LIVE_QUERY.equals(call.request().query())) {
      Html.send(call.response(), 200, dashboard.live());
    } else {
      Html.send(call.response(), 200, dashboard.page());
    }
  }

  private void sync(Call call, Viewer viewer) {
    HttpMethod method = call.request().method();
    if (sync == null) {
      notFound(call, "Sync is off on this server.");
    } else if (method.equals(HttpMethod.POST)) {
      runNow(call, viewer, sync);
    } else if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
      notAllowed(call, "GET, HEAD, POST");
    } else {
      String started = call.request().getParam("started");
      vertx
          .executeBlocking(sync::rules, false)
          .onComplete(
              rules -> {
                if (rules.failed()) {
                  failed(call, "listing sync rules", rules.cause());
                } else {
                  Html.send(
                      call.response(),
                      200,
                      syncPage.page(rules.result(), viewer, clock.instant(), started));
                }
              });
    }
  }

  /**
   * "Run now": an admin's form with their CSRF token; refused before sync hears of it otherwise.
   */
  private void runNow(Call call, Viewer viewer, SyncControl sync) {
    HttpServerRequest request = call.request();
    request.setExpectMultipart(true);
    request
        .end()
        .onFailure(e -> message(call, 400, "Bad request", "<p>The form could not be read.</p>"))
        .onSuccess(
            v -> {
              String token = request.getFormAttribute("csrf");
              String rule = request.getFormAttribute("rule");
              if (!viewer.admin()) {
                message(call, 403, "Not allowed", "<p>Only admins may start sync runs.</p>");
              } else if (!sameToken(viewer.csrf(), token)) {
                message(
                    call,
                    403,
                    "Form expired",
                    "<p>The form was not sent from this page, or has expired. <a href=\""
                        + SyncPage.PATH
                        + "\">Reload the sync page</a> and try again.</p>");
              } else if (rule == null || rule.isEmpty()) {
                message(call, 400, "Bad request", "<p>The form names no rule.</p>");
              } else {
                vertx
                    .executeBlocking(() -> sync.runNow(rule), false)
                    .onComplete(
                        started -> {
                          if (started.failed()) {
                            failed(call, "starting a sync run", started.cause());
                          } else if (!started.result()) {
                            notFound(call, "There is no sync rule " + rule + ".");
                          } else {
                            log.info(
                                "sync run started from the page: rule={} user={}",
                                rule,
                                viewer.username());
                            Html.redirect(
                                call.response(),
                                SyncPage.PATH
                                    + "?started="
                                    + URLEncoder.encode(rule, StandardCharsets.UTF_8));
                          }
                        });
              }
            });
  }

  /** Equal and not empty, compared in constant time. */
  static boolean sameToken(String expected, @Nullable String given) {
    if (expected.isEmpty() || given == null) {
      return false;
    }
    return MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
  }

  private void notFound(Call call, String text) {
    message(call, 404, "Not found", "<p>" + Html.esc(text) + "</p>");
  }

  private void notAllowed(Call call, String allow) {
    call.response().putHeader("Allow", allow);
    message(call, 405, "Method not allowed", "<p>This page answers " + allow + ".</p>");
  }

  private void failed(Call call, String action, Throwable cause) {
    log.warn("status page failed: action={} error={}", action, cause.toString());
    message(call, 500, "Something went wrong", "<p>Hoist failed " + Html.esc(action) + ".</p>");
  }

  private void message(Call call, int status, String title, String body) {
    Html.send(call.response(), status, layout.page(title, null, "", body));
  }
}
