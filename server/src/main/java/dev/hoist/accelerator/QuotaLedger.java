package dev.hoist.accelerator;

import dev.hoist.storage.MetadataStore;
import dev.hoist.storage.QuotaHold;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tenants' traffic against their quotas, kept in the metadata store so that every node sharing it
 * admits transfers against one count. This node's part: it holds quota for the transfers it serves,
 * and settles them.
 *
 * <p>Admission rule: a manifest or blob body may start only while {@code used + held < limit},
 * where {@code used} is the account's recorded traffic of the period and {@code held} the full
 * length of every admitted transfer still in flight, on any node. The check and the hold are one
 * atomic step in the store ({@code AccountsTransaction.holdQuota}), so two transfers never both see
 * the room only one of them leaves. The transfer that crosses the limit completes (the client gets
 * what it was promised) and the tenant is then over quota; every later one is refused. So parallel
 * requests on any number of nodes, ranges and retries exceed the limit by at most one transfer.
 *
 * <p>Costs: a hold is one write to the store before a tenant's body is sent, its check before
 * anything is looked up one read; nothing for requests of no tenant. When a transfer ends, the
 * bytes it wrote replace its hold in the next {@link #flush()} (every {@code flushInterval}), in
 * one write for all of this node's ended transfers; until then the hold still counts in full, which
 * errs on the side of the limit. Bodies that were never held (error bodies, tag lists) are charged
 * by that flush too. A crash loses at most one interval of traffic; the holds of a node that died
 * expire after {@link #HOLD_TTL} (the live node renews its own every {@link #RENEW_EVERY}).
 */
final class QuotaLedger {
  private static final Logger log = LoggerFactory.getLogger(QuotaLedger.class);

  /** How long a hold counts unless its node renews it: a dead node's transfers free it then. */
  static final Duration HOLD_TTL = Duration.ofMinutes(2);

  /** How often a node renews the holds of its transfers in flight. */
  static final Duration RENEW_EVERY = Duration.ofSeconds(30);

  /** How often a node removes expired holds (of any node). */
  static final Duration EXPIRE_EVERY = Duration.ofSeconds(30);

  /** Where an account stands in the current period. */
  record Standing(long used, long held, long limit) {
    /** Whether a new transfer may start. */
    boolean under() {
      return used + held < limit;
    }
  }

  /** A response that ended: its hold (null when none) goes, its bytes count on its day. */
  private record Ended(String accountId, String holdId, LocalDate day, long bytes) {}

  private final MetadataStore store;
  private final InstantSource clock;
  private final QuotaPeriod period;
  private final String node;
  private final Queue<Ended> ended = new ConcurrentLinkedQueue<>();
  // Holds of this node still in the store: renewed until their transfer's end is flushed.
  private final Set<String> live = ConcurrentHashMap.newKeySet();
  // Accounts this node last saw refused: logged once when they reach the limit, once when back.
  private final Set<String> overQuota = ConcurrentHashMap.newKeySet();
  private Instant lastRenew = Instant.MIN; // guarded by this
  private Instant lastExpire = Instant.MIN; // guarded by this

  QuotaLedger(MetadataStore store, InstantSource clock, QuotaPeriod period, String node) {
    this.store = store;
    this.clock = clock;
    this.period = period;
    this.node = node;
  }

  LocalDate today() {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
  }

  /** Used, held and limit of an account in the current period (zeros for none). Blocks. */
  Standing standing(String accountId) {
    LocalDate start = period.start(today());
    return store.read(
        tx -> {
          long limit = tx.accounts().account(accountId).map(a -> a.quotaBytes()).orElse(0L);
          long used =
              tx.accounts().usage(accountId, start).values().stream()
                  .mapToLong(Long::longValue)
                  .sum();
          return new Standing(used, tx.accounts().heldQuota(accountId), limit);
        });
  }

  /**
   * Holds {@code length} bytes of the account's quota for one transfer when it may start (see the
   * class doc); returns the hold's id, or empty when the account is at or over its limit. Blocks.
   */
  Optional<String> hold(String accountId, long length) {
    Instant now = clock.instant();
    QuotaHold hold =
        new QuotaHold(UUID.randomUUID().toString(), accountId, node, length, now.plus(HOLD_TTL));
    LocalDate start = period.start(LocalDate.ofInstant(now, ZoneOffset.UTC));
    if (!store.write(tx -> tx.accounts().holdQuota(hold, start))) {
      return Optional.empty();
    }
    live.add(hold.id());
    return Optional.of(hold.id());
  }

  /**
   * Notes that the account was refused for being at its limit: logged the first time, not for every
   * request after it.
   */
  void refused(String accountId, Standing standing) {
    if (overQuota.add(accountId)) {
      log.info(
          "tenant reached its quota: account={} used={} limit={}",
          accountId,
          standing.used() + standing.held(),
          standing.limit());
    }
  }

  /** Notes that the account was admitted: logged when it had been refused before. */
  void admitted(String accountId) {
    if (!overQuota.isEmpty() && overQuota.remove(accountId)) {
      log.info("tenant back under its quota: account={}", accountId);
    }
  }

  /** Ends a held transfer that wrote {@code bytes}: recorded by the next flush. Never blocks. */
  void settle(String accountId, String holdId, long bytes) {
    ended.add(new Ended(accountId, holdId, today(), Math.max(0, bytes)));
  }

  /** Charges bytes sent without a hold: recorded by the next flush. Never blocks. */
  void charge(String accountId, long bytes) {
    if (bytes > 0) {
      ended.add(new Ended(accountId, null, today(), bytes));
    }
  }

  /**
   * Records the transfers that ended (their bytes in, their holds out, in one transaction), renews
   * this node's holds and removes expired ones when it is time. On failure everything is kept for
   * the next flush. Blocks.
   */
  synchronized void flush() {
    Instant now = clock.instant();
    List<Ended> batch = new ArrayList<>();
    for (Ended e = ended.poll(); e != null; e = ended.poll()) {
      batch.add(e);
    }
    boolean renew = !live.isEmpty() && !now.isBefore(lastRenew.plus(RENEW_EVERY));
    boolean expire = !now.isBefore(lastExpire.plus(EXPIRE_EVERY));
    if (batch.isEmpty() && !renew && !expire) {
      return;
    }
    Map<String, Map<LocalDate, Long>> bytes = new HashMap<>();
    List<String> released = new ArrayList<>();
    for (Ended e : batch) {
      if (e.holdId() != null) {
        released.add(e.holdId());
      }
      if (e.bytes() > 0) {
        bytes
            .computeIfAbsent(e.accountId(), a -> new HashMap<>())
            .merge(e.day(), e.bytes(), Long::sum);
      }
    }
    List<String> renewed = renew ? List.copyOf(live) : List.of();
    try {
      store.write(
          tx -> {
            var accounts = tx.accounts();
            released.forEach(accounts::releaseQuota);
            bytes.forEach(
                (account, days) -> days.forEach((day, n) -> accounts.addUsage(account, day, n)));
            if (renew) {
              accounts.renewQuotaHolds(renewed, now.plus(HOLD_TTL));
            }
            if (expire) {
              accounts.expireQuotaHolds(now);
            }
            return null;
          });
    } catch (RuntimeException e) {
      ended.addAll(batch);
      log.warn("recording tenant traffic failed; will retry: transfers={}", batch.size(), e);
      return;
    }
    released.forEach(live::remove);
    if (renew) {
      lastRenew = now;
    }
    if (expire) {
      lastExpire = now;
    }
  }
}
