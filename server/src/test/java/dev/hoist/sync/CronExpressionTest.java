package dev.hoist.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class CronExpressionTest {
  private static final Instant MON_10_30 = Instant.parse("2026-11-30T10:30:15Z");

  private static Instant next(String cron) {
    return CronExpression.parse(cron).next(MON_10_30);
  }

  @Test
  void everyMinuteFiresAtTheNextWholeMinute() {
    assertThat(next("* * * * *")).isEqualTo(Instant.parse("2026-11-30T10:31:00Z"));
  }

  @Test
  void aDailyTimeAlreadyPastFiresTomorrow() {
    assertThat(next("0 3 * * *")).isEqualTo(Instant.parse("2026-12-01T03:00:00Z"));
    assertThat(next("45 10 * * *")).isEqualTo(Instant.parse("2026-11-30T10:45:00Z"));
  }

  @Test
  void stepsRangesAndListsCombine() {
    assertThat(next("*/20 * * * *")).isEqualTo(Instant.parse("2026-11-30T10:40:00Z"));
    assertThat(next("0 9-17/4 * * *")).isEqualTo(Instant.parse("2026-11-30T13:00:00Z"));
    assertThat(next("5,50 10 * * *")).isEqualTo(Instant.parse("2026-11-30T10:50:00Z"));
  }

  @Test
  void dayOfWeekAndMonthFollowCron() {
    // Sunday is 0 and 7; 2026-12-06 is a Sunday.
    assertThat(next("0 0 * * 0")).isEqualTo(Instant.parse("2026-12-06T00:00:00Z"));
    assertThat(next("0 0 * * 7")).isEqualTo(Instant.parse("2026-12-06T00:00:00Z"));
    assertThat(next("0 0 1 1 *")).isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));
    // Both day fields restricted: either one makes a day due (the 15th, or a Wednesday).
    assertThat(next("0 0 15 * 3")).isEqualTo(Instant.parse("2026-12-02T00:00:00Z"));
    assertThat(next("0 0 29 2 *")).isEqualTo(Instant.parse("2028-02-29T00:00:00Z"));
  }

  @Test
  void malformedExpressionsAreRejectedNamingTheField() {
    assertThatThrownBy(() -> CronExpression.parse("* * * *")).hasMessageContaining("5 fields");
    assertThatThrownBy(() -> CronExpression.parse("60 * * * *")).hasMessageContaining("minute");
    assertThatThrownBy(() -> CronExpression.parse("* x * * *")).hasMessageContaining("hour");
    assertThatThrownBy(() -> CronExpression.parse("* * * * 8")).hasMessageContaining("day of week");
  }
}
