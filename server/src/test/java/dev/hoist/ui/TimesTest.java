package dev.hoist.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class TimesTest {
  private static final Instant NOW = Instant.parse("2026-12-08T03:00:00.750Z");

  @Test
  void timesAreIsoUtcToTheSecond() {
    assertThat(Times.iso(NOW)).isEqualTo("2026-12-08T03:00:00Z");
  }

  @Test
  void relativeTimesSayHowFarAndWhichWay() {
    assertThat(Times.relative(NOW.plusSeconds(300), NOW)).isEqualTo("in 5 min");
    assertThat(Times.relative(NOW.minusSeconds(180), NOW)).isEqualTo("3 min ago");
    assertThat(Times.relative(NOW.plusSeconds(25), NOW)).isEqualTo("in 25 s");
    assertThat(Times.relative(NOW.minusSeconds(2 * 3600 + 5), NOW)).isEqualTo("2 h ago");
    assertThat(Times.relative(NOW.plusSeconds(3 * 86_400), NOW)).isEqualTo("in 3 d");
    assertThat(Times.relative(NOW, NOW)).isEqualTo("now");
  }

  @Test
  void aMissingTimeIsSaidInWords() {
    assertThat(Times.html(null, NOW, "never")).isEqualTo("<span class=muted>never</span>");
    assertThat(Times.html(NOW.minusSeconds(60), NOW, "never"))
        .isEqualTo(
            "<time datetime=\"2026-12-08T02:59:00Z\">2026-12-08T02:59:00Z</time>"
                + " <span class=muted>(1 min ago)</span>");
  }
}
