package dev.hoist.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ScopeTest {

  /** input, type, name, actions in canonical order. */
  static Stream<Arguments> valid() {
    return Stream.of(
        Arguments.of("repository:alice/app:pull,push", "repository", "alice/app", "pull,push"),
        Arguments.of("repository:localhost:5000/x:pull", "repository", "localhost:5000/x", "pull"),
        Arguments.of("registry:catalog:*", "registry", "catalog", "*"),
        Arguments.of("repository(plugin):vendor/p:pull", "repository", "vendor/p", "pull"),
        Arguments.of("repository:a:push,pull,push,", "repository", "a", "pull,push"),
        Arguments.of("repository:a:delete,*,push,pull", "repository", "a", "pull,push,delete,*"),
        Arguments.of("repository:a:zz,pull,aa", "repository", "a", "pull,aa,zz"),
        Arguments.of("repository:a: pull , push", "repository", "a", "pull,push"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valid")
  void parseSplitsAtTheFirstAndLastColon(String input, String type, String name, String actions) {
    Scope s = Scope.parse(input);
    assertThat(s.type()).isEqualTo(type);
    assertThat(s.name()).isEqualTo(name);
    assertThat(String.join(",", s.actions())).isEqualTo(actions);
    assertThat(s).hasToString(type + ":" + name + ":" + actions);
    assertThat(Scope.parse(s.toString())).isEqualTo(s);
  }

  static Stream<String> invalid() {
    return Stream.of(
        "",
        "repository",
        "repository:alice",
        "repository::pull",
        ":alice:pull",
        "repository:alice:",
        "repository:alice:,",
        "Repo:alice:pull",
        "repository(:a:pull",
        "repository(Plugin):a:pull",
        "repository:a\"b:pull",
        "repository:a\\b:pull",
        "repository:a\u0001b:pull",
        "repository:alice:pu\"ll",
        "repository:alice:PULL");
  }

  @ParameterizedTest(name = "\"{0}\"")
  @MethodSource("invalid")
  void parseRefusesMalformedScopes(String input) {
    assertThatThrownBy(() -> Scope.parse(input)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void parseAllTakesRepeatedParametersAndSpaceSeparatedScopes() {
    List<Scope> scopes =
        Scope.parseAll(
            java.util.Arrays.asList(
                "repository:a:pull repository:b:push", null, "  registry:catalog:*  "));
    assertThat(scopes)
        .extracting(Scope::toString)
        .containsExactly("repository:a:pull", "repository:b:push", "registry:catalog:*");
  }

  @Test
  void parseAllRefusesTheRequestAtTheFirstMalformedScope() {
    assertThatThrownBy(() -> Scope.parseAll(List.of("repository:a:pull nonsense")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void parseTolerantSkipsMalformedScopesOfAChallenge() {
    assertThat(
            Scope.parseTolerant(
                "repository:a:pull nonsense repository:b: :x: repository::pull Repo:c:pull"))
        .containsExactly(Scope.pull(RepositoryName.of("a")));
    assertThat(Scope.parseTolerant(null)).isEmpty();
    assertThat(Scope.parseTolerant("  ")).isEmpty();
  }

  @Test
  void pullAndPushPullNameARepository() {
    RepositoryName app = RepositoryName.of("team/app");
    assertThat(Scope.pull(app)).hasToString("repository:team/app:pull");
    assertThat(Scope.pushPull(app)).hasToString("repository:team/app:pull,push");
  }

  @Test
  void aPushPullTokenCoversPull() {
    RepositoryName app = RepositoryName.of("app");
    assertThat(Scope.pushPull(app).covers(Scope.pull(app))).isTrue();
    assertThat(Scope.pull(app).covers(Scope.pushPull(app))).isFalse();
    assertThat(Scope.covers(List.of(Scope.pushPull(app)), List.of(Scope.pull(app)))).isTrue();
    assertThat(Scope.covers(List.of(Scope.pull(app)), List.of(Scope.pushPull(app)))).isFalse();
    assertThat(
            Scope.covers(List.of(Scope.pull(app)), List.of(Scope.pull(RepositoryName.of("other")))))
        .isFalse();
    assertThat(Scope.covers(List.of(), List.of())).isTrue();
  }

  @Test
  void mergeUnitesActionsPerResource() {
    RepositoryName app = RepositoryName.of("app");
    RepositoryName base = RepositoryName.of("base");
    assertThat(
            Scope.merge(
                List.of(Scope.pull(base), Scope.parse("repository:app:push"), Scope.pull(app))))
        .containsExactly(Scope.pushPull(app), Scope.pull(base));
  }

  @Test
  void withActionsKeepsTheResourceAndMayGrantNothing() {
    Scope s = Scope.parse("repository:a:pull,push");
    assertThat(s.withActions(Set.of("pull"))).hasToString("repository:a:pull");
    assertThat(s.withActions(Set.of()).actions()).isEmpty();
  }

  @Test
  void equalityIgnoresTheOrderActionsWereGivenIn() {
    assertThat(new Scope("repository", "a", Set.of("push", "pull")))
        .isEqualTo(Scope.parse("repository:a:push,pull"));
  }

  @Test
  void constructionRefusesWhatCouldNotBeWritten() {
    assertThatThrownBy(() -> new Scope("repository", "", Set.of("pull")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Scope("repository", "a b", Set.of("pull")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Scope("repo:x", "a", Set.of("pull")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Scope("repository", "a", Set.of("pull,push")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
