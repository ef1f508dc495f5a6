package dev.hoist.accelerator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hoist.auth.AnonymousPull;
import dev.hoist.auth.AuthConfig;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import dev.hoist.testkit.DockerDaemon;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Personal access tokens over a real server with token auth: made and listed through the JSON API,
 * used as the password of {@code docker login} (the real daemon), {@code skopeo login} and the
 * token service, for their own account only, and dead at once when revoked, refresh tokens
 * included.
 */
class AccessTokenIT {
  static final String PASSWORD = "correct horse battery";

  @TempDir Path dir;
  HoistServer hoist;

  @BeforeEach
  void start() {
    hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(dir.resolve("hoist"))
                .auth(AuthConfig.builder().enabled(true).anonymousPull(AnonymousPull.NONE).build())
                .accelerator(AcceleratorConfig.builder().build())
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

  private HttpResponse<String> basicToken(String user, String password) throws Exception {
    return new ApiClient(hoist.url())
        .basicToken(user, password, "repository:u/alice/app:pull,push");
  }

  private HttpResponse<String> postForm(String form) throws Exception {
    return new ApiClient(hoist.url()).tokenForm(form);
  }

  @Test
  void aTokenIsShownOnceListedWithoutItsSecretAndSignsInSkopeoForItsAccount() throws Exception {
    ApiClient alice = signup("alice@example.com");
    JsonNode created = alice.ok("POST", "/api/v1/tokens", Map.of("name", "ci"));
    String secret = created.get("token").asText();
    assertThat(secret).startsWith("hoist_pat_");
    assertThat(created.get("name").asText()).isEqualTo("ci");
    assertThat(created.get("lastUsed").isNull()).isTrue();

    JsonNode listed = alice.ok("GET", "/api/v1/tokens", null).get("tokens");
    assertThat(listed).hasSize(1);
    assertThat(listed.get(0).get("id").asText()).isEqualTo(created.get("id").asText());
    assertThat(listed.get(0).has("token")).isFalse();
    assertThat(listed.toString()).doesNotContain(secret);

    Skopeo skopeo = Skopeo.create(dir.resolve("skopeo"));
    skopeo.checked("login", "--tls-verify=false", "-u", "alice", "-p", secret, host());
    RandomImages.ImageLayout image = RandomImages.writeLayout(dir.resolve("img"), "v1", 3, 20_000);
    skopeo.copy(
        image.ociReference(), "docker://" + host() + "/u/alice/app:v1", "--dest-tls-verify=false");

    JsonNode used = alice.ok("GET", "/api/v1/tokens", null).get("tokens").get(0);
    assertThat(used.get("lastUsed").isNull()).as("sign-ins record their time").isFalse();
  }

  @Test
  void aTokenNeverSignsInAsAnotherAccount() throws Exception {
    ApiClient alice = signup("alice@example.com");
    ApiClient bob = signup("bob@example.com");
    String bobs = bob.ok("POST", "/api/v1/tokens", Map.of("name", "x")).get("token").asText();
    String alices = alice.ok("POST", "/api/v1/tokens", Map.of("name", "y")).get("token").asText();
    assertThat(basicToken("alice", bobs).statusCode()).isEqualTo(401);
    assertThat(basicToken("bob", alices).statusCode()).isEqualTo(401);
    assertThat(basicToken("alice", alices).statusCode()).isEqualTo(200);
    assertThat(basicToken("alice@example.com", alices).statusCode()).isEqualTo(200);
    // Bob's token grants bob nothing in alice's namespace.
    HttpResponse<String> asBob = basicToken("bob", bobs);
    assertThat(asBob.statusCode()).isEqualTo(200);
    String jwt = ApiClient.JSON.readTree(asBob.body()).get("token").asText();
    JsonNode claims =
        ApiClient.JSON.readTree(
            Base64.getUrlDecoder()
                .decode(jwt.substring(jwt.indexOf('.') + 1, jwt.lastIndexOf('.'))));
    assertThat(claims.path("access").toString()).doesNotContain("push");
    // Nor can bob see or revoke alice's tokens.
    String aliceTokenId =
        alice.ok("GET", "/api/v1/tokens", null).get("tokens").get(0).get("id").asText();
    assertThat(bob.send("DELETE", "/api/v1/tokens/" + aliceTokenId, null).statusCode())
        .isEqualTo(404);
    assertThat(bob.ok("GET", "/api/v1/tokens", null).get("tokens")).hasSize(1);
    assertThat(basicToken("alice", alices).statusCode()).isEqualTo(200);
    // Making one needs the CSRF token, as every change does.
    bob.csrf = null;
    assertThat(bob.send("POST", "/api/v1/tokens", Map.of("name", "z")).statusCode()).isEqualTo(403);
  }

  @Test
  void aRevokedTokenStopsAtOnceRefreshTokensIncluded() throws Exception {
    ApiClient alice = signup("alice@example.com");
    JsonNode created = alice.ok("POST", "/api/v1/tokens", Map.of("name", "laptop"));
    String secret = created.get("token").asText();
    HttpResponse<String> grant =
        postForm(
            "grant_type=password&access_type=offline&service=hoist&username=alice&password="
                + secret);
    assertThat(grant.statusCode()).as(grant.body()).isEqualTo(200);
    String refresh = ApiClient.JSON.readTree(grant.body()).get("refresh_token").asText();
    assertThat(
            postForm("grant_type=refresh_token&service=hoist&refresh_token=" + refresh)
                .statusCode())
        .isEqualTo(200);

    assertThat(
            alice.send("DELETE", "/api/v1/tokens/" + created.get("id").asText(), null).statusCode())
        .isEqualTo(204);
    assertThat(basicToken("alice", secret).statusCode()).isEqualTo(401);
    assertThat(
            postForm("grant_type=refresh_token&service=hoist&refresh_token=" + refresh)
                .statusCode())
        .isEqualTo(400);
    assertThat(alice.ok("GET", "/api/v1/tokens", null).get("tokens")).isEmpty();
    // The password is untouched.
    assertThat(basicToken("alice", PASSWORD).statusCode()).isEqualTo(200);
  }

  @Test
  void dockerLoginTakesATokenAsThePasswordUntilItIsRevoked() throws Exception {
    ApiClient alice = signup("alice@example.com");
    JsonNode created = alice.ok("POST", "/api/v1/tokens", Map.of("name", "docker"));
    String secret = created.get("token").asText();
    try (DockerDaemon docker = DockerDaemon.builder().start()) {
      DockerDaemon.Result in = docker.docker("login", host(), "-u", "alice", "-p", secret);
      assertThat(in.succeeded()).as(in.describe()).isTrue();
      assertThat(in.stdout()).contains("Login Succeeded");
      docker.checked("logout", host());
      alice.ok("DELETE", "/api/v1/tokens/" + created.get("id").asText(), null);
      DockerDaemon.Result refused = docker.docker("login", host(), "-u", "alice", "-p", secret);
      assertThat(refused.succeeded()).as(refused.describe()).isFalse();
      assertThat(refused.stderr()).containsIgnoringCase("unauthorized");
    }
  }
}
