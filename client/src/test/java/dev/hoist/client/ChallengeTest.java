package dev.hoist.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ChallengeTest {

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of(
            "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                + "scope=\"repository:library/ubuntu:pull\"",
            List.of(
                new Challenge(
                    "bearer",
                    Map.of(
                        "realm", "https://auth.docker.io/token",
                        "service", "registry.docker.io",
                        "scope", "repository:library/ubuntu:pull")))),
        Arguments.of(
            "Bearer realm=\"https://r/token\",scope=\"repository:a/b:pull,push\"",
            List.of(
                new Challenge(
                    "bearer",
                    Map.of("realm", "https://r/token", "scope", "repository:a/b:pull,push")))),
        Arguments.of(
            "Bearer realm=\"https://r/token\", service=\"s\", Basic realm=\"Registry Realm\"",
            List.of(
                new Challenge("bearer", Map.of("realm", "https://r/token", "service", "s")),
                new Challenge("basic", Map.of("realm", "Registry Realm")))),
        Arguments.of(
            "Basic realm=registry", List.of(new Challenge("basic", Map.of("realm", "registry")))),
        Arguments.of(
            "BEARER Realm = \"https://r/t\" , Service=\"s\"",
            List.of(new Challenge("bearer", Map.of("realm", "https://r/t", "service", "s")))),
        Arguments.of(
            "Bearer realm=\"a \\\"quoted\\\" realm, with comma\"",
            List.of(new Challenge("bearer", Map.of("realm", "a \"quoted\" realm, with comma")))),
        Arguments.of(
            "Bearer realm=\"https://r/token\",error=\"insufficient_scope\",scope=\"repository:localhost:5000/app:pull\"",
            List.of(
                new Challenge(
                    "bearer",
                    Map.of(
                        "realm", "https://r/token",
                        "error", "insufficient_scope",
                        "scope", "repository:localhost:5000/app:pull")))),
        Arguments.of("Negotiate abc123==", List.of(new Challenge("negotiate", Map.of()))),
        Arguments.of(
            "Negotiate, Basic realm=\"x\"",
            List.of(
                new Challenge("negotiate", Map.of()),
                new Challenge("basic", Map.of("realm", "x")))),
        Arguments.of(
            "Bearer realm=https://r/token,service=s",
            List.of(new Challenge("bearer", Map.of("realm", "https://r/token", "service", "s")))),
        Arguments.of("", List.of()),
        Arguments.of(" , ,", List.of()));
  }

  @ParameterizedTest
  @MethodSource("table")
  void parsesChallenges(String header, List<Challenge> expected) {
    assertThat(Challenge.parse(header)).isEqualTo(expected);
  }

  @Test
  void challengesFromSeveralHeadersAreKeptInOrder() {
    List<Challenge> all =
        Challenge.parseAll(List.of("Basic realm=\"b\"", "Bearer realm=\"https://r/t\""));
    assertThat(all).extracting(Challenge::scheme).containsExactly("basic", "bearer");
  }

  @Test
  void parameterLookupIgnoresCase() {
    Challenge c = Challenge.parse("Bearer Realm=\"https://r/t\"").get(0);
    assertThat(c.param("REALM")).isEqualTo("https://r/t");
    assertThat(c.param("service")).isNull();
  }

  @Test
  void unterminatedQuoteTakesTheRest() {
    assertThat(Challenge.parse("Bearer realm=\"https://r/t").get(0).param("realm"))
        .isEqualTo("https://r/t");
  }
}
