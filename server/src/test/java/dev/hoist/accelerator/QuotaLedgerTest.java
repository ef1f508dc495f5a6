package dev.hoist.accelerator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.storage.AccountRecord;
import dev.hoist.storage.MetadataStore;
import dev.hoist.testkit.MemoryMetadataStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The admission rule over a store shared by several ledgers, as the nodes of a cluster share one
 * database (the SQL stores' side of it is in the metadata contract; the cluster IT runs it on
 * PostgreSQL).
 */
class QuotaLedgerTest {
  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-11-30T12:00:00Z"));
  private final InstantSource clock = () -> now.get();
  private final AtomicBoolean failWrites = new AtomicBoolean();
  private final MemoryMetadataStore memory = new MemoryMetadataStore(clock);

  /** The memory store, whose writes fail while {@link #failWrites} is set. */
  private final MetadataStore store =
      new MetadataStore() {
        @Override
        public <T> T read(Work<T> work) {
          return memory.read(work);
        }

        @Override
        public <T> T write(Work<T> work) {
          if (failWrites.get()) {
            throw new IllegalStateException("the database is away");
          }
          return memory.write(work);
        }

        @Override
        public void close() {}
      };

  private LocalDate today() {
    return LocalDate.ofInstant(now.get(), java.time.ZoneOffset.UTC);
  }

  private QuotaLedger ledger(String node, QuotaPeriod period) {
    return new QuotaLedger(store, clock, period, node);
  }

  private QuotaLedger ledger(String node) {
    return ledger(node, QuotaPeriod.MONTHLY);
  }

  private void account(long limit, long used) {
    memory.write(
        tx -> {
          tx.accounts()
              .createAccount(
                  new AccountRecord(
                      "a",
                      "a@example.com",
                      "alice",
                      "hash",
                      false,
                      "t",
                      limit,
                      false,
                      "code",
                      null,
                      now.get()));
          if (used > 0) {
            tx.accounts().addUsage("a", today(), used);
          }
          return null;
        });
  }

  private long recorded() {
    SortedMap<LocalDate, Long> days = memory.read(tx -> tx.accounts().usage("a", LocalDate.EPOCH));
    return days.values().stream().mapToLong(Long::longValue).sum();
  }

  @Test
  void aTransferIsAdmittedWhileUsedPlusHeldIsUnderTheLimit() {
    account(100, 0);
    QuotaLedger ledger = ledger("n1");
    assertThat(ledger.hold("a", 60)).isPresent();
    assertThat(ledger.hold("a", 60)).as("60 < 100: this one crosses the limit").isPresent();
    assertThat(ledger.hold("a", 1)).as("120 >= 100").isEmpty();
    assertThat(ledger.standing("a")).isEqualTo(new QuotaLedger.Standing(0, 120, 100));
  }

  @Test
  void theTransferThatCrossesTheLimitCompletesAndThenTheTenantIsOver() {
    account(100, 90);
    QuotaLedger ledger = ledger("n1");
    assertThat(ledger.standing("a").under()).isTrue();
    String hold = ledger.hold("a", 50).orElseThrow();
    ledger.settle("a", hold, 50);
    ledger.flush();
    assertThat(ledger.standing("a")).isEqualTo(new QuotaLedger.Standing(140, 0, 100));
    assertThat(ledger.standing("a").under()).isFalse();
    assertThat(ledger.hold("a", 1)).isEmpty();
  }

  @Test
  void aTransferCutShortIsChargedOnlyWhatItWroteOnceFlushed() {
    account(100, 0);
    QuotaLedger ledger = ledger("n1");
    String hold = ledger.hold("a", 80).orElseThrow();
    ledger.settle("a", hold, 30);
    assertThat(ledger.standing("a").held())
        .as("until the flush, the hold counts in full: on the side of the limit")
        .isEqualTo(80);
    ledger.flush();
    assertThat(ledger.standing("a")).isEqualTo(new QuotaLedger.Standing(30, 0, 100));
    assertThat(ledger.hold("a", 69)).isPresent();
  }

