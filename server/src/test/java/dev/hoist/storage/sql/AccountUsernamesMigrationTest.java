package dev.hoist.storage.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.accelerator.Username;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Migration V5 derives usernames with a frozen copy of the accelerator's rule, so that it never
 * changes with the code; today the two agree.
 */
class AccountUsernamesMigrationTest {

  @Test
  void theFrozenDerivationGivesWhatTheAcceleratorsRuleGivesToday() {
    Set<String> taken = new HashSet<>(Username.ALWAYS_RESERVED);
    for (String email :
        List.of(
            "alice@example.com",
            "alice@example.org",
            "John.Smith+hoist@example.com",
            "josé@example.com",
            "a..b__c___d@example.com",
            "library@example.com",
            "@example.com",
            "x@example.com",
            "a-very-long-local-part-that-goes-on-and-on@example.com")) {
      String frozen = AccountUsernamesMigration.fromEmail(email, taken);
      assertThat(frozen).as(email).isEqualTo(Username.fromEmail(email, taken::contains).value());
      taken.add(frozen);
    }
  }
}
