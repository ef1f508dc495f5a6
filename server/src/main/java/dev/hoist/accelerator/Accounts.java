package dev.hoist.accelerator;

import dev.hoist.auth.User;
import dev.hoist.auth.UserDirectory;
import dev.hoist.storage.AccountRecord;
import dev.hoist.storage.MetadataStore;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.regex.Pattern;

/**
 * What the console and the JSON API do with accounts: sign up (with an invitation bonus for both
 * sides), check passwords, start the accelerator, rotate the address, report usage, administer.
 * Every method blocks (database, bcrypt): call it off the event loop. Also the {@link
 * UserDirectory} through which registry logins accept console accounts (username: the email).
 */
final class Accounts implements UserDirectory {
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,255}");
  static final int MIN_PASSWORD = 8;
  static final String DISABLED_MESSAGE = "this account is disabled";

  private final AcceleratorConfig config;
  private final MetadataStore store;
  private final Tenants tenants;
  private final TenantIds ids;
  private final PasswordHasher hasher;

  Accounts(
      AcceleratorConfig config,
      MetadataStore store,
      Tenants tenants,
      TenantIds ids,
      PasswordHasher hasher) {
    this.config = config;
    this.store = store;
    this.tenants = tenants;
    this.ids = ids;
    this.hasher = hasher;
  }

  static String normalizeEmail(String email) {
    return email == null ? "" : email.trim().toLowerCase(Locale.ROOT);
  }

  AccountRecord signup(String rawEmail, String password, String inviteCode) {
    String email = normalizeEmail(rawEmail);
    if (!EMAIL.matcher(email).matches()) {
      throw new ApiError(400, "EMAIL_INVALID", "an email address is required");
    }
    if (password == null
        || password.length() < MIN_PASSWORD
        || password.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
            > PasswordHasher.MAX_PASSWORD_BYTES) {
      throw new ApiError(
          400,
          "PASSWORD_INVALID",
          "a password of "
              + MIN_PASSWORD
              + " to "
              + PasswordHasher.MAX_PASSWORD_BYTES
              + " bytes is required");
    }
    boolean invited = inviteCode != null && !inviteCode.isBlank();
    if (!config.signupOpen() && !invited) {
      throw new ApiError(403, "SIGNUP_CLOSED", "sign-up needs an invitation");
    }
    String hash = hasher.hash(password);
    AccountRecord created =
        store.write(
            tx -> {
              var accounts = tx.accounts();
              AccountRecord inviter = null;
              if (invited) {
                inviter =
                    accounts
                        .accountByInviteCode(inviteCode.trim())
                        .orElseThrow(
                            () -> new ApiError(400, "INVITE_INVALID", "no such invitation"));
              }
              long quota = config.defaultQuotaBytes() + (invited ? config.inviteBonusBytes() : 0);
              AccountRecord account =
                  new AccountRecord(
                      ids.next(20),
                      email,
                      hash,
                      config.admins().contains(email),
                      null,
                      quota,
                      false,
                      ids.next(12),
                      inviter == null ? null : inviter.id(),
                      tenants.clock().instant());
              if (!accounts.createAccount(account)) {
                throw new ApiError(409, "EMAIL_TAKEN", "an account with this email exists");
              }
              if (inviter != null) {
                AccountRecord richer =
                    inviter.withQuotaBytes(inviter.quotaBytes() + config.inviteBonusBytes());
                accounts.updateAccount(richer);
              }
              return account;
            });
    if (created.invitedBy() != null) {
      store.read(tx -> tx.accounts().account(created.invitedBy())).ifPresent(tenants::changed);
    }
    return created;
  }

  /** The account, when the password is right. Takes as long for an unknown email. */
  Optional<AccountRecord> check(String rawEmail, String password) {
    if (password == null) {
      return Optional.empty();
    }
    Optional<AccountRecord> account =
        store.read(tx -> tx.accounts().accountByEmail(normalizeEmail(rawEmail)));
    if (account.isEmpty()) {
      hasher.verifyNothing(password);
      return Optional.empty();
    }
    return hasher.verify(account.get().passwordHash(), password) ? account : Optional.empty();
  }

  @Override
  public Optional<User> authenticate(String username, String password) {
    return check(username, password)
        .filter(a -> !a.disabled())
        .map(a -> new User(a.email(), a.admin(), Set.of()));
  }

  /**
   * The signed-in account of a session; a disabled one is refused, so that disabling an account
   * also stops the sessions it already has.
   */
  /** The enabled account with this email, for refresh tokens. */
  @Override
  public Optional<Entry> find(String username) {
    return store
        .read(tx -> tx.accounts().accountByEmail(normalizeEmail(username)))
        .filter(a -> !a.disabled())
        .map(
            a ->
                new Entry(
                    new User(a.email(), a.admin(), Set.of()),
                    UserDirectory.passwordStamp(a.passwordHash())));
  }

  AccountRecord account(String id) {
    AccountRecord account =
        store
            .read(tx -> tx.accounts().account(id))
            .orElseThrow(() -> new ApiError(401, "UNAUTHORIZED", "signed out"));
    refuseDisabled(account);
    return account;
  }

  /** 403 {@code ACCOUNT_DISABLED} for a disabled account. */
  static void refuseDisabled(AccountRecord account) {
    if (account.disabled()) {
      throw new ApiError(403, "ACCOUNT_DISABLED", DISABLED_MESSAGE);
    }
  }

  /** Gives the account a tenant (its personal mirror address) unless it has one. */
  AccountRecord start(String accountId) {
    AccountRecord account = account(accountId);
    if (account.tenantId() != null) {
      return account;
    }
    return newTenantId(account);
  }

  /** A new address; the old one stops working at once. Usage stays with the account. */
  AccountRecord rotate(String accountId) {
    AccountRecord account = account(accountId);
    if (account.tenantId() == null) {
      throw new ApiError(409, "NOT_STARTED", "the accelerator has not been started");
    }
    return newTenantId(account);
  }

  private AccountRecord newTenantId(AccountRecord account) {
    for (int attempt = 0; attempt < 5; attempt++) {
      AccountRecord next = account.withTenantId(ids.tenantId());
      if (store.write(tx -> tx.accounts().updateAccount(next))) {
        tenants.changed(next);
        return next;
      }
    }
    throw new IllegalStateException("no free tenant id after 5 attempts");
  }

  record Usage(long used, long limit, SortedMap<LocalDate, Long> daily) {}

  /** Used and limit in this period, and traffic for each of the last {@code days} days. */
  Usage usage(AccountRecord account, int days) {
    tenants.flush();
    TenantUsage usage = tenants.account(account);
    LocalDate today = tenants.today();
    SortedMap<LocalDate, Long> recorded =
        store.read(tx -> tx.accounts().usage(account.id(), today.minusDays(days - 1L)));
    SortedMap<LocalDate, Long> daily = new java.util.TreeMap<>();
    for (int i = days - 1; i >= 0; i--) {
      LocalDate day = today.minusDays(i);
      daily.put(day, recorded.getOrDefault(day, 0L));
    }
    return new Usage(usage.used(today), usage.limit(), daily);
  }

  List<AccountRecord> invitees(String accountId) {
    return store.read(tx -> tx.accounts().invitedBy(accountId));
  }

  List<AccountRecord> all() {
    return store.read(tx -> tx.accounts().accounts());
  }

  /** Admin: changes an account's quota and/or disables it (null leaves a value as it is). */
  AccountRecord change(String accountId, Long quotaBytes, Boolean disabled) {
    if (quotaBytes != null && quotaBytes < 0) {
      throw new ApiError(400, "QUOTA_INVALID", "quotaBytes must not be negative");
    }
    AccountRecord account =
        store
            .read(tx -> tx.accounts().account(accountId))
            .orElseThrow(() -> new ApiError(404, "NOT_FOUND", "no such account"));
    AccountRecord next = account;
    if (quotaBytes != null) {
      next = next.withQuotaBytes(quotaBytes);
    }
    if (disabled != null) {
      next = next.withDisabled(disabled);
    }
    AccountRecord changed = next;
    store.write(tx -> tx.accounts().updateAccount(changed));
    tenants.changed(changed);
    return changed;
  }

  /** Every account, with its usage, for the admin pages. */
  List<Object[]> withUsage() {
    List<Object[]> rows = new ArrayList<>();
    LocalDate today = tenants.today();
    for (AccountRecord a : all()) {
      rows.add(new Object[] {a, tenants.account(a).used(today)});
    }
    return rows;
  }
}