  @Test
  void bodiesSentWithoutAHoldAreChargedByTheFlush() {
    account(100, 0);
    QuotaLedger ledger = ledger("n1");
    ledger.charge("a", 7);
    ledger.charge("a", 0);
    ledger.flush();
    assertThat(recorded()).isEqualTo(7);
  }

  @Test
  void parallelTransfersOnTwoNodesExceedTheLimitByAtMostOneTransfer() throws Exception {
    long limit = 1_000_000;
    long size = 70_000;
    account(limit, 0);
    List<QuotaLedger> nodes = List.of(ledger("n1"), ledger("n2"));
    ExecutorService pool = Executors.newFixedThreadPool(16);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger admitted = new AtomicInteger();
    List<Future<?>> all = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      QuotaLedger node = nodes.get(t % 2);
      all.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < 50; i++) {
                  Optional<String> hold = node.hold("a", size);
                  if (hold.isPresent()) {
                    admitted.incrementAndGet();
                    node.settle("a", hold.get(), size);
                    if (i % 3 == 0) {
                      node.flush();
                    }
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
    nodes.forEach(QuotaLedger::flush);
    assertThat(recorded()).isEqualTo(admitted.get() * size);
    assertThat(recorded()).isGreaterThanOrEqualTo(limit).isLessThan(limit + size);
  }

  @Test
  void aMonthlyPeriodStartsAgainOnTheFirst() {
    account(100, 100);
    QuotaLedger ledger = ledger("n1");
    assertThat(ledger.standing("a").under()).isFalse();
    now.set(Instant.parse("2026-12-01T00:00:00Z"));
    assertThat(ledger.standing("a").used()).isZero();
    assertThat(ledger.hold("a", 10)).isPresent();
  }

  @Test
  void withoutAPeriodUsageNeverStartsAgain() {
    account(100, 100);
    now.set(now.get().plus(Duration.ofDays(400)));
    assertThat(ledger("n1", QuotaPeriod.NONE).hold("a", 1)).isEmpty();
  }

  @Test
  void aFailedFlushKeepsWhatEndedForTheNextOne() {
    account(100, 0);
    QuotaLedger ledger = ledger("n1");
    String hold = ledger.hold("a", 40).orElseThrow();
    ledger.settle("a", hold, 40);
    ledger.charge("a", 5);
    failWrites.set(true);
    ledger.flush();
    failWrites.set(false);
    assertThat(ledger.standing("a")).isEqualTo(new QuotaLedger.Standing(0, 40, 100));
    ledger.flush();
    assertThat(ledger.standing("a")).isEqualTo(new QuotaLedger.Standing(45, 0, 100));
  }

  @Test
  void theHoldsOfANodeThatDiedExpireAndFreeTheQuota() {
    account(100, 0);
    QuotaLedger dead = ledger("dead");
    QuotaLedger alive = ledger("alive");
    assertThat(dead.hold("a", 100)).isPresent();
    assertThat(alive.hold("a", 1)).isEmpty();
    now.set(now.get().plus(QuotaLedger.HOLD_TTL).plusSeconds(1));
    alive.flush();
    assertThat(alive.hold("a", 1)).isPresent();
  }

  @Test
  void aLiveNodeRenewsTheHoldsOfItsLongTransfers() {
    account(100, 0);
    QuotaLedger serving = ledger("serving");
    QuotaLedger other = ledger("other");
    String hold = serving.hold("a", 100).orElseThrow();
    for (int i = 0; i < 10; i++) {
      now.set(now.get().plus(QuotaLedger.RENEW_EVERY));
      serving.flush();
      other.flush();
    }
    assertThat(other.hold("a", 1))
        .as("still held after %s", QuotaLedger.RENEW_EVERY.multipliedBy(10))
        .isEmpty();
    serving.settle("a", hold, 100);
    serving.flush();
    assertThat(recorded()).isEqualTo(100);
    assertThat(serving.standing("a").held()).isZero();
  }
}
