package dev.hoist.accelerator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.oci.ErrorCode;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class QuotaTest {
  private static final Instant NOW = Instant.parse("2026-11-30T23:59:00Z");

  @Test
  void retryAfterCountsTheSecondsUntilTheNextMonthlyReset() {
    Quota quota = new Quota(InstantSource.fixed(NOW), QuotaPeriod.MONTHLY);
    assertThat(quota.retryAfterSeconds()).isEqualTo(61);
  }

  @Test
  void withoutAPeriodRetryAfterIsADay() {
    Quota quota = new Quota(InstantSource.fixed(NOW), QuotaPeriod.NONE);
    assertThat(quota.retryAfterSeconds()).isEqualTo(86_400);
  }

  @Test
  void theRefusalIsTooManyRequestsWithUsedAndLimit() {
    Quota quota = new Quota(InstantSource.fixed(NOW), QuotaPeriod.MONTHLY);
    var refusal = quota.refusal(new QuotaLedger.Standing(120, 30, 100));
    assertThat(refusal.code()).isEqualTo(ErrorCode.TOOMANYREQUESTS);
    assertThat(refusal.detail().get("used").asLong())
        .as("used counts the transfers in flight")
        .isEqualTo(150);
    assertThat(refusal.detail().get("limit").asLong()).isEqualTo(100);
    assertThat(refusal.detail().get("resets").asText()).isEqualTo("2026-12-01T00:00:00Z");
    assertThat(refusal.headers()).containsEntry("Retry-After", "61");
  }

  @Test
  void monthlyPeriodsStartOnTheFirstInUtc() {
    assertThat(QuotaPeriod.MONTHLY.start(LocalDate.of(2026, 2, 28)))
        .isEqualTo(LocalDate.of(2026, 2, 1));
    assertThat(QuotaPeriod.MONTHLY.nextReset(Instant.parse("2026-12-31T10:00:00Z")))
        .contains(Instant.parse("2027-01-01T00:00:00Z"));
    assertThat(QuotaPeriod.NONE.nextReset(NOW)).isEmpty();
  }
}
