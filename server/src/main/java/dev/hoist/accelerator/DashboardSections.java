package dev.hoist.accelerator;

import static dev.hoist.web.Html.esc;

import dev.hoist.storage.AccessTokenRecord;
import dev.hoist.web.Html;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * The parts of the console's dashboard that only show what they are given: the account's registry
 * namespace with its push and login lines, the tenant's mirror address with its client snippets,
 * and the usage gauge. They say only what works: no login lines without auth (any password would
 * "succeed"), no Docker snippet with a path in it (the daemon refuses one). Every snippet has a
 * stable element id so that copy buttons can find it.
 */
final class DashboardSections {
  private DashboardSections() {}

  static String registry(RegistryLogin login, String username) {
    StringBuilder b = new StringBuilder("<h2>Your registry</h2>");
    b.append("<p>Username: <b id=account-username>").append(esc(username)).append("</b></p>");
    if (login.namespace() == null) {
      b.append(
              "<p id=username-reserved>This registry's configuration now reserves your username,"
                  + " so you have no namespace of your own; you sign in as <code>")
          .append(esc(login.user()))
          .append("</code>. Ask an operator.</p>");
    } else {
      b.append("<p>Push your images under <code id=namespace>")
          .append(esc(login.namespace()))
          .append("/</code>, for example:</p><pre id=snippet-push>")
          .append(esc(login.pushExample()))
          .append("</pre>");
    }
    if (login.authRequired()) {
      b.append("<p>Sign in with your password (username or email) or an access token:</p>")
          .append("<pre id=docker-login>")
          .append(esc(login.dockerLogin()))
          .append("</pre><pre id=skopeo-login>")
          .append(esc(login.skopeoLogin()))
          .append("</pre>");
    } else {
      b.append(
          "<p class=warning id=auth-off-warning>This registry runs without authentication:"
              + " anyone who reaches it may pull and push under any name, including yours, and"
              + " <code>docker login</code> accepts any password. Ask the operator to configure"
              + " <code>auth</code>.</p>");
    }
    if (login.insecure()) {
      b.append(
          "<p>This registry is served over plain HTTP: Docker needs its address in"
              + " <code>insecure-registries</code> (except on localhost).</p>");
    }
    return b.toString();
  }

  /** The tenant's addresses and a snippet for each client that can use one. */
  static String mirror(Snippets sn) {
    StringBuilder b = new StringBuilder();
    if (sn.hostAddress() != null) {
      b.append("<p>Address: <code id=address>").append(esc(sn.hostAddress())).append("</code></p>");
    }
    b.append("<p>Path form (containerd, podman, any client but Docker): <code id=path-address>")
        .append(esc(sn.pathAddress()))
        .append("</code></p><h3>Docker: /etc/docker/daemon.json</h3>");
    if (sn.daemonJson() != null) {
      b.append("<pre id=snippet-docker>").append(esc(sn.daemonJson())).append("</pre>");
    } else {
      b.append("<p class=warning id=snippet-docker-missing>")
          .append(esc(Snippets.DOCKER_NEEDS_BASE_DOMAIN))
          .append("</p>");
    }
    return b.append("<h3>containerd: hosts.toml</h3><pre id=snippet-containerd>")
        .append(esc(sn.hostsToml()))
        .append("</pre><h3>podman: registries.conf</h3><pre id=snippet-podman>")
        .append(esc(sn.registriesConf()))
        .append("</pre>")
        .toString();
  }

  /**
   * The gauge, in human units, with the reset date of the period, or "lifetime total" without a
   * period (the quota then only grows by invitations or an admin).
   */
  static String usage(long used, long limit, Optional<Instant> reset) {
    long percent = limit == 0 ? 100 : Math.min(100, Math.round(used * 100.0 / limit));
    String period =
        reset
            .map(
                r ->
                    " this period · resets on <time id=resets datetime=\""
                        + LocalDate.ofInstant(r, ZoneOffset.UTC)
                        + "\">"
                        + LocalDate.ofInstant(r, ZoneOffset.UTC)
                        + "</time>")
            .orElse(" · <span id=lifetime>a lifetime total, no reset</span>");
    return "<div id=usage hx-get=/console/usage hx-trigger=\"every 5s\" hx-swap=outerHTML>"
        + "<meter id=gauge min=0 max=\""
        + limit
        + "\" value=\""
        + used
        + "\"></meter> <span id=used>"
        + Html.human(used)
        + "</span> of <span id=limit>"
        + Html.human(limit)
        + "</span> ("
        + percent
        + "%)"
        + period
        + "</div>";
  }

  /**
   * The account's personal access tokens, each with a revoke button, and the form that makes one.
   */
  static String tokens(List<AccessTokenRecord> tokens, String csrf) {
    StringBuilder b =
        new StringBuilder(
            "<h2>Access tokens</h2><p>Use a token instead of your password for <code>docker"
                + " login</code> (CI jobs, other machines); revoke it when it leaks.</p>"
                + "<table id=tokens><tr><th>Name</th><th>Created</th><th>Last used</th><th></th>"
                + "</tr>");
    for (AccessTokenRecord t : tokens) {
      b.append("<tr id=\"token-")
          .append(esc(t.id()))
          .append("\"><td class=token-name>")
          .append(esc(t.name()))
          .append("</td><td>")
          .append(t.created().truncatedTo(ChronoUnit.SECONDS))
          .append("</td><td class=token-last-used>")
          .append(t.lastUsed() == null ? "never" : t.lastUsed().truncatedTo(ChronoUnit.SECONDS))
          .append("</td><td><form method=post action=\"/console/tokens/")
          .append(esc(t.id()))
          .append("/revoke\"><input type=hidden name=csrf value=\"")
          .append(esc(csrf))
          .append("\"><button class=revoke>Revoke</button></form></td></tr>");
    }
    return b.append("</table><form method=post action=/console/tokens>")
        .append("<input type=hidden name=csrf value=\"")
        .append(esc(csrf))
        .append("\"><label>Name <input id=token-name name=name required maxlength=")
        .append(AccessTokens.MAX_NAME)
        .append("></label> <button id=token-create>Create a token</button></form>")
        .toString();
  }

  /** The one time a token's secret is shown, with the login line that uses it. */
  static String newToken(String name, String secret, RegistryLogin login) {
    StringBuilder b =
        new StringBuilder("<p>Your new token <b>")
            .append(esc(name))
            .append("</b>. Copy it now: it is not shown again.</p><pre id=new-token>")
            .append(esc(secret))
            .append("</pre>");
    if (login.authRequired()) {
      b.append("<pre id=new-token-login>")
          .append(esc(login.dockerLogin() + " --password-stdin"))
          .append("</pre>");
    }
    return b.append("<p><a href=/console id=back>Back</a></p>").toString();
  }
}
