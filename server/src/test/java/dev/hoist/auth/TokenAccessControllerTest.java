package dev.hoist.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.Scope;
import dev.hoist.registry.AccessController;
import dev.hoist.registry.AccessController.Access;
import dev.hoist.registry.AccessController.Denial;
import dev.hoist.registry.AccessController.Request;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TokenAccessControllerTest {
  private static final String HOST = "127.0.0.1:5000";
  private final Tokens tokens =
      new Tokens(
          TokenKeys.generate(),
          "hoist",
          Duration.ofMinutes(5),
          InstantSource.fixed(Instant.parse("2026-11-30T12:00:00Z")));
  private final TokenAccessController controller =
      new TokenAccessController(
          tokens,
          new AccessPolicy(List.of(), AnonymousPull.MIRRORED, n -> n.startsWith("docker.io/")),
          TrustedProxies.parse(List.of()),
          "hoist");

  private static Access repo(String name, boolean mirrored, String... actions) {
    return new Access("repository", name, List.of(actions), mirrored);
  }

  private Optional<Denial> check(String host, String token, Access... access) {
    return checkUnder("", host, token, access);
  }

  private AccessController.Decision decide(String token, Access... access) {
    Map<String, String> headers = new HashMap<>();
    if (token != null) {
      headers.put("Authorization", "Bearer " + token);
    }
    return controller.check(
        new Request("GET", HOST, "", "127.0.0.1", false, headers::get, List.of(access)));
  }

  /** A request that reached the registry under a path prefix ({@code /m/<id>}). */
  private Optional<Denial> checkUnder(
      String addressPath, String host, String token, Access... access) {
    Map<String, String> headers = new HashMap<>();
    if (token != null) {
      headers.put("Authorization", "Bearer " + token);
    }
    return controller
        .check(
            new Request(
                "GET", host, addressPath, "127.0.0.1", false, headers::get, List.of(access)))
        .denial();
  }

  @Test
  void requestWithoutTokenGetsAChallengeWithTheScopeItNeeds() {
    Denial d = check(HOST, null, repo("alice/app", false, "pull", "push")).orElseThrow();
    assertThat(d.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
    assertThat(d.headers())
        .containsEntry(
            "WWW-Authenticate",
            "Bearer realm=\"http://127.0.0.1:5000/token\",service=\"hoist\","
                + "scope=\"repository:alice/app:pull,push\"");
  }

  @Test
  void baseEndpointWithoutTokenGetsAChallengeWithoutScope() {
    Denial d = check(HOST, null).orElseThrow();
    assertThat(d.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
    assertThat(d.headers().get("WWW-Authenticate"))
        .isEqualTo("Bearer realm=\"http://127.0.0.1:5000/token\",service=\"hoist\"");
  }

  @Test
  void anyValidTokenOpensTheBaseEndpoint() {
    String anonymous = tokens.mint("", HOST, List.of()).token();
    assertThat(check(HOST, anonymous)).isEmpty();
  }

  @Test
  void anonymousPullOfMirroredContentNeedsNoToken() {
    assertThat(check(HOST, null, repo("docker.io/library/x", true, "pull"))).isEmpty();
    assertThat(check(HOST, null, repo("library/x", false, "pull"))).isPresent();
  }

  @Test
  void anAllowedTokenNamesItsUserAndAnAnonymousRequestNone() {
    String token =
        tokens.mint("alice", HOST, List.of(Scope.parse("repository:alice/app:pull"))).token();

    assertThat(decide(token, repo("alice/app", false, "pull")).principal()).contains("alice");
    assertThat(decide(null, repo("docker.io/library/x", true, "pull")).principal()).isEmpty();
  }

  @Test
  void pullTokenCannotPushOrDelete() {
    String token =
        tokens.mint("alice", HOST, List.of(Scope.parse("repository:alice/app:pull"))).token();

    assertThat(check(HOST, token, repo("alice/app", false, "pull"))).isEmpty();
    for (Access wanted :
        List.of(repo("alice/app", false, "pull", "push"), repo("alice/app", false, "delete"))) {
      Denial d = check(HOST, token, wanted).orElseThrow();
      assertThat(d.code()).isEqualTo(ErrorCode.DENIED);
      assertThat(d.headers().get("WWW-Authenticate"))
          .contains("scope=\"repository:alice/app:" + String.join(",", wanted.actions()) + "\"")
          .endsWith(",error=\"insufficient_scope\"");
    }
    assertThat(check(HOST, token, repo("alice/other", false, "pull"))).isPresent();
  }

  @Test
  void anonymousTokenWithoutTheScopeGets401SoTheClientSignsIn() {
    String anonymous = tokens.mint("", HOST, List.of()).token();
    Denial d = check(HOST, anonymous, repo("alice/app", false, "pull", "push")).orElseThrow();
    assertThat(d.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
    assertThat(d.headers().get("WWW-Authenticate")).endsWith(",error=\"insufficient_scope\"");
  }

  @Test
  void tokenForAnotherHostIsAnInvalidToken() {
    String token =
        tokens.mint("alice", "127.0.0.1:5000", List.of(Scope.parse("repository:a/b:pull"))).token();
    Denial d = check("localhost:5000", token, repo("a/b", false, "pull")).orElseThrow();
    assertThat(d.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
    assertThat(d.headers().get("WWW-Authenticate"))
        .startsWith("Bearer realm=\"http://localhost:5000/token\"")
        .endsWith(",error=\"invalid_token\"");
  }

  @Test
  void underAPathPrefixTheChallengeAndTheAudienceCarryThePrefix() {
    Access pull = repo("a/b", false, "pull");
    Denial challenge = checkUnder("/m/aaa", HOST, null, pull).orElseThrow();
    assertThat(challenge.headers().get("WWW-Authenticate"))
        .startsWith("Bearer realm=\"http://127.0.0.1:5000/m/aaa/token\",service=\"hoist\"");

    List<Scope> scopes = List.of(Scope.parse("repository:a/b:pull"));
    String forA = tokens.mint("alice", HOST + "/m/aaa", scopes).token();
    assertThat(checkUnder("/m/aaa", HOST, forA, pull)).isEmpty();
    for (String elsewhere : List.of("/m/bbb", "")) {
      Denial d = checkUnder(elsewhere, HOST, forA, pull).orElseThrow();
      assertThat(d.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
      assertThat(d.headers().get("WWW-Authenticate"))
          .startsWith("Bearer realm=\"http://127.0.0.1:5000" + elsewhere + "/token\"")
          .endsWith(",error=\"invalid_token\"");
    }
    // A token of the root address is no token of a tenant's either.
    String atRoot = tokens.mint("alice", HOST, scopes).token();
    assertThat(checkUnder("/m/aaa", HOST, atRoot, pull)).isPresent();
  }

  @Test
  void garbageTokenIsAnInvalidTokenEvenWhereAnonymousMayPull() {
    Denial d = check(HOST, "garbage", repo("docker.io/library/x", true, "pull")).orElseThrow();
    assertThat(d.headers().get("WWW-Authenticate")).contains("error=\"invalid_token\"");
  }

  @Test
  void catalogNeedsTheCatalogScope() {
    Access catalog = new Access("registry", "catalog", List.of("*"), false);
    String admin = tokens.mint("root", HOST, List.of(Scope.parse("registry:catalog:*"))).token();
    String user = tokens.mint("alice", HOST, List.of()).token();
    assertThat(check(HOST, admin, catalog)).isEmpty();
    assertThat(check(HOST, user, catalog).orElseThrow().code()).isEqualTo(ErrorCode.DENIED);
  }

  @Test
  void missingHostIsRefusedWithoutAChallenge() {
    Denial d = check(null, null, repo("a/b", false, "pull")).orElseThrow();
    assertThat(d.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
    assertThat(d.headers()).isEmpty();
  }

  @Test
  void bearerParsingIsCaseInsensitiveAndStrict() {
    assertThat(TokenAccessController.bearer("bearer abc")).isEqualTo("abc");
    assertThat(TokenAccessController.bearer("Basic abc")).isNull();
    assertThat(TokenAccessController.bearer("Bearer ")).isNull();
    assertThat(TokenAccessController.bearer(null)).isNull();
  }
}
