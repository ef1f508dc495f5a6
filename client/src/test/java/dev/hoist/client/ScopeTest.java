package dev.hoist.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.oci.RepositoryName;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ScopeTest {

  @Test
  void repositoryNameMayContainHostAndPort() {
    Scope s = Scope.parse("repository:localhost:5000/app:pull,push");
    assertThat(s.type()).isEqualTo("repository");
    assertThat(s.name()).isEqualTo("localhost:5000/app");
    assertThat(s.actions()).containsExactlyInAnyOrder("pull", "push");
    assertThat(s).hasToString("repository:localhost:5000/app:pull,push");
  }

  @Test
  void catalogScopeParses() {
    assertThat(Scope.parse("registry:catalog:*"))
        .isEqualTo(new Scope("registry", "catalog", Set.of("*")));
  }

  @Test
  void malformedScopesAreSkipped() {
    assertThat(Scope.parseList("repository:a:pull nonsense repository:b: :x:"))
        .containsExactly(Scope.pull(RepositoryName.of("a")));
  }

  @Test
  void aPushPullTokenCoversPull() {
    RepositoryName app = RepositoryName.of("app");
    assertThat(Scope.covers(List.of(Scope.pushPull(app)), List.of(Scope.pull(app)))).isTrue();
    assertThat(Scope.covers(List.of(Scope.pull(app)), List.of(Scope.pushPull(app)))).isFalse();
    assertThat(
            Scope.covers(List.of(Scope.pull(app)), List.of(Scope.pull(RepositoryName.of("other")))))
        .isFalse();
  }

  @Test
  void mergeUnitesActionsPerResource() {
    RepositoryName app = RepositoryName.of("app");
    assertThat(Scope.merge(List.of(Scope.pull(app), Scope.parse("repository:app:push"))))
        .containsExactly(Scope.pushPull(app));
  }
}
