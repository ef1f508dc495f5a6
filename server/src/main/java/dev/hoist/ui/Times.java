package dev.hoist.ui;

import dev.hoist.web.Html;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Instants as the pages show them: ISO-8601 UTC to the second, and how far from now. */
final class Times {
  private Times() {}

  /** {@code 2026-12-08T02:40:00Z}. */
  static String iso(Instant t) {
    return t.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** {@code in 5 min}, {@code 3 min ago}, {@code now}. */
  static String relative(Instant t, Instant now) {
    long seconds = Duration.between(now, t).toSeconds();
    if (seconds == 0) {
      return "now";
    }
    String span = span(Math.abs(seconds));
    return seconds > 0 ? "in " + span : span + " ago";
  }

  private static String span(long s) {
    if (s < 60) {
      return s + " s";
    }
    if (s < 3600) {
      return s / 60 + " min";
    }
    if (s < 86_400) {
      return s / 3600 + " h";
    }
    return s / 86_400 + " d";
  }

  /** A {@code <time>} element with both forms; {@code none} when {@code t} is null. */
  static String html(Instant t, Instant now, String none) {
    if (t == null) {
      return "<span class=muted>" + Html.esc(none) + "</span>";
    }
    String iso = iso(t);
    return "<time datetime=\""
        + iso
        + "\">"
        + iso
        + "</time> <span class=muted>("
        + relative(t, now)
        + ")</span>";
  }
}
