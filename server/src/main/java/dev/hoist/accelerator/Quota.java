package dev.hoist.accelerator;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.OciException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;

/**
 * The 429 a tenant at or over its quota gets: {@code TOOMANYREQUESTS} with detail {@code {used,
 * limit}} (and {@code resets}, when the period resets) and a {@code Retry-After} in seconds until
 * the period resets. Without a period the quota only grows by invitations or an admin, so {@code
 * Retry-After} says a day.
 */
final class Quota {
  static final long NO_RESET_RETRY_SECONDS = 86_400;

  private final InstantSource clock;
  private final QuotaPeriod period;

  Quota(InstantSource clock, QuotaPeriod period) {
    this.clock = clock;
    this.period = period;
  }

  LocalDate today() {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
  }

  long retryAfterSeconds() {
    Instant now = clock.instant();
    return period
        .nextReset(now)
        .map(reset -> Math.max(1, Duration.between(now, reset).toSeconds() + 1))
        .orElse(NO_RESET_RETRY_SECONDS);
  }

  /** The refusal; {@code used} counts the transfers in flight too, which the limit waits for. */
  OciException refusal(QuotaLedger.Standing standing) {
    long used = standing.used() + standing.held();
    long limit = standing.limit();
    ObjectNode detail = JsonNodeFactory.instance.objectNode();
    detail.put("used", used);
    detail.put("limit", limit);
    period.nextReset(clock.instant()).ifPresent(r -> detail.put("resets", r.toString()));
    return new OciException(
            ErrorCode.TOOMANYREQUESTS,
            "traffic quota used up: " + used + " of " + limit + " bytes",
            detail)
        .withHeaders(Map.of("Retry-After", Long.toString(retryAfterSeconds())));
  }
}
