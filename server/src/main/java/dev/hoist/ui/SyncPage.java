package dev.hoist.ui;

import dev.hoist.storage.SyncStatus;
import dev.hoist.sync.SyncFeature.RuleOverview;
import dev.hoist.web.Html;
import dev.hoist.web.Layout;
import dev.hoist.web.Viewer;
import java.time.Instant;
import java.util.List;

/**
 * The sync page, {@code /ui/sync}: every rule with its last and next run and the last run's errors;
 * for admins a "Run now" form per rule, posted back to {@code /ui/sync} with the viewer's CSRF
 * token.
 */
final class SyncPage {
  static final String PATH = "/ui/sync";

  private final Layout layout;

  SyncPage(Layout layout) {
    this.layout = layout;
  }

  /**
   * @param formToken the token an admin's "Run now" form carries ({@link Pages#formToken})
   * @param started the rule a run was just started for (after the form's redirect), or null
   */
  String page(
      List<RuleOverview> rules, Viewer viewer, String formToken, Instant now, String started) {
    StringBuilder b = new StringBuilder(4096);
    if (started != null) {
      b.append("<p id=notice role=status>Started a run of <strong>")
          .append(Html.esc(started))
          .append("</strong>. <a href=\"")
          .append(PATH)
          .append("\">Reload</a> to see it end.</p>");
    }
    if (rules.isEmpty()) {
      b.append(
          "<p class=muted>No sync rules. Add them under <code>sync.rules</code> in the"
              + " configuration or with <code>POST /api/v1/sync</code>.</p>");
      return layout.page("Sync", PATH, "", b.toString());
    }
    b.append(
        "<div class=table-scroll><table id=rules><thead><tr><th scope=col>Rule</th>"
            + "<th scope=col>Copies</th><th scope=col>Schedule</th><th scope=col>Last run</th>"
            + "<th scope=col>Next run</th><th scope=col>Result</th>");
    if (viewer.admin()) {
      b.append("<th scope=col><span class=visually-hidden>Actions</span></th>");
    }
    b.append("</tr></thead><tbody>");
    for (RuleOverview r : rules) {
      row(b, r, viewer, formToken, now);
    }
    b.append("</tbody></table></div>");
    if (!viewer.admin()) {
      b.append("<p class=muted>Only admins may start runs.</p>");
    }
    return layout.page("Sync", PATH, "", b.toString());
  }

  private static void row(
      StringBuilder b, RuleOverview r, Viewer viewer, String formToken, Instant now) {
    String name = Html.esc(r.name());
    b.append("<tr id=\"rule-")
        .append(name)
        .append("\" data-rule=\"")
        .append(name)
        .append("\"><th scope=row>")
        .append(name);
    if (!r.enabled()) {
      b.append(" <small class=muted>(disabled)</small>");
    }
    b.append("</th><td>")
        .append(Html.esc(r.upstream()))
        .append(": ")
        .append(Html.esc(String.join(", ", r.repositories())))
        .append("<br><small class=muted>to ")
        .append(Html.esc(r.destination()))
        .append("</small></td><td>")
        .append(Html.esc(r.schedule()))
        .append("</td><td class=last-run>");
    if (r.running()) {
      b.append("<strong>Running</strong><br>");
    }
    SyncStatus last = r.lastRun();
    b.append(Times.html(last == null ? null : last.lastStarted(), now, "never"))
        .append("</td><td class=next-run>")
        .append(Times.html(r.nextRun(), now, "on demand"))
        .append("</td><td class=result>");
    if (last == null || last.lastFinished() == null) {
      b.append("<span class=muted>none yet</span>");
    } else {
      b.append(last.copiedImages())
          .append(" copied, ")
          .append(last.skippedImages())
          .append(" skipped, ")
          .append(last.failedImages())
          .append(" failed (")
          .append(Html.human(last.copiedBytes()))
          .append(')');
    }
    if (last != null && last.lastError() != null) {
      b.append("<br><span class=\"error last-error\">")
          .append(Html.esc(last.lastError()))
          .append("</span>");
    }
    b.append("</td>");
    if (viewer.admin()) {
      b.append("<td><form method=post action=\"")
          .append(PATH)
          .append("\"><input type=hidden name=csrf value=\"")
          .append(Html.esc(formToken))
          .append("\"><input type=hidden name=rule value=\"")
          .append(name)
          .append("\"><button type=submit class=run-now id=\"run-")
          .append(name)
          .append("\" aria-label=\"Run ")
          .append(name)
          .append(" now\">Run now</button></form></td>");
    }
    b.append("</tr>");
  }
}
