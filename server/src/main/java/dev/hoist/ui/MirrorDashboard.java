package dev.hoist.ui;

import dev.hoist.web.Assets;
import dev.hoist.web.Html;
import dev.hoist.web.Layout;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Locale;

/**
 * The mirror dashboard, {@code /ui/mirror}: a plain page whose live part htmx fetches again every
 * few seconds ({@code /ui/mirror?part=live}, the same handler) and swaps in place. Without
 * JavaScript it is the same page, current when loaded.
 */
final class MirrorDashboard {
  static final String PATH = "/ui/mirror";
  static final String LIVE_QUERY = "part=live";

  /** How often the live part is fetched again. */
  static final int REFRESH_SECONDS = 5;

  /**
   * htmx adds an inline style for its request indicators unless told not to; the pages' CSP would
   * refuse it (and say so in the console).
   */
  static final String HTMX_HEAD =
      "<meta name=htmx-config content=\"{&quot;includeIndicatorStyles&quot;:false}\">"
          + Assets.script(Assets.HTMX_JS);

  private final Layout layout;
  private final DashboardData data;
  private final InstantSource clock;

  MirrorDashboard(Layout layout, DashboardData data, InstantSource clock) {
    this.layout = layout;
    this.data = data;
    this.clock = clock;
  }

  String page() {
    String body =
        live()
            + "<noscript><p class=muted>Reload the page for new numbers.</p></noscript>"
            + "<p class=muted>The same numbers, and their history, are on <a href=\"/metrics\">"
            + "/metrics</a> for Prometheus.</p>";
    return layout.page("Mirror", PATH, HTMX_HEAD, body);
  }

  /** The part that refreshes itself: it carries its own hx- attributes, as it replaces itself. */
  String live() {
    DashboardData.Snapshot s = data.snapshot();
    Instant now = clock.instant();
    StringBuilder b = new StringBuilder(4096);
    b.append("<section id=live hx-get=\"")
        .append(PATH)
        .append('?')
        .append(LIVE_QUERY)
        .append("\" hx-trigger=\"every ")
        .append(REFRESH_SECONDS)
        .append("s\" hx-swap=outerHTML>")
        .append("<div class=grid>")
        .append(
            figure(
                "Hit ratio",
                "hit-ratio",
                String.format(Locale.ROOT, "%.1f %%", s.hitRatio() * 100),
                s.hits() + " of " + s.requests() + " requests from the cache"))
        .append(
            figure(
                "Bytes saved",
                "bytes-saved",
                Html.human(s.saved()),
                Html.human(s.served()) + " served, " + Html.human(s.fetched()) + " fetched"))
        .append(
            figure(
                "Fills in progress",
                "fills",
                Long.toString(s.fillsInFlight()),
                "blobs being fetched from upstreams now"))
        .append("</div>")
        .append(cache(s))
        .append("<h2>Upstreams</h2>")
        .append(upstreams(s, now))
        .append("<p class=muted>Updated <time id=updated datetime=\"")
        .append(Times.iso(now))
        .append("\">")
        .append(Times.iso(now))
        .append("</time></p></section>");
    return b.toString();
  }

  private static String figure(String label, String id, String value, String detail) {
    return "<article><header>"
        + Html.esc(label)
        + "</header><p class=figure id="
        + id
        + '>'
        + Html.esc(value)
        + "</p><small class=muted>"
        + Html.esc(detail)
        + "</small></article>";
  }

  private static String cache(DashboardData.Snapshot s) {
    String size =
        s.cacheLimit() > 0
            ? Html.human(s.cacheBytes()) + " of " + Html.human(s.cacheLimit())
            : Html.human(s.cacheBytes()) + " (no size limit)";
    StringBuilder b =
        new StringBuilder("<article><header>Cache</header><p class=figure id=cache-size>")
            .append(Html.esc(size))
            .append("</p>");
    if (s.cacheLimit() > 0) {
      b.append("<progress id=cache-use aria-label=\"Cache use\" value=\"")
          .append(Math.min(s.cacheBytes(), s.cacheLimit()))
          .append("\" max=\"")
          .append(s.cacheLimit())
          .append("\"></progress>");
    }
    return b.append("<small class=muted>")
        .append(s.cacheImages())
        .append(s.cacheImages() == 1 ? " image" : " images")
        .append(", as last measured</small></article>")
        .toString();
  }

  private static String upstreams(DashboardData.Snapshot s, Instant now) {
    if (s.upstreams().isEmpty()) {
      return "<p class=muted>No upstreams are configured.</p>";
    }
    StringBuilder b =
        new StringBuilder(
            "<div class=table-scroll><table id=upstreams><thead><tr><th scope=col>Upstream</th>"
                + "<th scope=col>Address</th><th scope=col>State</th>"
                + "<th scope=col>Requests</th><th scope=col>Failures</th></tr></thead><tbody>");
    for (DashboardData.Upstream u : s.upstreams()) {
      UpstreamState state = u.state();
      String health = health(state);
      b.append("<tr data-upstream=\"")
          .append(Html.esc(state.name()))
          .append("\" data-health=")
          .append(health)
          .append("><th scope=row>")
          .append(Html.esc(state.name()))
          .append("</th><td class=digest>")
          .append(Html.esc(state.url()))
          .append("</td><td>")
          .append(describe(state, health, now))
          .append("</td><td>")
          .append(u.requests())
          .append("</td><td>")
          .append(u.failures())
          .append("</td></tr>");
    }
    return b.append("</tbody></table></div>").toString();
  }

  /** {@code healthy}, {@code failing}, {@code open} or {@code probing}: also a data attribute. */
  static String health(UpstreamState state) {
    return switch (state.circuit()) {
      case OPEN -> "open";
      case HALF_OPEN -> "probing";
      case CLOSED -> state.consecutiveFailures() > 0 ? "failing" : "healthy";
    };
  }

  private static String describe(UpstreamState state, String health, Instant now) {
    return switch (health) {
      case "open" ->
          "<strong class=error>Circuit open</strong> until "
              + Times.html(state.openUntil(), now, "unknown")
              + ": requests fail at once, cached content is served";
      case "probing" -> "<strong class=error>Probing</strong>: one request tests the upstream";
      case "failing" ->
          "<strong class=error>Failing</strong>: "
              + state.consecutiveFailures()
              + " failures in a row";
      default -> "<strong class=ok>Healthy</strong>";
    };
  }
}
