package dev.hoist.accelerator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hoist.auth.AccessRule;
import dev.hoist.auth.AuthConfig;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.mirror.Upstream;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The accounts side of the JSON API over a real server on loopback. */
class AccountsApiIT {
  static final String PASSWORD = "correct horse battery";

  @TempDir Path dir;
  HoistServer hoist;

  @AfterEach
  void stop() {
    if (hoist != null) {
      hoist.close();
    }
  }

  private void start(AcceleratorConfig accelerator) {
    hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(dir.resolve("hoist"))
                .accelerator(accelerator)
                .build());
  }

  private AcceleratorConfig config() {
    return AcceleratorConfig.builder()
        .baseDomain("m.test")
        .defaultQuotaBytes(10_000)
        .inviteBonusBytes(500)
        .admins(List.of("admin@example.com"))
        .build();
  }

  @Test
  void signupSetsAnHttpOnlySameSiteSessionCookieAndStateChangesNeedTheCsrfToken() throws Exception {
    start(config());
    ApiClient alice = new ApiClient(hoist.url());
    JsonNode me = alice.signup("Alice@Example.com", PASSWORD, null);
    assertThat(me.get("email").asText()).isEqualTo("alice@example.com");
    assertThat(me.get("quotaBytes").asLong()).isEqualTo(10_000);
    assertThat(alice.lastSetCookie).contains("HttpOnly").contains("SameSite=Lax");
    assertThat(alice.lastSetCookie).doesNotContain("Secure");

    String csrf = alice.csrf;
    alice.csrf = null;
    assertThat(alice.send("POST", "/api/v1/accelerator", null).statusCode()).isEqualTo(403);
    alice.csrf = "wrong";
    assertThat(alice.send("POST", "/api/v1/accelerator", null).statusCode()).isEqualTo(403);
    alice.csrf = csrf;
    JsonNode address = alice.ok("POST", "/api/v1/accelerator", null);
    String tenant = address.get("tenantId").asText();
    assertThat(address.get("hostAddress").asText()).startsWith("http://" + tenant + ".m.test");
    assertThat(address.get("pathAddress").asText()).endsWith("/m/" + tenant);
    assertThat(address.get("snippets").get("docker").asText()).contains("registry-mirrors");
    assertThat(address.get("snippets").get("containerd").asText()).contains("override_path");
    assertThat(address.get("snippets").get("podman").asText()).contains("[[registry.mirror]]");
    // Starting again keeps the address; rotating replaces it.
    assertThat(alice.start()).isEqualTo(tenant);
    String rotated = alice.ok("POST", "/api/v1/accelerator/rotate", null).get("tenantId").asText();
    assertThat(rotated).isNotEqualTo(tenant).matches("[a-z2-7]{16}");

    alice.ok("POST", "/api/v1/logout", null);
    assertThat(alice.lastSetCookie).contains("Max-Age=0");
    assertThat(alice.send("GET", "/api/v1/me", null).statusCode()).isEqualTo(401);
    alice.login("alice@example.com", PASSWORD);
    assertThat(alice.ok("GET", "/api/v1/me", null).get("tenantId").asText()).isEqualTo(rotated);
  }

  @Test
  void passwordsNeverAppearInTheLogs() throws Exception {
    java.io.PrintStream original = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      start(config());
      ApiClient alice = new ApiClient(hoist.url());
      alice.signup("alice@example.com", "secret-password-1", null);
      alice.send(
          "POST",
          "/api/v1/login",
          Map.of("email", "alice@example.com", "password", "wrong-pass-2"));
      alice.send("POST", "/api/v1/signup", Map.of("email", "bad", "password", "secret-password-3"));
      alice.send("POST", "/api/v1/signup", Map.of("email", "a@example.com", "password", 42));
      hoist.close();
      hoist = null;
    } finally {
      System.setErr(original);
    }
    String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(log).doesNotContain("secret-password-1", "wrong-pass-2", "secret-password-3");
  }

  @Test
  void duplicateEmailsAndWeakPasswordsAreRefused() throws Exception {
    start(config());
    new ApiClient(hoist.url()).signup("a@example.com", PASSWORD, null);
    ApiClient other = new ApiClient(hoist.url());
    assertThat(
            other
                .send(
                    "POST",
                    "/api/v1/signup",
                    Map.of("email", "a@example.com", "username", "other", "password", PASSWORD))
                .body())
        .contains("EMAIL_TAKEN");
    assertThat(
            other
                .send(
                    "POST",
                    "/api/v1/signup",
                    Map.of("email", "b@example.com", "username", "bee", "password", "short"))
                .body())
        .contains("PASSWORD_INVALID");
  }

  @Test
  void aSignupNeedsAValidFreeUsernameAndRefusesOnesTheConfigurationReserves() throws Exception {
    Path htpasswd = dir.resolve("users.htpasswd");
    java.nio.file.Files.writeString(
        htpasswd,
        "operator:"
            + org.bouncycastle.crypto.generators.OpenBSDBCrypt.generate(
                "2y", "pw".toCharArray(), new byte[16], 4)
            + "\n");
    hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(dir.resolve("hoist"))
                .auth(
                    AuthConfig.builder()
                        .enabled(true)
                        .htpasswd(htpasswd)
                        .admins(java.util.Set.of("root"))
                        .rules(
                            List.of(
                                AccessRule.of("team/", List.of("ops"), List.of("pull")),
                                AccessRule.of(
                                    "shared", List.of("alice@example.com"), List.of("*"))))
                        .build())
                .mirror(
                    MirrorConfig.builder()
                        .upstreams(List.of(Upstream.known("ghcr.io").orElseThrow()))
                        .hostedPrefixes(List.of("corp/apps"))
                        .build())
                .accelerator(config())
                .build());
    ApiClient alice = new ApiClient(hoist.url());
    JsonNode me = alice.signup("alice@example.com", "Alice", PASSWORD, null);
    assertThat(me.get("username").asText()).isEqualTo("alice");
    String address = "127.0.0.1:" + hoist.port();
    JsonNode registry = me.get("registry");
    assertThat(registry.get("user").asText()).isEqualTo("alice");
    assertThat(registry.get("namespace").asText()).isEqualTo(address + "/u/alice");
    assertThat(registry.get("example").asText()).isEqualTo(address + "/u/alice/app");
    assertThat(registry.get("push").asText())
        .isEqualTo(
            "docker tag app " + address + "/u/alice/app\ndocker push " + address + "/u/alice/app");
    assertThat(registry.get("authRequired").asBoolean()).isTrue();
    assertThat(registry.get("dockerLogin").asText())
        .isEqualTo("docker login " + address + " -u alice");
    assertThat(registry.get("skopeoLogin").asText())
        .isEqualTo("skopeo login --tls-verify=false " + address + " -u alice");
    // Either name signs in to the console.
    new ApiClient(hoist.url()).login("alice", PASSWORD);

    for (String invalid : new String[] {"", "a", "-alice", "al/ice", "al ice", "a".repeat(31)}) {
      HttpResponse<String> r = signupAs("b@example.com", invalid);
      assertThat(r.statusCode()).as(invalid).isEqualTo(400);
      assertThat(r.body()).as(invalid).contains("USERNAME_INVALID").contains("2 to 30 lowercase");
    }
    HttpResponse<String> missing =
        new ApiClient(hoist.url())
            .send("POST", "/api/v1/signup", Map.of("email", "b@example.com", "password", PASSWORD));
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(missing.body()).contains("USERNAME_INVALID");
    // Taken by an account, or given a meaning by the configuration: an htpasswd user, an admin, a
    // rule's user or prefix, a hosted prefix, an upstream, Docker Hub's official images.
    for (String taken :
        new String[] {
          "alice", "operator", "root", "ops", "team", "shared", "corp", "ghcr.io", "library"
        }) {
      HttpResponse<String> r = signupAs("b@example.com", taken);
      assertThat(r.statusCode()).as(taken).isEqualTo(409);
      assertThat(r.body()).as(taken).contains("USERNAME_TAKEN").contains(taken);
    }
    assertThat(signupAs("b@example.com", "bob").statusCode()).isEqualTo(201);
  }

  private HttpResponse<String> signupAs(String email, String username) throws Exception {
    return new ApiClient(hoist.url())
        .send(
            "POST",
            "/api/v1/signup",
            Map.of("email", email, "username", username, "password", PASSWORD));
  }

  @Test
  void loginAttemptsAreRateLimitedPerEmail() throws Exception {
    start(config());
    new ApiClient(hoist.url()).signup("a@example.com", PASSWORD, null);
    ApiClient attacker = new ApiClient(hoist.url());
    for (int i = 0; i < 5; i++) {
      assertThat(
              attacker
                  .send(
                      "POST",
                      "/api/v1/login",
                      Map.of("email", "a@example.com", "password", "guess" + i))
                  .statusCode())
          .isEqualTo(401);
    }
    HttpResponse<String> limited =
        attacker.send(
            "POST", "/api/v1/login", Map.of("email", "a@example.com", "password", PASSWORD));
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("Retry-After")).isPresent();
  }

  @Test
  void anInvitationAddsTheBonusToBothAccountsAndListsTheFriend() throws Exception {
    start(config().toBuilder().signupOpen(false).build());
    ApiClient nobody = new ApiClient(hoist.url());
    assertThat(
            nobody
                .send(
                    "POST",
                    "/api/v1/signup",
                    Map.of("email", "x@example.com", "username", "xavier", "password", PASSWORD))
                .statusCode())
        .isEqualTo(403);

    // Signup was open when alice joined; now it is closed, and only her invitation lets bob in.
    hoist.close();
    start(config());
    ApiClient alice = new ApiClient(hoist.url());
    alice.signup("alice@example.com", PASSWORD, null);
    JsonNode invitations = alice.ok("GET", "/api/v1/invitations", null);
    String code = invitations.get("code").asText();
    assertThat(invitations.get("link").asText()).endsWith("/console/signup?invite=" + code);
    hoist.close();
    start(config().toBuilder().signupOpen(false).build());

    ApiClient bob = new ApiClient(hoist.url());
    JsonNode bobMe = bob.signup("bob@example.com", PASSWORD, code);
    assertThat(bobMe.get("quotaBytes").asLong()).isEqualTo(10_500);
    alice = new ApiClient(hoist.url());
    alice.login("alice@example.com", PASSWORD);
    assertThat(alice.ok("GET", "/api/v1/me", null).get("quotaBytes").asLong()).isEqualTo(10_500);
    assertThat(alice.usage().get("limit").asLong()).isEqualTo(10_500);
    JsonNode friends = alice.ok("GET", "/api/v1/invitations", null).get("friends");
    assertThat(friends).hasSize(1);
    assertThat(friends.get(0).get("email").asText()).isEqualTo("bob@example.com");
    assertThat(
            new ApiClient(hoist.url())
                .send(
                    "POST",
                    "/api/v1/signup",
                    Map.of(
                        "email",
                        "c@example.com",
                        "username",
                        "carol",
                        "password",
                        PASSWORD,
                        "invite",
                        "nope"))
                .statusCode())
        .isEqualTo(400);
  }

  @Test
  void adminsListTenantsWithUsageAndOthersMayNot() throws Exception {
    start(config());
    ApiClient alice = new ApiClient(hoist.url());
    alice.signup("alice@example.com", PASSWORD, null);
    alice.start();
    assertThat(alice.send("GET", "/api/v1/admin/tenants", null).statusCode()).isEqualTo(403);
    ApiClient admin = new ApiClient(hoist.url());
    admin.signup("admin@example.com", PASSWORD, null);
    JsonNode tenants = admin.ok("GET", "/api/v1/admin/tenants", null).get("tenants");
    assertThat(tenants).hasSize(2);
    JsonNode row = tenants.get(0);
    assertThat(row.get("email").asText()).isEqualTo("alice@example.com");
    assertThat(row.get("used").asLong()).isZero();
    assertThat(row.get("limit").asLong()).isEqualTo(10_000);
    JsonNode changed =
        admin.ok(
            "PATCH",
            "/api/v1/admin/accounts/" + row.get("accountId").asText(),
            Map.of("quotaBytes", 123_456, "disabled", true));
    assertThat(changed.get("limit").asLong()).isEqualTo(123_456);
    assertThat(changed.get("disabled").asBoolean()).isTrue();
  }

  @Test
  void anAdminSetsQuotasInTheSizeSyntaxOfTheConfiguration() throws Exception {
    start(config());
    ApiClient alice = new ApiClient(hoist.url());
    String id = alice.signup("alice@example.com", PASSWORD, null).get("id").asText();
    ApiClient admin = new ApiClient(hoist.url());
    admin.signup("admin@example.com", PASSWORD, null);
    String path = "/api/v1/admin/accounts/" + id;
    Map<Object, Long> quotas =
        Map.of("100MiB", 100L << 20, "10GB", 10_000_000_000L, 2048, 2048L, "4096", 4096L);
    for (Map.Entry<Object, Long> q : quotas.entrySet()) {
      JsonNode changed = admin.ok("PATCH", path, Map.of("quotaBytes", q.getKey()));
      assertThat(changed.get("limit").asLong()).as("%s", q.getKey()).isEqualTo(q.getValue());
    }
    for (Object bad : List.of("lots", "1.5GiB", -1)) {
      HttpResponse<String> refused = admin.send("PATCH", path, Map.of("quotaBytes", bad));
      assertThat(refused.statusCode()).as("%s", bad).isEqualTo(400);
      JsonNode error = ApiClient.JSON.readTree(refused.body()).get("errors").get(0);
      assertThat(error.get("code").asText()).isEqualTo("QUOTA_INVALID");
      assertThat(error.get("message").asText())
          .isEqualTo("quotaBytes: '" + bad + "' is not a size (e.g. 1048576, 500MiB, 10GiB, 1TB)");
    }
    // Too large for a long, as a size or as plain digits: refused, never wrapped around.
    for (String huge : List.of("99999999999TiB", "99999999999999999999")) {
      HttpResponse<String> refused = admin.send("PATCH", path, Map.of("quotaBytes", huge));
      assertThat(refused.statusCode()).as(huge).isEqualTo(400);
      assertThat(refused.body()).as(huge).contains("QUOTA_INVALID").contains("too large");
    }
    assertThat(admin.ok("PATCH", path, Map.of("quotaBytes", "512MiB")).get("limit").asLong())
        .isEqualTo(512L << 20);
  }
}
