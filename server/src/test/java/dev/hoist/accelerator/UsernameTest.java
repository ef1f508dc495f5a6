package dev.hoist.accelerator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UsernameTest {

  @Test
  void aUsernameIsOneLowercaseRepositoryPathComponentOfTwoToThirtyCharacters() {
    for (String ok : Set.of("al", "alice", "john.smith", "a_b", "a__b", "a---b", "x9", "0123")) {
      assertThat(Username.isValid(ok)).as(ok).isTrue();
    }
    for (String bad :
        Set.of(
            "a",
            "Alice",
            "a/b",
            "-ab",
            "ab-",
            "a..b",
            "a._b",
            "a___b",
            "a@b",
            "",
            "a".repeat(31))) {
      assertThat(Username.isValid(bad)).as(bad).isFalse();
    }
    assertThat(Username.isValid(null)).isFalse();
    assertThatThrownBy(() -> Username.of("Alice")).hasMessageContaining("lowercase");
  }

  @Test
  void aNameFromAnEmailKeepsTheLocalPartWhereDockerAllowsIt() {
    assertThat(Username.fromEmail("alice@example.com", n -> false).value()).isEqualTo("alice");
    assertThat(Username.fromEmail("John.Smith+hoist@example.com", n -> false).value())
        .isEqualTo("john.smith-hoist");
    assertThat(Username.fromEmail("josé@example.com", n -> false).value()).isEqualTo("jose");
    assertThat(Username.fromEmail("a..b__c___d@example.com", n -> false).value())
        .isEqualTo("a-b__c-d");
    assertThat(Username.fromEmail("-_.x.-@example.com", n -> false).value()).isEqualTo("x2");
    assertThat(Username.fromEmail("+++@example.com", n -> false).value()).isEqualTo("user");
    assertThat(Username.fromEmail("x".repeat(40) + "@example.com", n -> false).value())
        .isEqualTo("x".repeat(30));
  }

  @Test
  void aTakenNameGetsTheFirstFreeNumberAndStaysWithinThirtyCharacters() {
    Set<String> taken = new HashSet<>(Set.of("alice", "alice2", "library"));
    assertThat(Username.fromEmail("alice@example.com", taken::contains).value())
        .isEqualTo("alice3");
    assertThat(Username.fromEmail("library@example.com", taken::contains).value())
        .isEqualTo("library2");
    String long30 = "y".repeat(30);
    assertThat(Username.fromEmail(long30 + "@example.com", Set.of(long30)::contains).value())
        .isEqualTo("y".repeat(29) + "2");
    // A cut that ends on a separator drops it rather than make an invalid name.
    String dotted = "y".repeat(28) + ".z";
    assertThat(Username.fromEmail(dotted + "@example.com", Set.of(dotted)::contains).value())
        .isEqualTo("y".repeat(28) + "2");
  }
}
