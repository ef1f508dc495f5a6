package dev.hoist.accelerator;

import dev.hoist.api.ApiError;
import dev.hoist.auth.User;
import dev.hoist.auth.UserDirectory;
import dev.hoist.storage.AccountRecord;
import dev.hoist.storage.MetadataStore;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the console and the JSON API do with accounts: sign up (with an invitation bonus for both
 * sides), check passwords, start the accelerator, rotate the address, report usage, administer.
 * Every method blocks (database, bcrypt): call it off the event loop. Also the {@link
 * UserDirectory} through which registry logins accept console accounts, by username or email.
 *
 * <p>An account's registry user is named by its username (so it may push to {@code
 * <username>/...}), with its email as an alias (so {@code auth.rules} naming the email keep
 * working). Sign-up refuses a username that the configuration reserves (see {@link
 * dev.hoist.auth.AuthService#reservedNames()}); an account whose username became reserved later (an
 * htpasswd user or a rule added since, or a name given by the migration) is named by its email
 * instead, as before usernames existed, so it never shares another user's name.
 */
final class Accounts implements UserDirectory {
  private static final Logger log = LoggerFactory.getLogger(Accounts.class);
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,255}");
  static final int MIN_PASSWORD = 8;
  static final String DISABLED_MESSAGE = "this account is disabled";

  private final AcceleratorConfig config;
  private final MetadataStore store;
  private final Tenants tenants;
  private final TenantIds ids;
  private final PasswordHasher hasher;
  private final AccessTokens accessTokens;
  private final Set<String> reservedUsernames;

  /**
   * @param reservedUsernames names no account may take (besides {@link Username#ALWAYS_RESERVED})
   */
  Accounts(
      AcceleratorConfig config,
      MetadataStore store,
      Tenants tenants,
      TenantIds ids,
      PasswordHasher hasher,
      AccessTokens accessTokens,
      Set<String> reservedUsernames) {
    this.accessTokens = accessTokens;
    this.config = config;
    this.store = store;
    this.tenants = tenants;
    this.ids = ids;
    this.hasher = hasher;
    Set<String> reserved = new HashSet<>(Username.ALWAYS_RESERVED);
    reservedUsernames.forEach(n -> reserved.add(n.toLowerCase(Locale.ROOT)));
    this.reservedUsernames = Set.copyOf(reserved);
  }

  /** A name typed at sign-in or sign-up (an email or a username), trimmed and lowercase. */
  static String normalize(String name) {
    return name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
  }

  AccountRecord signup(String rawEmail, String rawUsername, String password, String inviteCode) {
    String email = normalize(rawEmail);
    if (!EMAIL.matcher(email).matches()) {
      throw new ApiError(400, "EMAIL_INVALID", "an email address is required");
    }
    String username = normalize(rawUsername);
    if (!Username.isValid(username)) {
      throw new ApiError(400, "USERNAME_INVALID", Username.RULE);
    }
    if (reservedUsernames.contains(username)) {
      throw new ApiError(
          409,
          "USERNAME_TAKEN",
          "the username " + username + " is reserved on this registry; choose another");
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
                      username,
                      hash,
                      config.admins().contains(email),
                      null,
                      quota,
                      false,
                      ids.next(12),
                      inviter == null ? null : inviter.id(),
                      tenants.clock().instant());
              if (accounts.accountByEmail(email).isPresent()) {
                throw new ApiError(409, "EMAIL_TAKEN", "an account with this email exists");
              }
              if (accounts.accountByUsername(username).isPresent()) {
                throw new ApiError(
                    409,
                    "USERNAME_TAKEN",
                    "the username " + username + " is taken; choose another");
              }
              if (!accounts.createAccount(account)) {
                // Only the random invite code is left to collide: rare, and worth a retry.
                throw new IllegalStateException("a new account's invite code is taken");
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

  /**
   * The account, when the password is right; {@code name} is its email or its username. Takes as
   * long for an unknown name.
   */
  Optional<AccountRecord> check(String name, String password) {
    if (password == null) {
      return Optional.empty();
    }
    Optional<AccountRecord> account = find(normalize(name), store);
    if (account.isEmpty()) {
      hasher.verifyNothing(password);
      return Optional.empty();
    }
    return hasher.verify(account.get().passwordHash(), password) ? account : Optional.empty();
  }

  private static Optional<AccountRecord> find(String normalized, MetadataStore store) {
    // An email has an @, a username never does.
    return store.read(
        tx ->
            normalized.indexOf('@') >= 0
                ? tx.accounts().accountByEmail(normalized)
                : tx.accounts().accountByUsername(normalized));
  }

  @Override
  public Optional<User> authenticate(String name, String password) {
    return signIn(name, password).map(Entry::user);
  }

  /**
   * A registry sign-in by username or email with the password or one of the account's access
   * tokens. A token's refresh tokens carry the token's stamp, so revoking it ends them too.
   */
  @Override
  public Optional<Entry> signIn(String name, String password) {
    if (AccessTokens.looksLikeToken(password)) {
      Optional<AccountRecord> account = find(normalize(name), store).filter(a -> !a.disabled());
      Optional<Entry> byToken =
          account.flatMap(
              a ->
                  accessTokens
                      .signIn(a, password)
                      .map(t -> new Entry(registryUser(a), AccessTokens.stamp(t))));
      if (byToken.isPresent()) {
        return byToken;
      }
      // Not a token of this account: perhaps a password that looks like one.
    }
    return check(name, password)
        .filter(a -> !a.disabled())
        .map(a -> new Entry(registryUser(a), UserDirectory.passwordStamp(a.passwordHash())));
  }

  @Override
  public Optional<User> stillValid(String name, String passwordStamp) {
    if (!AccessTokens.isTokenStamp(passwordStamp)) {
      return UserDirectory.super.stillValid(name, passwordStamp);
    }
    return find(normalize(name), store)
        .filter(a -> !a.disabled())
        .filter(a -> accessTokens.stampValid(a, passwordStamp))
        .map(this::registryUser);
  }

  /**
   * The enabled account with this username or email, for refresh tokens (whose subject is the
   * username, or the email of an account whose username is reserved or of a token issued before
   * usernames existed).
   */
  @Override
  public Optional<Entry> find(String name) {
    return find(normalize(name), store)
        .filter(a -> !a.disabled())
        .map(a -> new Entry(registryUser(a), UserDirectory.passwordStamp(a.passwordHash())));
  }

  /** Who the account is on the registry; see the class comment. */
  User registryUser(AccountRecord a) {
    if (usernameReserved(a)) {
      return new User(a.email(), a.admin(), Set.of());
    }
    return new User(a.username(), a.admin(), Set.of(), Set.of(a.email()));
  }

  /** Whether the configuration now reserves the account's username: then it has no namespace. */
  boolean usernameReserved(AccountRecord a) {
    return reservedUsernames.contains(a.username());
  }

  /** Logs each account whose username the configuration reserves, so that operators see them. */
  void warnAboutReservedUsernames() {
    for (AccountRecord a : all()) {
      if (usernameReserved(a)) {
        log.warn(
            "account username reserved by the configuration; the account signs in to the registry"
                + " under its email and has no namespace: account={} username={}",
            a.id(),
            a.username());
      }
    }
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
      AccountRecord next = account.withTenantId(ids.tenantId().value());
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
    QuotaLedger.Standing standing = tenants.ledger().standing(account.id());
    LocalDate today = tenants.today();
    SortedMap<LocalDate, Long> recorded =
        store.read(tx -> tx.accounts().usage(account.id(), today.minusDays(days - 1L)));
    SortedMap<LocalDate, Long> daily = new java.util.TreeMap<>();
    for (int i = days - 1; i >= 0; i--) {
      LocalDate day = today.minusDays(i);
      daily.put(day, recorded.getOrDefault(day, 0L));
    }
    return new Usage(standing.used(), standing.limit(), daily);
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
    tenants.flush();
    for (AccountRecord a : all()) {
      rows.add(new Object[] {a, tenants.ledger().standing(a.id()).used()});
    }
    return rows;
  }
}
