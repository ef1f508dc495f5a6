package dev.hoist.testkit;

import dev.hoist.storage.AccessTokenRecord;
import dev.hoist.storage.AccountRecord;
import dev.hoist.storage.AccountsTransaction;
import dev.hoist.storage.QuotaHold;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/** The accounts part of {@link MemoryMetadataStore}'s state: copied for each write transaction. */
final class MemoryAccounts {
  private final Map<String, AccountRecord> accounts;
  private final Map<String, TreeMap<LocalDate, Long>> usage;
  private final Map<String, QuotaHold> holds;
  private final Map<String, AccessTokenRecord> tokens;

  MemoryAccounts() {
    this(new HashMap<>(), new HashMap<>(), new HashMap<>(), new HashMap<>());
  }

  private MemoryAccounts(
      Map<String, AccountRecord> accounts,
      Map<String, TreeMap<LocalDate, Long>> usage,
      Map<String, QuotaHold> holds,
      Map<String, AccessTokenRecord> tokens) {
    this.accounts = accounts;
    this.usage = usage;
    this.holds = holds;
    this.tokens = tokens;
  }

  MemoryAccounts copy() {
    Map<String, TreeMap<LocalDate, Long>> days = new HashMap<>();
    usage.forEach((k, v) -> days.put(k, new TreeMap<>(v)));
    return new MemoryAccounts(
        new HashMap<>(accounts), days, new HashMap<>(holds), new HashMap<>(tokens));
  }

