package dev.hoist.accelerator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
      AcceleratorConfig.defaults().withQuotas(1000, 100).withAdmins(List.of("root@example.com"));
  final Tenants tenants =
      new Tenants(
          store, InstantSource.fixed(Instant.parse("2026-11-30T12:00:00Z")), QuotaPeriod.NONE);
  final Accounts accounts =
      new Accounts(
          config,
          store,
          tenants,
          new TenantIds(new SecureRandom()),
          new PasswordHasher(new SecureRandom(), 4));

  @Test
  void consoleAccountsSignInToTheRegistryByEmail() {
    accounts.signup("root@example.com", PASSWORD, null);
    accounts.signup("alice@example.com", PASSWORD, null);
    assertThat(accounts.authenticate("alice@example.com", PASSWORD))
        .contains(new User("alice@example.com", false, Set.of()));
    assertThat(accounts.authenticate("root@example.com", PASSWORD))
        .contains(new User("root@example.com", true, Set.of()));
    assertThat(accounts.authenticate("alice@example.com", "wrong password")).isEmpty();
    assertThat(accounts.authenticate("nobody@example.com", PASSWORD)).isEmpty();
  }

  @Test
  void aDisabledAccountCannotSignInToTheRegistry() {
    AccountRecord alice = accounts.signup("alice@example.com", PASSWORD, null);
    accounts.change(alice.id(), null, true);
    assertThat(accounts.authenticate("alice@example.com", PASSWORD)).isEmpty();
  }

  @Test
  void thePasswordIsStoredOnlyAsABcryptHashAndNeverPrinted() {
    AccountRecord alice = accounts.signup("alice@example.com", PASSWORD, null);
    assertThat(alice.passwordHash()).startsWith("$2y$04$").doesNotContain(PASSWORD);
    assertThat(alice.toString()).doesNotContain(alice.passwordHash()).doesNotContain(PASSWORD);
  }

  @Test
  void invitationsGiveBothSidesTheBonus() {
    AccountRecord alice = accounts.signup("alice@example.com", PASSWORD, null);
    AccountRecord bob = accounts.signup("bob@example.com", PASSWORD, alice.inviteCode());
    assertThat(bob.quotaBytes()).isEqualTo(1100);
    assertThat(accounts.account(alice.id()).quotaBytes()).isEqualTo(1100);
    assertThat(accounts.invitees(alice.id()))
        .extracting(AccountRecord::email)
        .containsExactly("bob@example.com");
    assertThatThrownBy(() -> accounts.signup("c@example.com", PASSWORD, "nope"))
        .isInstanceOf(ApiError.class);
  }

  @Test
  void rotatingMovesTheAddressAndKeepsTheUsage() {
    AccountRecord alice = accounts.start(accounts.signup("alice@example.com", PASSWORD, null).id());
    TenantUsage usage = tenants.tenant(alice.tenantId()).orElseThrow();
    usage.charge(42, tenants.today());
    AccountRecord rotated = accounts.rotate(alice.id());
    assertThat(tenants.tenant(alice.tenantId())).isEmpty();
    assertThat(tenants.tenant(rotated.tenantId()).orElseThrow().used(tenants.today()))
        .isEqualTo(42);
    tenants.flush();
    assertThat(accounts.usage(rotated, 30).daily().get(tenants.today())).isEqualTo(42);
  }
}
