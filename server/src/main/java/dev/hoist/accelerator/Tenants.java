package dev.hoist.accelerator;

import dev.hoist.storage.AccountRecord;
import dev.hoist.storage.MetadataStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tenants this node serves: which account a tenant id (an address) belongs to, cached for
 * {@link #REFRESH} so that a tenant's requests need no database round trip to be routed, and their
 * traffic against their quotas ({@link QuotaLedger}, in the store, shared by every node).
 *
 * <p>Changes made on this node (a rotated address, a disabled account) apply here at once; made on
 * another node sharing the store, they reach this one within {@link #REFRESH}. A quota change
 * applies at once everywhere: every hold reads the limit from the store. Methods that may touch the
 * database block.
 */
final class Tenants {
  /** How long this node trusts what it read of a tenant's account. */
  static final Duration REFRESH = Duration.ofSeconds(10);

  private record Cached(AccountRecord account, Instant loaded) {}

  private final MetadataStore store;
  private final InstantSource clock;
  private final QuotaPeriod period;
  private final QuotaLedger ledger;
  private final Map<TenantId, Cached> byTenant = new ConcurrentHashMap<>();

  Tenants(MetadataStore store, InstantSource clock, QuotaPeriod period, String node) {
    this.store = store;
    this.clock = clock;
    this.period = period;
    this.ledger = new QuotaLedger(store, clock, period, node);
  }

  LocalDate today() {
    return ledger.today();
  }

  QuotaPeriod period() {
    return period;
  }

  InstantSource clock() {
    return clock;
  }

  QuotaLedger ledger() {
    return ledger;
  }

  /** The account of the tenant with this id, when cached and fresh; never blocks. */
  Optional<AccountRecord> cachedTenant(TenantId tenantId) {
    Cached cached = byTenant.get(tenantId);
    if (cached == null || clock.instant().isAfter(cached.loaded().plus(REFRESH))) {
      return Optional.empty();
    }
    return Optional.of(cached.account());
  }

  /** The account of the tenant with this id, read again; empty for an unknown id. Blocks. */
  Optional<AccountRecord> tenant(TenantId tenantId) {
    Optional<AccountRecord> account =
        store.read(tx -> tx.accounts().accountByTenant(tenantId.value()));
    if (account.isEmpty()) {
      byTenant.remove(tenantId);
    } else {
      byTenant.put(tenantId, new Cached(account.get(), clock.instant()));
    }
    return account;
  }

  /** Takes note of a changed account (quota, disabled, a new tenant id). */
  void changed(AccountRecord account) {
    byTenant.values().removeIf(c -> c.account().id().equals(account.id()));
    if (account.tenantId() != null) {
      byTenant.put(new TenantId(account.tenantId()), new Cached(account, clock.instant()));
    }
  }

  /** Records ended transfers and keeps this node's holds alive; see {@link QuotaLedger#flush}. */
  void flush() {
    ledger.flush();
  }
}