  /** A view for one transaction; {@code check} runs before every call with whether it writes. */
  AccountsTransaction transaction(java.util.function.Consumer<Boolean> check) {
    return new AccountsTransaction() {
      @Override
      public boolean createAccount(AccountRecord a) {
        check.accept(true);
        boolean taken =
            accounts.containsKey(a.id())
                || find(r -> r.email().equals(a.email())).isPresent()
                || find(r -> r.username().equals(a.username())).isPresent()
                || find(r -> r.inviteCode().equals(a.inviteCode())).isPresent()
                || (a.tenantId() != null
                    && find(r -> a.tenantId().equals(r.tenantId())).isPresent());
        if (taken) {
          return false;
        }
        accounts.put(a.id(), a);
        return true;
      }

      @Override
      public Optional<AccountRecord> account(String id) {
        check.accept(false);
        return Optional.ofNullable(accounts.get(id));
      }

      @Override
      public Optional<AccountRecord> accountByEmail(String email) {
        check.accept(false);
        return find(r -> r.email().equals(email));
      }

      @Override
      public Optional<AccountRecord> accountByUsername(String username) {
        check.accept(false);
        return find(r -> r.username().equals(username));
      }

      @Override
      public Optional<AccountRecord> accountByTenant(String tenantId) {
        check.accept(false);
        return find(r -> tenantId.equals(r.tenantId()));
      }

      @Override
      public Optional<AccountRecord> accountByInviteCode(String inviteCode) {
        check.accept(false);
        return find(r -> r.inviteCode().equals(inviteCode));
      }

      @Override
      public List<AccountRecord> accounts() {
        check.accept(false);
        return sorted(r -> true);
      }

      @Override
      public List<AccountRecord> invitedBy(String id) {
        check.accept(false);
        return sorted(r -> id.equals(r.invitedBy()));
      }

      @Override
      public boolean updateAccount(AccountRecord a) {
        check.accept(true);
        AccountRecord old = accounts.get(a.id());
        if (old == null) {
          return false;
        }
        if (a.tenantId() != null) {
          Optional<AccountRecord> holder = find(r -> a.tenantId().equals(r.tenantId()));
          if (holder.isPresent() && !holder.get().id().equals(a.id())) {
            return false;
          }
        }
        accounts.put(
            a.id(),
            old.withTenantId(a.tenantId())
                .withQuotaBytes(a.quotaBytes())
                .withAdmin(a.admin())
                .withDisabled(a.disabled()));
        return true;
      }

      @Override
      public boolean createAccessToken(AccessTokenRecord t) {
        check.accept(true);
        boolean taken =
            tokens.containsKey(t.id())
                || tokens.values().stream().anyMatch(o -> o.hash().equals(t.hash()));
        if (taken) {
          return false;
        }
        tokens.put(t.id(), millis(t));
        return true;
      }

      @Override
      public List<AccessTokenRecord> accessTokens(String accountId) {
        check.accept(false);
        return tokens.values().stream()
            .filter(t -> t.accountId().equals(accountId))
            .sorted(
                Comparator.comparing(AccessTokenRecord::created)
                    .thenComparing(AccessTokenRecord::id))
            .toList();
      }

      @Override
      public Optional<AccessTokenRecord> accessTokenByHash(String hash) {
        check.accept(false);
        return tokens.values().stream().filter(t -> t.hash().equals(hash)).findFirst();
      }

      @Override
      public boolean deleteAccessToken(String accountId, String id) {
        check.accept(true);
        AccessTokenRecord t = tokens.get(id);
        if (t == null || !t.accountId().equals(accountId)) {
          return false;
        }
        tokens.remove(id);
        return true;
      }

      @Override
      public void touchAccessToken(String id, Instant when) {
        check.accept(true);
        AccessTokenRecord t = tokens.get(id);
        if (t != null) {
          tokens.put(
              id,
              millis(
                  new AccessTokenRecord(
                      t.id(), t.accountId(), t.name(), t.hash(), t.created(), when)));
        }
      }

      @Override
      public void addUsage(String id, LocalDate day, long bytes) {
        check.accept(true);
        if (bytes < 0) {
          throw new IllegalArgumentException("bytes must not be negative: " + bytes);
        }
        usage.computeIfAbsent(id, k -> new TreeMap<>()).merge(day, bytes, Long::sum);
      }

      @Override
      public SortedMap<LocalDate, Long> usage(String id, LocalDate from) {
        check.accept(false);
        TreeMap<LocalDate, Long> days = usage.get(id);
        return days == null ? new TreeMap<>() : new TreeMap<>(days.tailMap(from, true));
      }

      @Override
      public boolean holdQuota(QuotaHold hold, LocalDate periodStart) {
        check.accept(true);
        AccountRecord account = accounts.get(hold.accountId());
        if (account == null) {
          return false;
        }
        TreeMap<LocalDate, Long> days = usage.getOrDefault(hold.accountId(), new TreeMap<>());
        long used = days.tailMap(periodStart, true).values().stream().mapToLong(x -> x).sum();
        if (used + held(hold.accountId()) >= account.quotaBytes()) {
          return false;
        }
        holds.put(
            hold.id(),
            new QuotaHold(
                hold.id(),
                hold.accountId(),
                hold.node(),
                hold.bytes(),
                hold.expires().truncatedTo(ChronoUnit.MILLIS)));
        return true;
      }

      @Override
      public long heldQuota(String accountId) {
        check.accept(false);
        return held(accountId);
      }

      @Override
      public boolean releaseQuota(String holdId) {
        check.accept(true);
        return holds.remove(holdId) != null;
      }

      @Override
      public int renewQuotaHolds(Collection<String> holdIds, Instant expires) {
        check.accept(true);
        int renewed = 0;
        for (String id : holdIds) {
          QuotaHold h = holds.get(id);
          if (h != null) {
            holds.put(
                id,
                new QuotaHold(
                    id,
                    h.accountId(),
                    h.node(),
                    h.bytes(),
                    expires.truncatedTo(ChronoUnit.MILLIS)));
            renewed++;
          }
        }
        return renewed;
      }

      @Override
      public int expireQuotaHolds(Instant now) {
        check.accept(true);
        int n = holds.size();
        Instant at = now.truncatedTo(ChronoUnit.MILLIS);
        holds.values().removeIf(h -> h.expires().isBefore(at));
        return n - holds.size();
      }
    };
  }

  /** As the SQL stores keep times: to the millisecond. */
  private static AccessTokenRecord millis(AccessTokenRecord t) {
    return new AccessTokenRecord(
        t.id(),
        t.accountId(),
        t.name(),
        t.hash(),
        t.created().truncatedTo(ChronoUnit.MILLIS),
        t.lastUsed() == null ? null : t.lastUsed().truncatedTo(ChronoUnit.MILLIS));
  }

  private long held(String accountId) {
    return holds.values().stream()
        .filter(h -> h.accountId().equals(accountId))
        .mapToLong(QuotaHold::bytes)
        .sum();
  }

  private Optional<AccountRecord> find(Predicate<AccountRecord> p) {
    return accounts.values().stream().filter(p).findFirst();
  }

  private List<AccountRecord> sorted(Predicate<AccountRecord> p) {
    List<AccountRecord> list = new ArrayList<>(accounts.values().stream().filter(p).toList());
    list.sort(Comparator.comparing(AccountRecord::created).thenComparing(AccountRecord::id));
    return list;
  }
}
