package dev.hoist.accelerator;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.OciException;
import dev.hoist.web.Html;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;

/**
 * The 429 a tenant at or over its quota gets: {@code TOOMANYREQUESTS} with detail {@code {used,
 * limit}} (and {@code resets}, when the period resets), the same in words in the message, and a
 * {@code Retry-After} of {@link #RETRY_AFTER_SECONDS}.
 *
 * <p>The Retry-After is short on purpose, whatever the reset date: a Docker daemon falls back to
 * the origin at once on the 429 and ignores it, but clients that honour it (skopeo,
 * containers/image, anything with a retry loop) waited minutes behind the old value (seconds until
 * the reset, a day without a period) before failing. A short wait lets them fail, or fall back,
 * within seconds; the reset date is in the body for people.
 */
final class Quota {
  static final long RETRY_AFTER_SECONDS = 2;

  private final InstantSource clock;
  private final QuotaPeriod period;

  Quota(InstantSource clock, QuotaPeriod period) {
    this.clock = clock;
    this.period = period;
  }

  LocalDate today() {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
  }

  /**
   * When the period's usage starts again; empty without a period (the quota is a lifetime total).
   */
  Optional<Instant> nextReset() {
    return period.nextReset(clock.instant());
  }

  /** The refusal; {@code used} counts the transfers in flight too, which the limit waits for. */
  OciException refusal(QuotaLedger.Standing standing) {
    long used = standing.used() + standing.held();
    long limit = standing.limit();
    ObjectNode detail = JsonNodeFactory.instance.objectNode();
    detail.put("used", used);
    detail.put("limit", limit);
    Optional<Instant> reset = nextReset();
    reset.ifPresent(r -> detail.put("resets", r.toString()));
    String message =
        "traffic quota used up: "
            + Html.human(used)
            + " of "
            + Html.human(limit)
            + reset
                .map(r -> "; it resets on " + LocalDate.ofInstant(r, ZoneOffset.UTC))
                .orElse(" (a lifetime total: an invitation or an admin adds more)");
    return new OciException(ErrorCode.TOOMANYREQUESTS, message, detail)
        .withHeaders(Map.of("Retry-After", Long.toString(RETRY_AFTER_SECONDS)));
  }
}
