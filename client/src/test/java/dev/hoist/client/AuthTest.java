package dev.hoist.client;

import static dev.hoist.client.Fixtures.MANIFEST;
import static dev.hoist.client.Fixtures.MANIFEST_DIGEST;
import static dev.hoist.client.Fixtures.query;
import static dev.hoist.client.Fixtures.repositoryOf;
import static dev.hoist.client.Fixtures.tokenJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.RepositoryName;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Challenges, tokens, credentials and where they may go. */
class AuthTest {
  private static final RepositoryName APP = RepositoryName.of("library/app");
  private static final String ALICE_BASIC =
      "Basic "
          + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));

  private final MutableClock clock = new MutableClock();
  private final AtomicInteger issued = new AtomicInteger();
  private volatile long expiresIn = 300;
  private final FakeServer tokens =
      FakeServer.start(
          (r, ex) ->
              FakeServer.reply(
                  ex,
                  200,
                  tokenJson("tok-" + issued.incrementAndGet(), expiresIn, clock),
                  "Content-Type",
                  "application/json"));
  private FakeServer registry;
  private RegistryClient client;

  @AfterEach
  void close() {
    if (client != null) {
      client.close();
    }
    if (registry != null) {
      registry.close();
    }
    tokens.close();
  }

  /** A registry that wants any {@code Bearer tok-*} and challenges for the path's repository. */
  private FakeServer bearerRegistry(URI realmBase) {
    return FakeServer.start(
        (r, ex) -> {
          String auth = r.header("Authorization");
          if (auth == null || !auth.startsWith("Bearer tok-")) {
            String scope =
                r.path().equals("/v2/")
                    ? ""
                    : ",scope=\"repository:" + repositoryOf(r.path()) + ":pull\"";
            FakeServer.reply(
                ex,
                401,
                "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}",
                "WWW-Authenticate",
                "Bearer realm=\"" + realmBase + "/token\",service=\"fake-registry\"" + scope);
            return;
          }
          FakeServer.reply(
              ex,
              200,
              MANIFEST,
              "Content-Type",
              MediaTypes.OCI_MANIFEST,
              "Docker-Content-Digest",
              MANIFEST_DIGEST.toString());
        });
  }

  private RegistryClient client(RegistryEndpoint endpoint) {
    client = RegistryClient.builder(endpoint).clock(clock).retryPolicy(RetryPolicy.none()).build();
    return client;
  }

  @Test
  void firstRequestGoesAnonymouslyThenOnceMoreWithAToken() throws Exception {
    registry = bearerRegistry(tokens.base());
    ManifestResponse m =
        client(RegistryEndpoint.of(registry.base())).getManifest(APP, "latest", List.of());

    assertThat(m.digest()).isEqualTo(MANIFEST_DIGEST);
    assertThat(registry.requests())
        .extracting(r -> r.header("Authorization"))
        .containsExactly(null, "Bearer tok-1");
    FakeServer.Request tokenRequest = tokens.requests().get(0);
    assertThat(tokenRequest.method()).isEqualTo("GET");
    assertThat(query(tokenRequest).get("service")).containsExactly("fake-registry");
    assertThat(query(tokenRequest).get("scope")).containsExactly("repository:library/app:pull");
    assertThat(tokenRequest.header("Authorization")).isNull();
  }

  @Test
  void tokensAreCachedPerScopeUntilTheyExpire() throws Exception {
    registry = bearerRegistry(tokens.base());
    RegistryClient c = client(RegistryEndpoint.of(registry.base()));

    c.getManifest(APP, "latest", List.of());
    c.getManifest(APP, "v2", List.of());
    assertThat(tokens.requests()).hasSize(1);
    assertThat(registry.requests()).as("401, then two with the token").hasSize(3);

    c.getManifest(RepositoryName.of("library/other"), "latest", List.of());
    assertThat(tokens.requests()).as("another scope, another token").hasSize(2);
    assertThat(query(tokens.requests().get(1)).get("scope"))
        .containsExactly("repository:library/other:pull");
    assertThat(registry.requests()).as("fetched before sending, no second 401").hasSize(4);

    clock.advance(Duration.ofSeconds(300).minus(TokenClient.MARGIN).minusSeconds(1));
    c.getManifest(APP, "latest", List.of());
    assertThat(tokens.requests()).as("still fresh").hasSize(2);

    clock.advance(Duration.ofSeconds(2));
    c.getManifest(APP, "latest", List.of());
    assertThat(tokens.requests()).as("expired (less the margin): fetched again").hasSize(3);
    assertThat(registry.requests().get(registry.requests().size() - 1).header("Authorization"))
        .isEqualTo("Bearer tok-3");
  }

  @Test
  void tokensLiveAtLeastSixtySeconds() throws Exception {
    expiresIn = 5;
    registry = bearerRegistry(tokens.base());
    RegistryClient c = client(RegistryEndpoint.of(registry.base()));
    c.getManifest(APP, "latest", List.of());
    clock.advance(Duration.ofSeconds(45));
    c.getManifest(APP, "latest", List.of());
    assertThat(tokens.requests()).hasSize(1);
    clock.advance(Duration.ofSeconds(10));
    c.getManifest(APP, "latest", List.of());
    assertThat(tokens.requests()).hasSize(2);
  }

  @Test
  void oneClientServesManyThreadsAtOnce() throws Exception {
    registry = bearerRegistry(tokens.base());
    RegistryClient c = client(RegistryEndpoint.of(registry.base()));
    c.getManifest(APP, "latest", List.of()); // learn the realm
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<ManifestResponse>> results = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        RepositoryName repo = RepositoryName.of("library/app" + (i % 4));
        results.add(pool.submit(() -> c.getManifest(repo, "latest", List.of())));
      }
      for (Future<ManifestResponse> f : results) {
        assertThat(f.get().digest()).isEqualTo(MANIFEST_DIGEST);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(registry.requests()).as("no request needed a second try").hasSize(2 + 64);
  }

  @Test
  void credentialsAreNotSentToARealmOnAnotherHost() throws Exception {
    registry = bearerRegistry(tokens.base("localhost"));
    RegistryEndpoint endpoint =
        RegistryEndpoint.of(registry.base()).withCredentials(Credentials.basic("alice", "s3cret"));

    client(endpoint).getManifest(APP, "latest", List.of());

    FakeServer.Request tokenRequest = tokens.requests().get(0);
    assertThat(tokenRequest.uri().toString()).doesNotContain("alice");
    assertThat(tokenRequest.header("Authorization")).isNull();
    assertThat(query(tokenRequest)).doesNotContainKey("account");
  }

  @Test
  void credentialsGoToARealmHostListedInAuthHosts() throws Exception {
    registry = bearerRegistry(tokens.base("localhost"));
    RegistryEndpoint endpoint =
        RegistryEndpoint.of(registry.base())
            .withCredentials(Credentials.basic("alice", "s3cret"))
            .withAuthHosts("localhost");

    client(endpoint).getManifest(APP, "latest", List.of());

    FakeServer.Request tokenRequest = tokens.requests().get(0);
    assertThat(tokenRequest.header("Authorization")).isEqualTo(ALICE_BASIC);
    assertThat(query(tokenRequest).get("account")).containsExactly("alice");
  }

  @Test
  void credentialsGoToARealmOnTheRegistryHost() throws Exception {
    registry = bearerRegistry(tokens.base("127.0.0.1"));
    RegistryEndpoint endpoint =
        RegistryEndpoint.of(registry.base()).withCredentials(Credentials.basic("alice", "s3cret"));
    client(endpoint).getManifest(APP, "latest", List.of());
    assertThat(tokens.requests().get(0).header("Authorization")).isEqualTo(ALICE_BASIC);
  }

  @Test
  void anIdentityTokenIsExchangedWithAPost() throws Exception {
    registry = bearerRegistry(tokens.base());
    RegistryEndpoint endpoint =
        RegistryEndpoint.of(registry.base())
            .withCredentials(Credentials.identityToken("refresh-1"));
    client(endpoint).getManifest(APP, "latest", List.of());

    FakeServer.Request tokenRequest = tokens.requests().get(0);
    assertThat(tokenRequest.method()).isEqualTo("POST");
    String form = new String(tokenRequest.body(), StandardCharsets.UTF_8);
    assertThat(form)
        .contains("grant_type=refresh_token", "refresh_token=refresh-1", "service=fake-registry")
        .contains("scope=repository%3Alibrary%2Fapp%3Apull");
  }

  @Test
  void accessTokenFieldIsAcceptedToo() throws Exception {
    tokens.handler(
        (r, ex) ->
            FakeServer.reply(ex, 200, "{\"access_token\":\"tok-oauth\",\"expires_in\":300}"));
    registry = bearerRegistry(tokens.base());
    client(RegistryEndpoint.of(registry.base())).getManifest(APP, "latest", List.of());
    assertThat(registry.requests().get(1).header("Authorization")).isEqualTo("Bearer tok-oauth");
  }

  @Test
  void aRefusedLoginFailsUnauthorizedWithoutShowingThePassword() {
    tokens.handler((r, ex) -> FakeServer.reply(ex, 401, "{\"details\":\"incorrect password\"}"));
    registry = bearerRegistry(tokens.base());
    RegistryEndpoint endpoint =
        RegistryEndpoint.of(registry.base()).withCredentials(Credentials.basic("alice", "s3cret"));

    assertThatThrownBy(() -> client(endpoint).getManifest(APP, "latest", List.of()))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
              assertThat(e.retryable()).isFalse();
              assertThat(e.action())
                  .isEqualTo("GET manifest " + endpoint.name() + "/library/app:latest");
              assertThat(e.getMessage())
                  .contains("refused the credentials")
                  .doesNotContain("s3cret");
            });
  }

  @Test
  void aBasicChallengeIsAnsweredAndThenCredentialsAreSentUpFront() throws Exception {
    registry =
        FakeServer.start(
            (r, ex) -> {
              if (!ALICE_BASIC.equals(r.header("Authorization"))) {
                FakeServer.reply(ex, 401, "", "WWW-Authenticate", "Basic realm=\"Registry\"");
              } else {
                FakeServer.reply(ex, 200, "{}");
              }
            });
    RegistryClient c =
        client(
            RegistryEndpoint.of(registry.base())
                .withCredentials(Credentials.basic("alice", "s3cret")));
    c.ping();
    c.ping();
    assertThat(registry.requests())
        .extracting(r -> r.header("Authorization"))
        .containsExactly(null, ALICE_BASIC, ALICE_BASIC);
    assertThat(tokens.requests()).isEmpty();
  }

  @Test
  void aChallengeWithoutCredentialsToAnswerItFailsUnauthorized() {
    registry =
        FakeServer.start(
            (r, ex) -> FakeServer.reply(ex, 401, "", "WWW-Authenticate", "Basic realm=\"R\""));
    assertThatThrownBy(() -> client(RegistryEndpoint.of(registry.base())).ping())
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
              assertThat(e.httpStatus()).isEqualTo(401);
            });
    assertThat(registry.requests()).hasSize(1);
  }

  @Test
  void pingFetchesATokenWithoutScope() throws Exception {
    registry = bearerRegistry(tokens.base());
    client(RegistryEndpoint.of(registry.base())).ping();
    assertThat(query(tokens.requests().get(0))).doesNotContainKey("scope");
    assertThat(registry.requests()).hasSize(2);
  }

  @Test
  void authorizationIsDroppedWhenARedirectLeavesTheRegistryHost() throws Exception {
    byte[] blob = "layer bytes".getBytes(StandardCharsets.UTF_8);
    Digest digest = Digest.sha256(blob);
    try (FakeServer storage = FakeServer.start((r, ex) -> FakeServer.reply(ex, 200, blob))) {
      registry =
          FakeServer.start(
              (r, ex) -> {
                if (r.header("Authorization") == null) {
                  FakeServer.reply(
                      ex,
                      401,
                      "",
                      "WWW-Authenticate",
                      "Bearer realm=\"" + tokens.base() + "/token\",service=\"s\"");
                } else if (r.path().contains("/blobs/")) {
                  FakeServer.reply(ex, 307, "", "Location", "/storage/redirected?x=1");
                } else {
                  FakeServer.reply(
                      ex, 307, "", "Location", storage.base("localhost") + "/bucket/" + digest);
                }
              });
      RegistryClient c = client(RegistryEndpoint.of(registry.base()));

      // Same origin: the token follows; the next hop leaves the origin and loses it.
      try (BlobResponse b = c.getBlob(APP, digest, 0);
          InputStream in = b.stream()) {
        assertThat(in.readAllBytes()).isEqualTo(blob);
      }
      assertThat(registry.requests())
          .extracting(r -> r.header("Authorization"))
          .containsExactly(null, "Bearer tok-1", "Bearer tok-1");
      assertThat(registry.requests().get(2).path()).isEqualTo("/storage/redirected");
      assertThat(storage.requests()).hasSize(1);
      assertThat(storage.requests().get(0).header("Authorization")).isNull();
    }
  }
}
