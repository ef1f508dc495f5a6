package dev.hoist.ui;

import dev.hoist.pipeline.Call;
import dev.hoist.web.Forms;
import dev.hoist.web.Html;
import dev.hoist.web.Layout;
import dev.hoist.web.Viewer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * What the pages of this package share: the layout, blocking work off the event loop, form bodies,
 * cookies, the CSRF check, and the standard answers (404, 500). One instance, made by the
 * composition root, given to every page.
 */
public final class Pages {
  /** A form body larger than this is refused: the pages' forms hold a few short fields. */
  static final int MAX_FORM = 16 * 1024;

  private final Vertx vertx;
  private final Layout layout;

  public Pages(Vertx vertx, Layout layout) {
    this.vertx = vertx;
    this.layout = layout;
  }

  Layout layout() {
    return layout;
  }

  /** Runs {@code work} on a worker thread (JDBC, password hashing), unordered. */
  <T> Future<T> blocking(Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }

  /**
   * Ends the call with a whole page of {@code status}; with auth, the page starts with who is
   * signed in and a sign-out button, or a sign-in link.
   */
  void send(Call call, Viewer viewer, int status, String title, String current, String body) {
    Html.send(
        call.response(), status, layout.page(title, current, "", account(call, viewer) + body));
  }

  private static String account(Call call, Viewer viewer) {
    if (viewer.admin() && !viewer.signedIn()) {
      return ""; // A server without auth: nobody signs in.
    }
    if (!viewer.signedIn()) {
      return "<p class=account><a id=sign-in-link href=\""
          + SignInPage.SIGN_IN
          + "\">Sign in</a></p>";
    }
    return "<form class=account method=post action=\""
        + SignInPage.SIGN_OUT
        + "\">Signed in as <strong id=signed-in-user>"
        + Html.esc(viewer.username())
        + "</strong>"
        + (viewer.admin() ? " (admin)" : "")
        + " "
        + csrfField(call.request(), call.response(), viewer)
        + "<button type=submit class=\"secondary outline\" id=sign-out>Sign out</button></form>";
  }

  private void send(HttpServerResponse response, int status, String title, String body) {
    Html.send(response, status, layout.page(title, null, "", body));
  }

  /** 404 with a page that says only that: the same for a name that is missing or hidden. */
  void notFound(HttpServerResponse response) {
    send(
        response,
        404,
        "Not found",
        "<p id=not-found>There is nothing here, or you may not see it."
            + " <a href=\"/ui/\">Repositories</a></p>");
  }

  void failed(HttpServerResponse response) {
    if (response.ended()) {
      return;
    }
    send(response, 500, "Something went wrong", "<p>The server could not answer. Try again.</p>");
  }

  /** The fields of an urlencoded form body (empty for another type), or a failed future. */
  Future<Map<String, String>> form(HttpServerRequest request) {
    return request
        .body()
        .map(
            buffer -> {
              if (buffer.length() > MAX_FORM) {
                throw new IllegalArgumentException("form too large");
              }
              String type = request.getHeader("Content-Type");
              if (type == null || !type.startsWith("application/x-www-form-urlencoded")) {
                return new HashMap<String, String>();
              }
              return Forms.urlEncoded(buffer.toString(StandardCharsets.UTF_8));
            });
  }

  /**
   * The cookie that carries a form token for a viewer without a session (an anonymous visitor's
   * sign-in form; every visitor of a server without auth): the form must echo it (double submit),
   * which a page of another site cannot read.
   */
  static final String FORM_COOKIE = "hoist_form";

  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * The token a form of this page must carry: the session's CSRF token, else the form cookie's (set
   * on {@code response} when the visitor has none yet).
   */
  static String formToken(HttpServerRequest request, HttpServerResponse response, Viewer viewer) {
    if (!viewer.csrf().isEmpty()) {
      return viewer.csrf();
    }
    String token = cookie(request, FORM_COOKIE);
    if (token == null || token.length() < 20) {
      token = randomToken();
      response.putHeader(
          "Set-Cookie",
          FORM_COOKIE
              + "="
              + token
              + "; Path=/ui/; HttpOnly; SameSite=Strict"
              + (request.isSSL() ? "; Secure" : ""));
    }
    return token;
  }

  /** The hidden field that carries {@link #formToken} in a form. */
  static String csrfField(HttpServerRequest request, HttpServerResponse response, Viewer viewer) {
    return "<input type=hidden name=csrf value=\""
        + Html.esc(formToken(request, response, viewer))
        + "\">";
  }

  /**
   * Whether a form carries the token {@link #formToken} gave (compared in constant time); a form
   * without one, or with another, changes nothing.
   */
  static boolean csrfMatches(HttpServerRequest request, Viewer viewer, Map<String, String> form) {
    String sent = form.get("csrf");
    String expected = viewer.csrf().isEmpty() ? cookie(request, FORM_COOKIE) : viewer.csrf();
    if (sent == null || expected == null || expected.isEmpty()) {
      return false;
    }
    return MessageDigest.isEqual(
        sent.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
  }

  /** 32 random bytes, URL-safe Base64: session and form tokens. */
  static String randomToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * A cookie's value, or null. HTTP/2 clients may split cookies over several {@code Cookie}
   * headers, so every one is read.
   */
  static String cookie(HttpServerRequest request, String name) {
    for (String header : request.headers().getAll("Cookie")) {
      for (String part : header.split(";")) {
        String p = part.trim();
        if (p.startsWith(name + "=")) {
          String value = p.substring(name.length() + 1);
          // RFC 6265 allows a quoted value (clients sending RFC 2965 cookies quote them).
          boolean quoted = value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"");
          return quoted ? value.substring(1, value.length() - 1) : value;
        }
      }
    }
    return null;
  }
}
