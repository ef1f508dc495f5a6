package dev.hoist.accelerator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TenantUsageTest {
  private static final LocalDate DAY = LocalDate.of(2026, 11, 30);

  private static TenantUsage usage(long limit, long used) {
    return new TenantUsage("a", QuotaPeriod.MONTHLY, limit, false, DAY, used);
  }

  @Test
  void aTransferIsAdmittedWhileUsedPlusReservedIsUnderTheLimit() {
    TenantUsage u = usage(100, 0);
    assertThat(u.reserve(60, DAY)).isTrue();
    assertThat(u.reserve(60, DAY)).isTrue(); // 60 < 100: this one crosses the limit
    assertThat(u.reserve(1, DAY)).isFalse(); // 120 >= 100
  }

  @Test
  void theTransferThatCrossesTheLimitCompletesAndThenTheTenantIsOver() {
    TenantUsage u = usage(100, 90);
    assertThat(u.underLimit(DAY)).isTrue();
    assertThat(u.reserve(50, DAY)).isTrue();
    u.release(50);
    u.charge(50, DAY);
    assertThat(u.used(DAY)).isEqualTo(140);
    assertThat(u.underLimit(DAY)).isFalse();
    assertThat(u.reserve(1, DAY)).isFalse();
  }

  @Test
  void aTransferCutShortIsChargedOnlyWhatItWrote() {
    TenantUsage u = usage(100, 0);
    assertThat(u.reserve(80, DAY)).isTrue();
    u.release(80);
    u.charge(30, DAY);
    assertThat(u.used(DAY)).isEqualTo(30);
    assertThat(u.reserve(69, DAY)).isTrue();
  }

  @Test
  void parallelTransfersExceedTheLimitByAtMostOneTransfer() throws Exception {
    long limit = 1_000_000;
    long size = 70_000;
    TenantUsage u = usage(limit, 0);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger admitted = new AtomicInteger();
    List<Future<?>> all = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      all.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < 200; i++) {
                  if (u.reserve(size, DAY)) {
                    admitted.incrementAndGet();
                    u.settle(size, size, DAY);
                  }
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> f : all) {
      f.get();
    }
    pool.shutdown();
    assertThat(u.used(DAY)).isEqualTo(admitted.get() * size);
    assertThat(u.used(DAY)).isGreaterThanOrEqualTo(limit).isLessThan(limit + size);
  }

  @Test
  void concurrentChargesAreExactAndDrainedOncePerDay() throws Exception {
    TenantUsage u = usage(Long.MAX_VALUE, 0);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> all = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      all.add(
          pool.submit(
              () -> {
                for (int i = 0; i < 10_000; i++) {
                  u.charge(3, DAY);
                }
              }));
    }
    for (Future<?> f : all) {
      f.get();
    }
    pool.shutdown();
    assertThat(u.used(DAY)).isEqualTo(240_000);
    assertThat(u.drain()).isEqualTo(Map.of(DAY, 240_000L));
    assertThat(u.drain()).isEmpty();
  }

  @Test
  void aFailedFlushGivesItsBytesBack() {
    TenantUsage u = usage(1000, 0);
    u.charge(10, DAY);
    Map<LocalDate, Long> taken = u.drain();
    u.charge(5, DAY);
    u.restore(taken);
    assertThat(u.drain()).isEqualTo(Map.of(DAY, 15L));
  }

  @Test
  void aMonthlyPeriodStartsAgainOnTheFirst() {
    TenantUsage u = usage(100, 100);
    assertThat(u.underLimit(DAY)).isFalse();
    LocalDate next = LocalDate.of(2026, 12, 1);
    assertThat(u.used(next)).isZero();
    assertThat(u.underLimit(next)).isTrue();
  }

  @Test
  void withoutAPeriodUsageNeverStartsAgain() {
    TenantUsage u = new TenantUsage("a", QuotaPeriod.NONE, 100, false, DAY, 100);
    assertThat(u.underLimit(DAY.plusYears(1))).isFalse();
  }
}
