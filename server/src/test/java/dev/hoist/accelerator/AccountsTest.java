package dev.hoist.accelerator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.api.ApiError;
import dev.hoist.auth.User;
import dev.hoist.storage.AccountRecord;
import dev.hoist.testkit.MemoryMetadataStore;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccountsTest {
  static final String PASSWORD = "correct horse battery";
  final MemoryMetadataStore store = new MemoryMetadataStore();
  final AcceleratorConfig config =
      AcceleratorConfig.builder()
          .defaultQuotaBytes(1000)
          .inviteBonusBytes(100)
          .admins(List.of("root@example.com"))
          .build();
  final Tenants tenants =
      new Tenants(
          store,
          InstantSource.fixed(Instant.parse("2026-11-30T12:00:00Z")),
          QuotaPeriod.NONE,
          "node-a");
  final AccessTokens accessTokens =
      new AccessTokens(
          store,
          new TenantIds(new SecureRandom()),
          InstantSource.fixed(Instant.parse("2026-11-30T12:00:00Z")));
  final Accounts accounts = accounts(Set.of("team", "ops"));

  private Accounts accounts(Set<String> reserved) {
    return new Accounts(
        config,
        store,
        tenants,
        new TenantIds(new SecureRandom()),
        new PasswordHasher(new SecureRandom(), 4),
        accessTokens,
        reserved);
  }

  private AccountRecord signup(String email, String invite) {
    return accounts.signup(email, email.substring(0, email.indexOf('@')), PASSWORD, invite);
  }

  private static ApiError refusal(Runnable signup) {
    try {
      signup.run();
    } catch (ApiError e) {
      return e;
    }
    throw new AssertionError("the sign-up was not refused");
  }

  @Test
  void consoleAccountsSignInToTheRegistryByUsernameOrEmailAndAreNamedByTheirUsername() {
    signup("root@example.com", null);
    accounts.signup("alice@example.com", "ally", PASSWORD, null);
    User alice = new User("ally", false, Set.of(), Set.of("alice@example.com"));
    assertThat(accounts.authenticate("alice@example.com", PASSWORD)).contains(alice);
    assertThat(accounts.authenticate("ally", PASSWORD)).contains(alice);
    assertThat(accounts.authenticate(" Ally ", PASSWORD)).contains(alice);
    assertThat(accounts.authenticate("root", PASSWORD))
        .contains(new User("root", true, Set.of(), Set.of("root@example.com")));
    assertThat(accounts.authenticate("ally", "wrong password")).isEmpty();
    assertThat(accounts.authenticate("alice", PASSWORD)).isEmpty();
    assertThat(accounts.authenticate("nobody@example.com", PASSWORD)).isEmpty();
    // Refresh tokens name the username; older ones the email.
    assertThat(accounts.find("ally").map(e -> e.user())).contains(alice);
    assertThat(accounts.find("alice@example.com").map(e -> e.user())).contains(alice);
  }

  @Test
  void aUsernameIsLowercasedAndMustBeAValidRepositoryComponent() {
    assertThat(accounts.signup("a@example.com", " Alice ", PASSWORD, null).username())
        .isEqualTo("alice");
    for (String bad : new String[] {null, "", "x", "-al", "al-", "a/b", "a b", "a..b", "é1"}) {
      ApiError e = refusal(() -> accounts.signup("b@example.com", bad, PASSWORD, null));
      assertThat(e.status()).as(bad).isEqualTo(400);
      assertThat(e.code()).as(bad).isEqualTo("USERNAME_INVALID");
      assertThat(e.getMessage()).contains("2 to 30 lowercase letters and digits");
    }
    assertThat(
            refusal(() -> accounts.signup("b@example.com", "b".repeat(31), PASSWORD, null)).code())
        .isEqualTo("USERNAME_INVALID");
    assertThat(accounts.signup("b@example.com", "b".repeat(30), PASSWORD, null).username())
        .hasSize(30);
  }

  @Test
  void aTakenOrReservedUsernameIsRefusedWithConflict() {
    accounts.signup("a@example.com", "alice", PASSWORD, null);
    for (String name : new String[] {"alice", "team", "ops", "library", "localhost"}) {
      ApiError e = refusal(() -> accounts.signup("b@example.com", name, PASSWORD, null));
      assertThat(e.status()).as(name).isEqualTo(409);
      assertThat(e.code()).as(name).isEqualTo("USERNAME_TAKEN");
      assertThat(e.getMessage()).as(name).contains(name).contains("choose another");
    }
    ApiError email = refusal(() -> accounts.signup("a@example.com", "other", PASSWORD, null));
    assertThat(email.code()).isEqualTo("EMAIL_TAKEN");
    assertThat(accounts.all()).hasSize(1);
  }

  @Test
  void anAccountWhoseUsernameBecameReservedSignsInUnderItsEmailWithoutANamespace() {
    AccountRecord bob = accounts.signup("bob@example.com", "bob", PASSWORD, null);
    // Restarted with an htpasswd user (or a rule) named bob.
    Accounts later = accounts(Set.of("bob"));
    assertThat(later.usernameReserved(bob)).isTrue();
    User asBefore = new User("bob@example.com", false, Set.of());
    assertThat(later.authenticate("bob", PASSWORD)).contains(asBefore);
    assertThat(later.authenticate("bob@example.com", PASSWORD)).contains(asBefore);
    assertThat(later.find("bob").map(e -> e.user())).contains(asBefore);
  }

  @Test
  void aDisabledAccountCannotSignInToTheRegistry() {
    AccountRecord alice = signup("alice@example.com", null);
    accounts.change(alice.id(), null, true);
    assertThat(accounts.authenticate("alice@example.com", PASSWORD)).isEmpty();
  }

  @Test
  void thePasswordIsStoredOnlyAsABcryptHashAndNeverPrinted() {
    AccountRecord alice = signup("alice@example.com", null);
    assertThat(alice.passwordHash()).startsWith("$2y$04$").doesNotContain(PASSWORD);
    assertThat(alice.toString()).doesNotContain(alice.passwordHash()).doesNotContain(PASSWORD);
  }

  @Test
  void invitationsGiveBothSidesTheBonus() {
    AccountRecord alice = signup("alice@example.com", null);
    AccountRecord bob = signup("bob@example.com", alice.inviteCode());
    assertThat(bob.quotaBytes()).isEqualTo(1100);
    assertThat(accounts.account(alice.id()).quotaBytes()).isEqualTo(1100);
    assertThat(accounts.invitees(alice.id()))
        .extracting(AccountRecord::email)
        .containsExactly("bob@example.com");
    assertThatThrownBy(() -> signup("c@example.com", "nope")).isInstanceOf(ApiError.class);
  }

  @Test
  void rotatingMovesTheAddressAndKeepsTheUsage() {
    AccountRecord alice = accounts.start(signup("alice@example.com", null).id());
    AccountRecord account = tenants.tenant(new TenantId(alice.tenantId())).orElseThrow();
    tenants.ledger().charge(account.id(), 42);
    AccountRecord rotated = accounts.rotate(alice.id());
    assertThat(tenants.cachedTenant(new TenantId(alice.tenantId()))).isEmpty();
    assertThat(tenants.tenant(new TenantId(alice.tenantId()))).isEmpty();
    assertThat(tenants.cachedTenant(new TenantId(rotated.tenantId()))).contains(rotated);
    assertThat(accounts.usage(rotated, 30).used()).isEqualTo(42);
    assertThat(accounts.usage(rotated, 30).daily().get(tenants.today())).isEqualTo(42);
  }

  @Test
  void anAccessTokenSignsInAsItsOwnAccountOnlyByUsernameOrEmail() {
    AccountRecord alice = accounts.signup("alice@example.com", "alice", PASSWORD, null);
    AccountRecord bob = accounts.signup("bob@example.com", "bob", PASSWORD, null);
    String secret = accessTokens.create(alice, " laptop ").secret();
    String bobs = accessTokens.create(bob, "ci").secret();
    assertThat(secret).startsWith("hoist_pat_").hasSize("hoist_pat_".length() + 32);
    assertThat(accounts.authenticate("alice", secret).map(User::name)).contains("alice");
    assertThat(accounts.authenticate("Alice@Example.com", secret).map(User::name))
        .contains("alice");
    // Never as another account, whichever way round.
    assertThat(accounts.authenticate("bob", secret)).isEmpty();
    assertThat(accounts.authenticate("alice", bobs)).isEmpty();
    assertThat(accounts.authenticate("nobody", secret)).isEmpty();
    assertThat(accounts.authenticate("alice", secret + "x")).isEmpty();
    // The password still works; a token opens no console session (check is the console's).
    assertThat(accounts.authenticate("alice", PASSWORD)).isPresent();
    assertThat(accounts.check("alice", secret)).isEmpty();

    var listed = accessTokens.list(alice);
    assertThat(listed).hasSize(1);
    assertThat(listed.get(0).name()).isEqualTo("laptop");
    assertThat(listed.get(0).hash()).isNotEqualTo(secret).doesNotContain(secret);
    assertThat(listed.get(0).lastUsed()).isEqualTo(Instant.parse("2026-11-30T12:00:00Z"));
  }

  @Test
  void aRevokedTokenStopsSigningInAndEndsTheRefreshTokensIssuedThroughIt() {
    AccountRecord alice = accounts.signup("alice@example.com", "alice", PASSWORD, null);
    AccountRecord bob = accounts.signup("bob@example.com", "bob", PASSWORD, null);
    AccessTokens.Created created = accessTokens.create(alice, "laptop");
    var entry = accounts.signIn("alice", created.secret()).orElseThrow();
    String stamp = entry.passwordStamp();
    assertThat(accounts.stillValid("alice", stamp)).isPresent();
    assertThat(accounts.stillValid("bob", stamp)).as("another account's stamp").isEmpty();

    // Bob cannot revoke it: to him it does not exist.
    assertThatThrownBy(() -> accessTokens.revoke(bob, created.token().id()))
        .isInstanceOf(ApiError.class)
        .hasMessage("no such token");
    assertThat(accounts.authenticate("alice", created.secret())).isPresent();

    accessTokens.revoke(alice, created.token().id());
    assertThat(accounts.authenticate("alice", created.secret())).isEmpty();
    assertThat(accounts.stillValid("alice", stamp)).isEmpty();
    assertThat(accessTokens.list(alice)).isEmpty();
    assertThat(accounts.authenticate("alice", PASSWORD)).isPresent();
  }

  @Test
  void aDisabledAccountsTokensStopAndTokenNamesAreChecked() {
    AccountRecord alice = accounts.signup("alice@example.com", "alice", PASSWORD, null);
    String secret = accessTokens.create(alice, "laptop").secret();
    accounts.change(alice.id(), null, true);
    assertThat(accounts.authenticate("alice", secret)).isEmpty();
    for (String bad : new String[] {"", "   ", "x".repeat(65), "a\nb", null}) {
      assertThatThrownBy(() -> accessTokens.create(alice, bad))
          .as("%s", bad)
          .isInstanceOf(ApiError.class)
          .hasMessageContaining("1 to 64 characters");
    }
  }
}
