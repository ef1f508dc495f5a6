package dev.hoist.accelerator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hoist.auth.AccessRule;
import dev.hoist.auth.AnonymousPull;
import dev.hoist.auth.AuthConfig;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.oci.Digest;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Console accounts as registry users, over a real server with token auth and the accelerator on:
 * accounts made through the JSON API sign in with skopeo by username or email and push to their own
 * namespace without any rule; disabled accounts are refused everywhere; tenants' path-prefix
 * addresses bind their tokens and keep their uploads.
 */
class AccountRegistryIT {
  static final String PASSWORD = "correct horse battery";
  static final String ALICE = "alice@example.com";
  static final String BOB = "bob@example.com";
  // The usernames ApiClient.signup gives them.
  static final String ALICE_USER = "alice";
  static final String BOB_USER = "bob";

  @TempDir Path dir;
  HoistServer hoist;
  Skopeo skopeo;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() {
    skopeo = Skopeo.create(dir.resolve("skopeo"));
    // No rules: an account's namespace comes with its username.
    start(List.of());
  }

  private void start(List<AccessRule> rules) {
    AuthConfig auth =
        AuthConfig.builder().enabled(true).anonymousPull(AnonymousPull.NONE).rules(rules).build();
    hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(dir.resolve("hoist"))
                .auth(auth)
                .accelerator(
                    AcceleratorConfig.builder()
                        .baseDomain("m.test")
                        .admins(List.of("admin@example.com"))
                        .build())
                .build());
  }

  @AfterEach
  void stop() {
    if (hoist != null) {
      hoist.close();
    }
  }

  private String host() {
    return "127.0.0.1:" + hoist.port();
  }

  private ApiClient signup(String email) throws Exception {
    ApiClient client = new ApiClient(hoist.url());
    client.signup(email, PASSWORD, null);
    return client;
  }

  private RandomImages.ImageLayout image(String name, long seed) {
    return RandomImages.writeLayout(dir.resolve(name), "v1", seed, 40_000, 1_000);
  }

  @Test
  void anAccountSignedUpThroughTheApiPushesToItsUsernameWithoutAnyRule() throws Exception {
    JsonNode aliceMe = signup(ALICE).ok("GET", "/api/v1/me", null);
    assertThat(aliceMe.get("username").asText()).isEqualTo(ALICE_USER);
    assertThat(aliceMe.get("registry").get("namespace").asText())
        .isEqualTo(host() + "/u/" + ALICE_USER);
    signup(BOB);
    RandomImages.ImageLayout image = image("img", 1);
    String target = "docker://" + host() + "/" + ALICE_USER + "/app:v1";

    Skopeo.Result anonymous =
        skopeo.run("copy", "--dest-tls-verify=false", image.ociReference(), target);
    assertThat(anonymous.succeeded()).as(anonymous.describe()).isFalse();
    assertThat(anonymous.stderr()).contains("401");

    // Signed in by email: the token names the username, which owns <username>/.
    assertThat(subject(token("/token", ALICE, "repository:alice/app:pull"))).isEqualTo(ALICE_USER);
    skopeo.checked("login", "--tls-verify=false", "-u", ALICE, "-p", PASSWORD, host());
    skopeo.copy(image.ociReference(), target);
    assertThat(Digest.sha256(skopeo.inspectRaw(target))).isEqualTo(image.manifestDigest());
    skopeo.copy(target, "oci:" + dir.resolve("back") + ":v1");
    assertThat(Files.readString(dir.resolve("back").resolve("index.json")))
        .contains(image.manifestDigest().encoded());

    // Signed in by username, the same.
    Skopeo byUsername = Skopeo.create(dir.resolve("alice-by-username"));
    assertThat(subject(token("/token", ALICE_USER, "repository:alice/app:pull")))
        .isEqualTo(ALICE_USER);
    byUsername.checked("login", "--tls-verify=false", "-u", ALICE_USER, "-p", PASSWORD, host());
    String second = "docker://" + host() + "/" + ALICE_USER + "/app:v2";
    byUsername.copy(image.ociReference(), second);
    assertThat(Digest.sha256(byUsername.inspectRaw(second))).isEqualTo(image.manifestDigest());

    // Signed in, alice still may not push into bob's namespace, nor bob into hers.
    Skopeo.Result intoBob =
        skopeo.run(
            "copy",
            "--dest-tls-verify=false",
            image.ociReference(),
            "docker://" + host() + "/" + BOB_USER + "/app:v1");
    assertThat(intoBob.succeeded()).as(intoBob.describe()).isFalse();
    assertThat(intoBob.stderr()).containsAnyOf("denied", "403");
    Skopeo.Result bobIntoAlice =
        Skopeo.create(dir.resolve("bob"))
            .run(
                "copy",
                "--dest-tls-verify=false",
                "--dest-creds",
                BOB_USER + ":" + PASSWORD,
                image.ociReference(),
                "docker://" + host() + "/" + ALICE_USER + "/app:v3");
    assertThat(bobIntoAlice.succeeded()).as(bobIntoAlice.describe()).isFalse();
    // A wrong password is refused under either name.
    assertThat(basicToken(ALICE_USER, "wrong password").statusCode()).isEqualTo(401);
    assertThat(basicToken(ALICE, "wrong password").statusCode()).isEqualTo(401);
  }

  @Test
  void rulesThatNameAnAccountsEmailStillApply() throws Exception {
    hoist.close();
    start(List.of(AccessRule.of("shared/", List.of(ALICE), List.of("*"))));
    signup(ALICE);
    signup(BOB);
    String scope = "repository:shared/app:pull,push";
    assertThat(granted(token("/token", ALICE_USER, scope))).contains("push");
    assertThat(granted(token("/token", BOB_USER, scope))).doesNotContain("push");
  }

  /** The {@code sub} claim of a token. */
  private static String subject(String token) throws Exception {
    return claims(token).path("sub").asText();
  }

  /** The actions a token grants on its first access entry (empty when it grants none). */
  private static String granted(String token) throws Exception {
    JsonNode access = claims(token).path("access");
    return access.isEmpty() ? "" : access.get(0).path("actions").toString();
  }

  private static JsonNode claims(String token) throws Exception {
    String payload = token.split("\\.")[1];
    return ApiClient.JSON.readTree(Base64.getUrlDecoder().decode(payload));
  }

  @Test
  void aDisabledAccountCannotSignInAnywhereAndItsRefreshTokenStops() throws Exception {
    ApiClient alice = signup(ALICE);
    String refresh = passwordGrant(ALICE, PASSWORD).path("refresh_token").asText();
    assertThat(refresh).isNotBlank();
    assertThat(refreshGrant(refresh).statusCode()).isEqualTo(200);
    String accountId = alice.ok("GET", "/api/v1/me", null).get("id").asText();

    ApiClient admin = signup("admin@example.com");
    admin.ok("PATCH", "/api/v1/admin/accounts/" + accountId, Map.of("disabled", true));

    assertThat(basicToken(ALICE, PASSWORD).statusCode()).isEqualTo(401);
    HttpResponse<String> refused = refreshGrant(refresh);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(ApiClient.JSON.readTree(refused.body()).path("error").asText())
        .isEqualTo("invalid_grant");
    Skopeo.Result login =
        skopeo.run("login", "--tls-verify=false", "-u", ALICE, "-p", PASSWORD, host());
    assertThat(login.succeeded()).as(login.describe()).isFalse();

    // The console and the API refuse the right password of a disabled account, and its session.
    HttpResponse<String> apiLogin =
        new ApiClient(hoist.url())
            .send("POST", "/api/v1/login", Map.of("email", ALICE, "password", PASSWORD));
    assertThat(apiLogin.statusCode()).isEqualTo(403);
    assertThat(apiLogin.body()).contains("ACCOUNT_DISABLED");
    HttpResponse<String> consoleLogin = consoleLogin(ALICE, PASSWORD);
    assertThat(consoleLogin.statusCode()).isEqualTo(403);
    assertThat(consoleLogin.headers().firstValue("Set-Cookie")).isEmpty();
    assertThat(alice.send("GET", "/api/v1/me", null).statusCode()).isEqualTo(403);

    // Enabled again, the same refresh token works again: the password did not change.
    admin.ok("PATCH", "/api/v1/admin/accounts/" + accountId, Map.of("disabled", false));
    assertThat(refreshGrant(refresh).statusCode()).isEqualTo(200);
    assertThat(consoleLogin(ALICE, PASSWORD).statusCode()).isEqualTo(303);
  }

  @Test
  void tokensOfAPathPrefixTenantWorkOnlyThereAndChunkedUploadsStayOnThePrefix() throws Exception {
    String a = signup(ALICE).start();
    String b = signup(BOB).start();

    HttpResponse<String> challenged = send("GET", "/m/" + a + "/v2/", null);
    assertThat(challenged.statusCode()).isEqualTo(401);
    assertThat(challenged.headers().firstValue("WWW-Authenticate").orElseThrow())
        .startsWith("Bearer realm=\"http://" + host() + "/m/" + a + "/token\",service=\"hoist\"");

    // Alice's namespace is her username's; she signs in with her email here.
    String forA = token("/m/" + a + "/token", ALICE, "repository:alice/app:pull,push");
    assertThat(send("GET", "/m/" + a + "/v2/", forA).statusCode()).isEqualTo(200);
    for (String elsewhere : List.of("/m/" + b + "/v2/", "/v2/")) {
      HttpResponse<String> refused = send("GET", elsewhere, forA);
      assertThat(refused.statusCode()).as(elsewhere).isEqualTo(401);
      assertThat(refused.headers().firstValue("WWW-Authenticate").orElseThrow())
          .contains("error=\"invalid_token\"");
    }
    String atRoot = token("/token", ALICE, "repository:alice/app:pull,push");
    assertThat(send("GET", "/m/" + a + "/v2/", atRoot).statusCode()).isEqualTo(401);

    // A chunked upload: every Location keeps the tenant's prefix, so each step stays on it.
    byte[] blob = new byte[70_000];
    new java.util.Random(5).nextBytes(blob);
    Digest digest = Digest.sha256(blob);
    String prefix = "/m/" + a + "/v2/alice/app/blobs/uploads/";
    HttpResponse<String> started = send("POST", prefix, forA);
    assertThat(started.statusCode()).isEqualTo(202);
    String location = started.headers().firstValue("Location").orElseThrow();
    assertThat(location).startsWith(prefix);
    int half = blob.length / 2;
    for (int[] chunk : new int[][] {{0, half}, {half, blob.length}}) {
      HttpResponse<String> patched =
          http.send(
              HttpRequest.newBuilder(URI.create(hoist.url() + location))
                  .header("Authorization", "Bearer " + forA)
                  .header("Content-Type", "application/octet-stream")
                  .header("Content-Range", chunk[0] + "-" + (chunk[1] - 1))
                  .method(
                      "PATCH",
                      HttpRequest.BodyPublishers.ofByteArray(blob, chunk[0], chunk[1] - chunk[0]))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(patched.statusCode()).as(patched.body()).isEqualTo(202);
      assertThat(patched.headers().firstValue("Range")).contains("0-" + (chunk[1] - 1));
      location = patched.headers().firstValue("Location").orElseThrow();
      assertThat(location).startsWith(prefix);
    }
    HttpResponse<String> done =
        send("PUT", location + (location.contains("?") ? "&" : "?") + "digest=" + digest, forA);
    assertThat(done.statusCode()).as(done.body()).isEqualTo(201);
    assertThat(done.headers().firstValue("Location"))
        .contains("/m/" + a + "/v2/alice/app/blobs/" + digest);
    assertThat(send("HEAD", "/m/" + a + "/v2/alice/app/blobs/" + digest, forA).statusCode())
        .isEqualTo(200);
  }

  @Test
  void hostTenantsKeepTheirTokensBoundToTheirHost() throws Exception {
    String a = signup(ALICE).start();
    String b = signup(BOB).start();
    String basic =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((ALICE + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    ApiClient.RawResponse issued =
        ApiClient.raw(
            hoist.port(),
            "GET",
            "/token?service=hoist&scope=repository:alice/app:pull",
            "Host",
            a + ".m.test",
            "Authorization",
            basic);
    assertThat(issued.status()).as(issued.body()).isEqualTo(200);
    String token = ApiClient.JSON.readTree(issued.body()).path("token").asText();

    ApiClient.RawResponse atA =
        ApiClient.raw(
            hoist.port(), "GET", "/v2/", "Host", a + ".m.test", "Authorization", "Bearer " + token);
    assertThat(atA.status()).isEqualTo(200);
    ApiClient.RawResponse atB =
        ApiClient.raw(
            hoist.port(), "GET", "/v2/", "Host", b + ".m.test", "Authorization", "Bearer " + token);
    assertThat(atB.status()).isEqualTo(401);
    assertThat(atB.head())
        .contains("realm=\"http://" + b + ".m.test/token\"")
        .contains("error=\"invalid_token\"");
  }

  private HttpResponse<String> send(String method, String path, String token) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(hoist.url() + path))
            .timeout(Duration.ofSeconds(30))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> basicToken(String user, String password) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(hoist.url() + "/token?service=hoist"))
            .header(
                "Authorization",
                "Basic "
                    + Base64.getEncoder()
                        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String token(String path, String user, String scope) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        hoist.url()
                            + path
                            + "?service=hoist&scope="
                            + URLEncoder.encode(scope, StandardCharsets.UTF_8)))
                .header(
                    "Authorization",
                    "Basic "
                        + Base64.getEncoder()
                            .encodeToString(
                                (user + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return ApiClient.JSON.readTree(r.body()).path("token").asText();
  }

  private JsonNode passwordGrant(String user, String password) throws Exception {
    HttpResponse<String> r =
        postForm(
            "grant_type=password&access_type=offline&username="
                + URLEncoder.encode(user, StandardCharsets.UTF_8)
                + "&password="
                + URLEncoder.encode(password, StandardCharsets.UTF_8));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return ApiClient.JSON.readTree(r.body());
  }

  private HttpResponse<String> refreshGrant(String refresh) throws Exception {
    return postForm("grant_type=refresh_token&refresh_token=" + refresh);
  }

  private HttpResponse<String> postForm(String form) throws Exception {
    return new ApiClient(hoist.url()).tokenForm(form);
  }

  private HttpResponse<String> consoleLogin(String email, String password) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(hoist.url() + "/console/login"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "email="
                        + URLEncoder.encode(email, StandardCharsets.UTF_8)
                        + "&password="
                        + URLEncoder.encode(password, StandardCharsets.UTF_8)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
