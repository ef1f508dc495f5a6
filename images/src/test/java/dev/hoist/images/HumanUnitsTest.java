package dev.hoist.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HumanUnitsTest {
  @Test
  void imageSizesUseDecimalUnitsWithThreeSignificantDigits() {
    assertThat(HumanUnits.imageSize(0)).isEqualTo("0B");
    assertThat(HumanUnits.imageSize(999)).isEqualTo("999B");
    assertThat(HumanUnits.imageSize(1000)).isEqualTo("1kB");
    assertThat(HumanUnits.imageSize(10_240)).isEqualTo("10.2kB");
    assertThat(HumanUnits.imageSize(77_940_000)).isEqualTo("77.9MB");
    assertThat(HumanUnits.imageSize(77_860_000)).isEqualTo("77.9MB");
    assertThat(HumanUnits.imageSize(117_000_000)).isEqualTo("117MB");
    assertThat(HumanUnits.imageSize(1_230_000_000L)).isEqualTo("1.23GB");
  }

  @Test
  void sizesRoundedUpToTheNextUnitKeepGoExponentForm() {
    // Go's %.3g of 999.6 is "1e+03": docker images shows "1e+03kB" there, and so do we.
    assertThat(HumanUnits.imageSize(999_600)).isEqualTo("1e+03kB");
  }

  @Test
  void transferSizesHaveFourSignificantDigits() {
    assertThat(HumanUnits.transferSize(6_291_456)).isEqualTo("6.291MB");
    assertThat(HumanUnits.transferSize(29_540_000)).isEqualTo("29.54MB");
    assertThat(HumanUnits.transferSize(512)).isEqualTo("512B");
  }

  @Test
  void durationsReadAsDockerWritesThem() {
    Duration day = Duration.ofDays(1);
    Duration week = Duration.ofDays(7);
    Duration month = Duration.ofDays(30);
    assertThat(HumanUnits.duration(Duration.ofMillis(450))).isEqualTo("Less than a second");
    assertThat(HumanUnits.duration(Duration.ofSeconds(1))).isEqualTo("1 second");
    assertThat(HumanUnits.duration(Duration.ofSeconds(47))).isEqualTo("47 seconds");
    assertThat(HumanUnits.duration(Duration.ofMinutes(1))).isEqualTo("About a minute");
    assertThat(HumanUnits.duration(Duration.ofMinutes(35).plusSeconds(40))).isEqualTo("35 minutes");
    assertThat(HumanUnits.duration(Duration.ofMinutes(89))).isEqualTo("About an hour");
    assertThat(HumanUnits.duration(Duration.ofMinutes(91))).isEqualTo("2 hours");
    assertThat(HumanUnits.duration(Duration.ofHours(36))).isEqualTo("36 hours");
    assertThat(HumanUnits.duration(day.multipliedBy(2))).isEqualTo("2 days");
    assertThat(HumanUnits.duration(day.multipliedBy(13).plusHours(5))).isEqualTo("13 days");
    assertThat(HumanUnits.duration(week.multipliedBy(2))).isEqualTo("2 weeks");
    assertThat(HumanUnits.duration(month)).isEqualTo("4 weeks");
    assertThat(HumanUnits.duration(month.plus(week.multipliedBy(2)))).isEqualTo("6 weeks");
    assertThat(HumanUnits.duration(month.multipliedBy(2))).isEqualTo("2 months");
    assertThat(HumanUnits.duration(month.multipliedBy(24))).isEqualTo("24 months");
    assertThat(HumanUnits.duration(month.multipliedBy(24).plus(week.multipliedBy(2))))
        .isEqualTo("2 years");
    assertThat(HumanUnits.duration(Duration.ofDays(3 * 365 + 60))).isEqualTo("3 years");
  }

  @Test
  void createdSinceSaysAgoOrNotAvailable() {
    Instant now = Instant.parse("2024-05-15T12:00:00Z");
    assertThat(HumanUnits.since(now.minus(Duration.ofDays(15)), now)).isEqualTo("2 weeks ago");
    assertThat(HumanUnits.since(null, now)).isEqualTo("N/A");
  }
}
