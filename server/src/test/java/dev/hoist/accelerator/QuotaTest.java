package dev.hoist.accelerator;

import static dev.hoist.accelerator.QuotaPeriod.MONTHLY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.oci.ErrorCode;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class QuotaTest {
  private static final Instant NOW = Instant.parse("2026-11-30T23:59:00Z");

  @Test
  void retryAfterIsAFewSecondsEvenAMonthBeforeTheReset() {
    Quota quota = new Quota(InstantSource.fixed(Instant.parse("2026-12-01T00:00:01Z")), MONTHLY);
    var refusal = quota.refusal(new QuotaLedger.Standing(100, 0, 100));
    assertThat(Long.parseLong(refusal.headers().get("Retry-After"))).isBetween(1L, 5L);
    assertThat(refusal.getMessage())
        .isEqualTo("traffic quota used up: 100 B of 100 B; it resets on 2027-01-01");
  }

  @Test
  void withoutAPeriodTheRefusalSaysLifetimeTotalAndRetryAfterStaysShort() {
    Quota quota = new Quota(InstantSource.fixed(NOW), QuotaPeriod.NONE);
    var refusal = quota.refusal(new QuotaLedger.Standing(10L << 30, 0, 10L << 30));
    assertThat(Long.parseLong(refusal.headers().get("Retry-After"))).isBetween(1L, 5L);
    assertThat(refusal.detail().has("resets")).isFalse();
    assertThat(refusal.getMessage())
        .isEqualTo(
            "traffic quota used up: 10 GiB of 10 GiB"
                + " (a lifetime total: an invitation or an admin adds more)");
  }

  @Test
  void sizesReadAsPeopleWriteThem() {
    assertThat(dev.hoist.web.Html.human(512)).isEqualTo("512 B");
    assertThat(dev.hoist.web.Html.human(10L << 30)).isEqualTo("10 GiB");
    assertThat(dev.hoist.web.Html.human(1536L << 10)).isEqualTo("1.5 MiB");
    assertThat(dev.hoist.web.Html.human(Long.MAX_VALUE)).isEqualTo("8 EiB");
  }

  @Test
  void theRefusalIsTooManyRequestsWithUsedAndLimit() {
    Quota quota = new Quota(InstantSource.fixed(NOW), MONTHLY);
    var refusal = quota.refusal(new QuotaLedger.Standing(120, 30, 100));
    assertThat(refusal.code()).isEqualTo(ErrorCode.TOOMANYREQUESTS);
    assertThat(refusal.detail().get("used").asLong())
        .as("used counts the transfers in flight")
        .isEqualTo(150);
    assertThat(refusal.detail().get("limit").asLong()).isEqualTo(100);
    assertThat(refusal.detail().get("resets").asText()).isEqualTo("2026-12-01T00:00:00Z");
    assertThat(refusal.headers()).containsEntry("Retry-After", "2");
    assertThat(refusal.getMessage()).contains("150 B of 100 B", "resets on 2026-12-01");
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
