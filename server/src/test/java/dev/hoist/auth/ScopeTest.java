package dev.hoist.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScopeTest {

  @Test
  void repositoryScopeSplitsIntoTypeNameAndActions() {
    Scope s = Scope.parse("repository:alice/app:pull,push");
    assertThat(s.type()).isEqualTo("repository");
    assertThat(s.name()).isEqualTo("alice/app");
    assertThat(s.actions()).containsExactly("pull", "push");
    assertThat(s).hasToString("repository:alice/app:pull,push");
  }

  @Test
  void nameWithHostAndPortKeepsItsColonBecauseActionsStartAfterTheLastOne() {
    Scope s = Scope.parse("repository:localhost:5000/x:pull");
    assertThat(s.type()).isEqualTo("repository");
    assertThat(s.name()).isEqualTo("localhost:5000/x");
    assertThat(s.actions()).containsExactly("pull");
  }

  @Test
  void catalogScopeHasTheWildcardAction() {
    Scope s = Scope.parse("registry:catalog:*");
    assertThat(s.type()).isEqualTo("registry");
    assertThat(s.name()).isEqualTo("catalog");
    assertThat(s.actions()).containsExactly("*");
  }

  @Test
  void resourceClassIsDroppedFromTheType() {
    assertThat(Scope.parse("repository(plugin):vendor/p:pull").type()).isEqualTo("repository");
  }

  @Test
  void actionsAreDedupedAndPutInCanonicalOrder() {
    assertThat(Scope.parse("repository:a:push,pull,push,").actions())
        .containsExactly("pull", "push");
  }

  @Test
  void malformedScopesAreRefused() {
    for (String bad :
        List.of(
            "repository",
            "repository:alice",
            "repository::pull",
            ":alice:pull",
            "repository:alice:",
            "repository:alice:,",
            "Repo:alice:pull",
            "repository:a\"b:pull",
            "repository:alice:pu\"ll")) {
      assertThatThrownBy(() -> Scope.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void parseAllTakesRepeatedParametersAndSpaceSeparatedScopes() {
    List<Scope> scopes =
        Scope.parseAll(List.of("repository:a:pull repository:b:push", "registry:catalog:*"));
    assertThat(scopes)
        .extracting(Scope::toString)
        .containsExactly("repository:a:pull", "repository:b:push", "registry:catalog:*");
  }
}
