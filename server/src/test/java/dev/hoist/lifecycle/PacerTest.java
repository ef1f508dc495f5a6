package dev.hoist.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PacerTest {
  private final AtomicLong now = new AtomicLong(123_456_789L);
  private final List<Long> sleeps = new ArrayList<>();

  private Pacer pacer(long rate) {
    return new Pacer(
        rate,
        now::get,
        nanos -> {
          sleeps.add(nanos);
          now.addAndGet(nanos);
        });
  }

  @Test
  void readsAreSpreadToTheRate() throws Exception {
    Pacer pacer = pacer(1000);

    pacer.read(500);
    pacer.read(1500);

    assertThat(sleeps)
        .containsExactly(
            TimeUnit.MILLISECONDS.toNanos(500),
            TimeUnit.SECONDS.toNanos(1) + TimeUnit.MILLISECONDS.toNanos(500));
  }

  @Test
  void timeSpentReadingCountsAgainstTheWait() throws Exception {
    Pacer pacer = pacer(1000);

    pacer.read(1000);
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(400)); // the next read took 0.4 s
    pacer.read(1000);

    assertThat(sleeps)
        .containsExactly(TimeUnit.SECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(600));
  }

  @Test
  void aReaderThatFellBehindCatchesUpWithAtMostOneSecondsWorth() throws Exception {
    Pacer pacer = pacer(1000);

    pacer.read(1000);
    now.addAndGet(TimeUnit.SECONDS.toNanos(60)); // a long quarantine
    pacer.read(1000);
    pacer.read(1000);

    assertThat(sleeps).containsExactly(TimeUnit.SECONDS.toNanos(1), TimeUnit.SECONDS.toNanos(1));
  }

  @Test
  void rateZeroNeverWaits() throws Exception {
    Pacer pacer = pacer(0);

    pacer.read(Long.MAX_VALUE / 2);

    assertThat(sleeps).isEmpty();
  }
}
