package dev.hoist.accelerator;

import dev.hoist.storage.AccountRecord;
import dev.hoist.storage.MetadataStore;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tenants this node has served: their usage in memory ({@link TenantUsage}), loaded from the
 * database on first use and written back by {@link #flush()} (every {@code flushInterval}, and on
 * close). A crash loses at most the traffic of one interval. Usage is kept per account, so a
 * rotated address keeps its count.
 *
 * <p>Single node: another node's traffic reaches this node's counts only when an account is loaded
 * again (after a restart). Methods that may touch the database block.
 */
final class Tenants {
  private static final Logger log = LoggerFactory.getLogger(Tenants.class);

  private final MetadataStore store;
  private final InstantSource clock;
  private final QuotaPeriod period;
  private final Map<String, TenantUsage> byAccount = new ConcurrentHashMap<>();
  private final Map<TenantId, String> accountByTenant = new ConcurrentHashMap<>();

  Tenants(MetadataStore store, InstantSource clock, QuotaPeriod period) {
    this.store = store;
    this.clock = clock;
    this.period = period;
  }

  LocalDate today() {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
  }

  QuotaPeriod period() {
    return period;
  }

  InstantSource clock() {
    return clock;
  }

  /** The usage of the tenant with this id, when cached; never blocks. */
  Optional<TenantUsage> cachedTenant(TenantId tenantId) {
    String account = accountByTenant.get(tenantId);
    return account == null ? Optional.empty() : Optional.ofNullable(byAccount.get(account));
  }

  /** The usage of the tenant with this id, loading it; empty for an unknown id. Blocks. */
  Optional<TenantUsage> tenant(TenantId tenantId) {
    Optional<TenantUsage> cached = cachedTenant(tenantId);
    if (cached.isPresent()) {
      return cached;
    }
    Optional<AccountRecord> account =
        store.read(tx -> tx.accounts().accountByTenant(tenantId.value()));
    if (account.isEmpty()) {
      return Optional.empty();
    }
    TenantUsage usage = account(account.get());
    accountByTenant.put(tenantId, account.get().id());
    return Optional.of(usage);
  }

  /** The usage of an account, loading it. Blocks. */
  TenantUsage account(AccountRecord account) {
    return byAccount.computeIfAbsent(
        account.id(),
        id -> {
          LocalDate today = today();
          long used =
              store.read(tx -> tx.accounts().usage(id, period.start(today))).values().stream()
                  .mapToLong(Long::longValue)
                  .sum();
          return new TenantUsage(id, period, account.quotaBytes(), account.disabled(), today, used);
        });
  }

  /** Takes note of a changed account (quota, disabled, a new tenant id). */
  void changed(AccountRecord account) {
    accountByTenant.values().removeIf(id -> id.equals(account.id()));
    TenantUsage usage = byAccount.get(account.id());
    if (usage != null) {
      usage.update(account.quotaBytes(), account.disabled());
    }
    if (account.tenantId() != null) {
      account(account);
      accountByTenant.put(new TenantId(account.tenantId()), account.id());
    }
  }

  /** Writes metered traffic not yet recorded to the database. Blocks. */
  synchronized void flush() {
    List<Map.Entry<TenantUsage, Map<LocalDate, Long>>> drained = new ArrayList<>();
    for (TenantUsage usage : byAccount.values()) {
      Map<LocalDate, Long> days = usage.drain();
      if (!days.isEmpty()) {
        drained.add(Map.entry(usage, days));
      }
    }
    if (drained.isEmpty()) {
      return;
    }
    try {
      store.write(
          tx -> {
            for (Map.Entry<TenantUsage, Map<LocalDate, Long>> e : drained) {
              e.getValue()
                  .forEach(
                      (day, bytes) -> tx.accounts().addUsage(e.getKey().accountId(), day, bytes));
            }
            return null;
          });
    } catch (RuntimeException e) {
      drained.forEach(d -> d.getKey().restore(d.getValue()));
      log.warn("recording tenant traffic failed; will retry: tenants={}", drained.size(), e);
    }
  }
}
