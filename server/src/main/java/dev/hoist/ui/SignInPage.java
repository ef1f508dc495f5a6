package dev.hoist.ui;

import static dev.hoist.web.Html.esc;

import dev.hoist.auth.AuthService;
import dev.hoist.auth.LoginLimiter;
import dev.hoist.auth.User;
import dev.hoist.pipeline.Call;
import dev.hoist.web.Html;
import dev.hoist.web.Viewer;
import io.vertx.core.http.HttpMethod;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signing in to the pages ({@code /ui/signin}: a form with labelled fields, CSRF-protected by a
 * double-submit cookie since there is no session yet) and out ({@code /ui/signout}: a POST with the
 * session's CSRF token). Passwords are checked by the same directories as {@code /token}, under the
 * same {@link LoginLimiter}: guesses here and there count together.
 */
final class SignInPage implements Page {
  private static final Logger log = LoggerFactory.getLogger(SignInPage.class);
  static final String SIGN_IN = "/ui/signin";
  static final String SIGN_OUT = "/ui/signout";

  /** Where a sign-in may send the browser next: a page of the UI, nowhere else. */
  private static final Pattern NEXT = Pattern.compile("/ui/[A-Za-z0-9._~/?=&:%+-]*");

  private final Pages pages;
  private final UiSessions sessions;
  private final AuthService auth;
  private final LoginLimiter limiter;

  SignInPage(Pages pages, UiSessions sessions, AuthService auth, LoginLimiter limiter) {
    this.pages = pages;
    this.sessions = sessions;
    this.auth = auth;
    this.limiter = limiter;
  }

  /** The routes this page answers. */
  List<PageRoute> routes() {
    return List.of(new PageRoute(SIGN_IN, this), new PageRoute(SIGN_OUT, this));
  }

  /** What a password check gave: a session, a refusal, or a wait (too many failures). */
  private record Outcome(UiSessions.Session session, long waitSeconds) {}

  @Override
  public void handle(Call call, Viewer viewer, Map<String, String> form) {
    boolean post = call.request().method() == HttpMethod.POST;
    String path = call.context().path();
    if (path.equals(SIGN_OUT) && post) {
      signOut(call, viewer, form);
    } else if (path.equals(SIGN_IN) && post) {
      signIn(call, viewer, form);
    } else if (path.equals(SIGN_IN)) {
      form(call, viewer, 200, "", next(call.request().getParam("next")), "");
    } else {
      pages.notFound(call.response());
    }
  }

  private void form(
      Call call, Viewer viewer, int status, String username, String next, String error) {
    if (viewer.signedIn()) {
      pages.send(
          call,
          viewer,
          200,
          "Sign in",
          null,
          "<p>You are signed in. <a href=\"" + esc(next) + "\">Continue</a></p>");
      return;
    }
    String body =
        (error.isEmpty() ? "" : "<p id=error class=error role=alert>" + esc(error) + "</p>")
            + "<form method=post action=\""
            + SIGN_IN
            + "\">"
            + Pages.csrfField(call.request(), call.response(), viewer)
            + "<input type=hidden name=next value=\""
            + esc(next)
            + "\"><label for=username>Username</label>"
            + "<input id=username name=username autocomplete=username required autofocus"
            + " value=\""
            + esc(username)
            + "\"><label for=password>Password</label>"
            + "<input id=password name=password type=password autocomplete=current-password"
            + " required><button type=submit id=sign-in-submit>Sign in</button></form>";
    pages.send(call, viewer, status, "Sign in", null, body);
  }

  private void signIn(Call call, Viewer viewer, Map<String, String> form) {
    String username = Optional.ofNullable(form.get("username")).orElse("").trim();
    String password = Optional.ofNullable(form.get("password")).orElse("");
    String next = next(form.get("next"));
    if (!Pages.csrfMatches(call.request(), viewer, form)) {
      form(call, viewer, 403, username, next, "The form expired. Please try again.");
      return;
    }
    if (username.isEmpty() || password.isEmpty()) {
      form(call, viewer, 400, username, next, "Enter your username and password.");
      return;
    }
    String ip = auth.clientIp(call.request());
    pages
        .blocking(() -> check(username, password, ip))
        .onSuccess(outcome -> answer(call, viewer, username, next, outcome))
        .onFailure(
            e -> {
              log.warn("sign-in failed: error={}", e.getClass().getName());
              pages.failed(call.response());
            });
  }

  /** The limiter and the directory both block: one trip to a worker for both. */
  private Outcome check(String username, String password, String ip) {
    long wait = limiter.blockedSeconds(username, ip);
    if (wait > 0) {
      return new Outcome(null, wait);
    }
    Optional<User> user = auth.authenticate(username, password);
    if (user.isEmpty()) {
      limiter.failed(username, ip);
      return new Outcome(null, 0);
    }
    limiter.succeeded(username);
    return new Outcome(sessions.create(user.get().name()), 0);
  }

  private void answer(Call call, Viewer viewer, String username, String next, Outcome outcome) {
    if (outcome.waitSeconds() > 0) {
      log.info("web sign-in refused: user={} reason=too many failures", username);
      call.response().putHeader("Retry-After", Long.toString(outcome.waitSeconds()));
      form(call, viewer, 429, username, next, "Too many failed sign-ins. Try again later.");
    } else if (outcome.session() == null) {
      log.info("web sign-in refused: user={} reason=wrong name or password", username);
      form(call, viewer, 401, username, next, "Wrong username or password.");
    } else {
      log.info("web sign-in: user={}", outcome.session().username());
      call.response()
          .putHeader("Set-Cookie", UiSessions.cookie(outcome.session(), call.request().isSSL()));
      Html.redirect(call.response(), next);
    }
  }

  private void signOut(Call call, Viewer viewer, Map<String, String> form) {
    if (!viewer.signedIn() || !Pages.csrfMatches(call.request(), viewer, form)) {
      Html.redirect(call.response(), "/ui/");
      return;
    }
    String token = Pages.cookie(call.request(), UiSessions.COOKIE);
    pages
        .blocking(
            () -> {
              sessions.end(token);
              return null;
            })
        .onComplete(
            ar -> {
              call.response()
                  .putHeader("Set-Cookie", UiSessions.cookie(null, call.request().isSSL()));
              Html.redirect(call.response(), "/ui/");
            });
  }

  private static String next(String requested) {
    return requested != null && NEXT.matcher(requested).matches() && !requested.contains("//")
        ? requested
        : "/ui/";
  }
}
