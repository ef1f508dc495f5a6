package dev.hoist.ui;

import dev.hoist.pipeline.Call;
import dev.hoist.web.Html;
import dev.hoist.web.Viewer;
import io.vertx.core.http.HttpMethod;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two routes of the "ui" stage: {@code /ui/mirror} (the {@link MirrorDashboard}) and {@code
 * /ui/sync} (the {@link SyncPage}, and its "Run now" form's POST). A page of a part the server does
 * not have (no mirror, sync pages off) is a 404 page; with auth, a visitor who has not signed in
 * gets a 401 page pointing to the sign-in.
 *
 * <p>"Run now" is an admin's POST carrying the page's form token ({@link Pages#csrfMatches});
 * anything else is refused before sync is asked for anything.
 */
public final class StatusPages {
  private static final Logger log = LoggerFactory.getLogger(StatusPages.class);

  private final Pages pages;
  private final InstantSource clock;
  private final @Nullable MirrorDashboard dashboard;
  private final @Nullable SyncControl sync;
  private final SyncPage syncPage;

  /**
   * @param data the mirror's numbers, or null without a mirror
   * @param sync the rules and runs, or null when the sync pages are off
   */
  public StatusPages(
      Pages pages, InstantSource clock, @Nullable DashboardData data, @Nullable SyncControl sync) {
    this.pages = pages;
    this.clock = clock;
    this.dashboard = data == null ? null : new MirrorDashboard(pages.layout(), data, clock);
    this.sync = sync;
    this.syncPage = new SyncPage(pages.layout());
  }

  /** The two pages, for {@link WebUi#stage}. */
  public List<PageRoute> routes() {
    return List.of(
        new PageRoute(MirrorDashboard.PATH, signedIn((call, viewer, form) -> mirror(call))),
        new PageRoute(SyncPage.PATH, signedIn(this::sync)));
  }

  /** A page only for visitors who signed in (or everyone, on a server without auth). */
  private Page signedIn(Page page) {
    return (call, viewer, form) -> {
      if (!viewer.signedIn() && !viewer.admin()) {
        message(
            call,
            401,
            "Sign in",
            "<p>Sign in to see this page.</p><p><a role=button href=\""
                + SignInPage.SIGN_IN
                + "\">Sign in</a></p>");
      } else {
        page.handle(call, viewer, form);
      }
    };
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

  private void sync(Call call, Viewer viewer, Map<String, String> form) {
    HttpMethod method = call.request().method();
    if (sync == null) {
      notFound(call, "Sync is off on this server.");
    } else if (method.equals(HttpMethod.POST)) {
      runNow(call, viewer, form, sync);
    } else if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
      notAllowed(call, "GET, HEAD, POST");
    } else {
      String started = call.request().getParam("started");
      String token = viewer.admin() ? Pages.formToken(call.request(), call.response(), viewer) : "";
      pages
          .blocking(sync::rules)
          .onComplete(
              rules -> {
                if (rules.failed()) {
                  failed(call, "listing sync rules", rules.cause());
                } else {
                  Html.send(
                      call.response(),
                      200,
                      syncPage.page(rules.result(), viewer, token, clock.instant(), started));
                }
              });
    }
  }

  /**
   * "Run now": an admin's form with the page's token; refused before sync hears of it otherwise.
   */
  private void runNow(Call call, Viewer viewer, Map<String, String> form, SyncControl sync) {
    String rule = form.get("rule");
    if (!viewer.admin()) {
      message(call, 403, "Not allowed", "<p>Only admins may start sync runs.</p>");
    } else if (!Pages.csrfMatches(call.request(), viewer, form)) {
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
      pages
          .blocking(() -> sync.runNow(rule))
          .onComplete(
              started -> {
                if (started.failed()) {
                  failed(call, "starting a sync run", started.cause());
                } else if (!started.result()) {
                  notFound(call, "There is no sync rule " + rule + ".");
                } else {
                  log.info(
                      "sync run started from the page: rule={} user={}", rule, viewer.username());
                  Html.redirect(
                      call.response(),
                      SyncPage.PATH
                          + "?started="
                          + URLEncoder.encode(rule, StandardCharsets.UTF_8));
                }
              });
    }
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
    Html.send(call.response(), status, pages.layout().page(title, null, "", body));
  }
}
