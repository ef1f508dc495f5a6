package dev.hoist.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.oci.Scope;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {
  private static final User ALICE = new User("alice", false, Set.of());
  private static final User BOB = new User("bob", false, Set.of("dev"));
  private static final User ROOT = new User("root", true, Set.of());
  private static final List<AccessRule> RULES =
      List.of(
          AccessRule.of("team/", List.of("alice"), List.of("pull", "push")),
          new AccessRule("shared", Set.of(), Set.of("dev"), Set.of("pull")),
          AccessRule.of("public", List.of("*"), List.of("pull")));

  private static AccessPolicy policy(AnonymousPull anonymous) {
    return new AccessPolicy(RULES, anonymous, name -> name.startsWith("docker.io/"));
  }

  private static Set<String> grant(AccessPolicy p, User user, String scope) {
    return p.grant(user, Scope.parse(scope));
  }

  @Test
  void eachUserMayPushAndDeleteInTheirOwnNamespaceOnly() {
    AccessPolicy p = policy(AnonymousPull.NONE);
    assertThat(grant(p, ALICE, "repository:alice/app:pull,push,delete"))
        .containsExactly("pull", "push", "delete");
    assertThat(grant(p, ALICE, "repository:bob/app:pull,push")).isEmpty();
    assertThat(grant(p, ALICE, "repository:alice:pull,push")).isEmpty();
    assertThat(grant(p, ALICE, "repository:alicex/app:push")).isEmpty();
  }

  @Test
  void underTheNamespacePrefixEachUserOwnsOnlyTheirOwnName() {
    AccessPolicy p = policy(AnonymousPull.NONE).withNamespacePrefix("u");
    assertThat(grant(p, ALICE, "repository:u/alice/app:pull,push,delete"))
        .containsExactly("pull", "push", "delete");
    assertThat(grant(p, BOB, "repository:u/alice/app:pull,push")).isEmpty();
    assertThat(grant(p, ALICE, "repository:u/alicex/app:push")).isEmpty();
    assertThat(grant(p, ROOT, "repository:u/alice/app:push")).containsExactly("push");
    // A user named like the prefix (an htpasswd "u") owns nobody's namespace.
    User u = new User("u", false, Set.of());
    assertThat(grant(p, u, "repository:u/alice/app:pull,push")).isEmpty();
    assertThat(grant(p, u, "repository:u/u/app:push")).containsExactly("push");
    // <username>/ stays the user's.
    assertThat(grant(p, ALICE, "repository:alice/app:push")).containsExactly("push");
  }

  @Test
  void aRuleNamingAUsersAliasAppliesButTheAliasOwnsNoNamespace() {
    User carol = new User("carol", false, Set.of(), Set.of("carol@example.com"));
    AccessPolicy p =
        new AccessPolicy(
            List.of(AccessRule.of("ops/", List.of("carol@example.com"), List.of("pull"))),
            AnonymousPull.NONE,
            name -> false);
    assertThat(grant(p, carol, "repository:ops/app:pull,push")).containsExactly("pull");
    assertThat(grant(p, carol, "repository:carol/app:push")).containsExactly("push");
  }

  @Test
  void aRuleReservesItsUsersAndThePrefixsFirstComponent() {
    assertThat(AccessRule.of("team/app/", List.of("alice", "*"), List.of("pull")).names())
        .containsExactlyInAnyOrder("alice", "team");
    assertThat(AccessRule.of("", List.of("ops@example.com"), List.of("pull")).names())
        .containsExactly("ops@example.com");
  }

  @Test
  void rulesGrantTheirActionsUnderTheirPrefixToTheirUsersAndGroups() {
    AccessPolicy p = policy(AnonymousPull.NONE);
    assertThat(grant(p, ALICE, "repository:team/app:pull,push,delete"))
        .containsExactly("pull", "push");
    assertThat(grant(p, BOB, "repository:team/app:pull,push")).isEmpty();
    assertThat(grant(p, BOB, "repository:shared/x:pull,push")).containsExactly("pull");
    assertThat(grant(p, BOB, "repository:shared:pull")).containsExactly("pull");
    assertThat(grant(p, BOB, "repository:sharedother/x:pull")).isEmpty();
    assertThat(grant(p, ALICE, "repository:public/x:pull")).containsExactly("pull");
    assertThat(grant(p, null, "repository:public/x:pull")).isEmpty();
  }

  @Test
  void adminsMayDoEverythingIncludingTheCatalog() {
    AccessPolicy p = policy(AnonymousPull.NONE);
    assertThat(grant(p, ROOT, "repository:bob/app:pull,push,delete"))
        .containsExactly("pull", "push", "delete");
    assertThat(grant(p, ROOT, "registry:catalog:*")).containsExactly("*");
    assertThat(grant(p, ALICE, "registry:catalog:*")).isEmpty();
  }

  @Test
  void mirroredRepositoriesAreNeverPushableByUsers() {
    AccessPolicy p = policy(AnonymousPull.ALL);
    assertThat(grant(p, ALICE, "repository:docker.io/alice/app:pull,push,delete"))
        .containsExactly("pull");
  }

  @Test
  void anonymousPullFollowsTheSetting() {
    String mirrored = "repository:docker.io/library/ubuntu:pull";
    String local = "repository:team/app:pull";
    assertThat(grant(policy(AnonymousPull.NONE), null, mirrored)).isEmpty();
    assertThat(grant(policy(AnonymousPull.NONE), null, local)).isEmpty();
    assertThat(grant(policy(AnonymousPull.MIRRORED), null, mirrored)).containsExactly("pull");
    assertThat(grant(policy(AnonymousPull.MIRRORED), null, local)).isEmpty();
    assertThat(grant(policy(AnonymousPull.ALL), null, mirrored)).containsExactly("pull");
    assertThat(grant(policy(AnonymousPull.ALL), null, local)).containsExactly("pull");
    assertThat(grant(policy(AnonymousPull.ALL), null, "repository:team/app:push")).isEmpty();
  }

  @Test
  void signedInUsersMayPullMirroredContentEvenWhenAnonymousMayNot() {
    assertThat(grant(policy(AnonymousPull.NONE), BOB, "repository:docker.io/library/x:pull"))
        .containsExactly("pull");
  }

  @Test
  void aMirroredPredicateThatThrowsMeansLocal() {
    AccessPolicy p =
        new AccessPolicy(
            RULES,
            AnonymousPull.MIRRORED,
            name -> {
              throw new IllegalArgumentException("not a name");
            });
    assertThat(grant(p, null, "repository:localhost:5000/x:pull")).isEmpty();
  }

  @Test
  void ruleWildcardActionMeansAllThree() {
    AccessRule rule = AccessRule.of("ops/", List.of("bob"), List.of("*"));
    AccessPolicy p = new AccessPolicy(List.of(rule), AnonymousPull.NONE, n -> false);
    assertThat(grant(p, BOB, "repository:ops/x:pull,push,delete"))
        .containsExactly("pull", "push", "delete");
  }
}
