package dev.hoist.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.auth.AccessRule;
import dev.hoist.auth.AnonymousPull;
import dev.hoist.auth.AuthConfig;
import dev.hoist.auth.LoginLimiter;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signing in to the pages of a Hoist with auth, over plain HTTP: what each visitor may see, the
 * session cookie, the CSRF check, the login limiter shared with {@code /token}, sessions that
 * survive a restart, signing out. Images are pushed while the server runs without auth; it is then
 * restarted on the same data with auth on.
 */
class UiSignInIT {
  static final String ALICE_PW = "alice secret 1";
  static final String ROOT_PW = "root secret 2";

  @TempDir Path dir;
  HoistServer hoist;

  @BeforeEach
  void pushThenRestartWithAuth() throws Exception {
    hoist = start(AuthConfig.disabled());
    TinyImages.push(hoist.url(), "team/app", "1.0", "RUN make");
    TinyImages.push(hoist.url(), "secret/app", "1.0", "RUN make");
    hoist.close();
    hoist = start(auth());
  }

  @AfterEach
  void stop() {
    if (hoist != null) {
      hoist.close();
    }
  }

  private HoistServer start(AuthConfig auth) {
    return HoistServer.start(
        ServerConfig.builder()
            .disk(DiskConfig.off())
            .listen("127.0.0.1", hoist == null ? 0 : hoist.port())
            .dataDir(dir.resolve("hoist"))
            .auth(auth)
            .build());
  }

  private AuthConfig auth() throws Exception {
    Path file = dir.resolve("users.htpasswd");
    Files.writeString(file, "alice:" + bcrypt(ALICE_PW) + "\nroot:" + bcrypt(ROOT_PW) + "\n");
    return AuthConfig.builder()
        .enabled(true)
        .htpasswd(file)
        .admins(Set.of("root"))
        .anonymousPull(AnonymousPull.MIRRORED)
        .rules(List.of(AccessRule.of("team/", List.of("alice"), List.of("pull"))))
        .build();
  }

  private static String bcrypt(String password) {
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    return OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, 5);
  }

  private HttpResponse<String> signIn(WebClient web, String user, String password)
      throws Exception {
    String form = web.get("/ui/signin").body();
    return web.post(
        "/ui/signin",
        Map.of(
            "username", user, "password", password, "csrf", WebClient.csrf(form), "next", "/ui/"));
  }

  @Test
  void anonymousVisitorsSeeOnlyWhatTheyMayPullAndHiddenNamesAnswer404() throws Exception {
    WebClient anonymous = new WebClient(hoist.url());
    String list = anonymous.get("/ui/").body();
    assertThat(list).doesNotContain("team/app").doesNotContain("secret/app").contains("Sign in");
    assertThat(anonymous.get("/ui/r/team/app").statusCode()).isEqualTo(404);
    assertThat(anonymous.get("/ui/r/secret/app").statusCode()).isEqualTo(404);
    // Hidden and missing look the same.
    assertThat(anonymous.get("/ui/r/secret/app").body())
        .isEqualTo(anonymous.get("/ui/r/secret/nothing").body());
  }

  @Test
  void aSignedInUserSeesWhatTheRulesGiveAndAnAdminSeesEverything() throws Exception {
    WebClient alice = new WebClient(hoist.url());
    HttpResponse<String> signedIn = signIn(alice, "alice", ALICE_PW);
    assertThat(signedIn.statusCode()).isEqualTo(303);
    assertThat(signedIn.headers().firstValue("Location")).hasValue("/ui/");
    String cookie = signedIn.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(cookie)
        .startsWith(UiSessions.COOKIE + "=")
        .contains("HttpOnly")
        .contains("SameSite=Lax")
        .contains("Path=/")
        .doesNotContain("Secure");
    String list = alice.get("/ui/").body();
    assertThat(list).contains(">team/app</a>").doesNotContain("secret/app");
    assertThat(list).contains("Signed in as <strong id=signed-in-user>alice</strong>");
    assertThat(alice.get("/ui/r/secret/app").statusCode()).isEqualTo(404);
    // Not an admin: no delete link, and a delete with her own valid token is refused.
    String tags = alice.get("/ui/r/team/app").body();
    assertThat(tags).doesNotContain("Delete");
    assertThat(
            alice
                .post("/ui/r/team/app/-/delete", Map.of("tag", "1.0", "csrf", WebClient.csrf(tags)))
                .statusCode())
        .isEqualTo(404);

    WebClient root = new WebClient(hoist.url());
    signIn(root, "root", ROOT_PW);
    assertThat(root.get("/ui/").body()).contains(">team/app</a>").contains(">secret/app</a>");
    assertThat(root.get("/ui/r/secret/app").body()).contains("Delete…").contains("(admin)");
  }

  @Test
  void aSignInFormWithoutItsTokenIsRefused() throws Exception {
    WebClient web = new WebClient(hoist.url());
    web.get("/ui/signin");
    HttpResponse<String> r =
        web.post("/ui/signin", Map.of("username", "alice", "password", ALICE_PW, "csrf", "forged"));
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.headers().firstValue("Set-Cookie")).isEmpty();
    assertThat(web.get("/ui/").body()).doesNotContain("team/app");
  }

  @Test
  void wrongPasswordsGoThroughTheLimiterSharedWithTheTokenService() throws Exception {
    WebClient web = new WebClient(hoist.url());
    for (int i = 0; i < LoginLimiter.MAX_FAILURES_PER_USER; i++) {
      HttpResponse<String> wrong = signIn(web, "alice", "wrong " + i);
      assertThat(wrong.statusCode()).isEqualTo(401);
      assertThat(wrong.body()).contains("Wrong username or password.").contains("value=\"alice\"");
    }
    HttpResponse<String> blocked = signIn(web, "alice", ALICE_PW);
    assertThat(blocked.statusCode()).isEqualTo(429);
    assertThat(blocked.headers().firstValue("Retry-After")).isPresent();
    // The same name is refused at /token too: the guesses counted together.
    String basic =
        Base64.getEncoder().encodeToString(("alice:" + ALICE_PW).getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> token =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            hoist.url() + "/token?service=hoist&scope=repository:team/app:pull"))
                    .header("Authorization", "Basic " + basic)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(token.statusCode()).isEqualTo(429);
  }

  @Test
  void aSessionWorksAfterARestartAndEndsAtSignOut() throws Exception {
    WebClient alice = new WebClient(hoist.url());
    assertThat(signIn(alice, "alice", ALICE_PW).statusCode()).isEqualTo(303);
    hoist.close();
    hoist = start(auth());
    String list = alice.get("/ui/").body();
    assertThat(list).contains(">team/app</a>");
    HttpResponse<String> out = alice.post("/ui/signout", Map.of("csrf", WebClient.csrf(list)));
    assertThat(out.statusCode()).isEqualTo(303);
    assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).contains("Max-Age=0");
    assertThat(alice.get("/ui/").body()).doesNotContain("team/app").contains("Sign in");
  }

  @Test
  void signOutWithoutTheTokenKeepsTheSession() throws Exception {
    WebClient alice = new WebClient(hoist.url());
    signIn(alice, "alice", ALICE_PW);
    alice.post("/ui/signout", Map.of("csrf", "forged"));
    assertThat(alice.get("/ui/").body()).contains(">team/app</a>");
  }
}
