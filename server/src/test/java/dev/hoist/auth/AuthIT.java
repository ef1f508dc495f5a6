package dev.hoist.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.mirror.Upstream;
import dev.hoist.oci.MediaTypes;
import dev.hoist.server.ConfigException;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hoist with token auth on, against real clients: skopeo logs in and pushes, raw HTTP checks the
 * challenges, tokens are bound to their host and scope, anonymous clients pull mirrored content
 * from a real Distribution upstream, and no password or token ever reaches the log (the tests'
 * Logback writes to System.err, which this class tees into a buffer).
 */
class AuthIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ALICE_PW = "alice-Pw-7f3a91c2";
  private static final String BOB_PW = "bob-Pw-d81e0b44";
  private static final String ROOT_PW = "root-Pw-55aa10ff";
  private static final String WRONG_PW = "wrong-Pw-0c0ffee";

  private static PrintStream originalErr;
  private static final ByteArrayOutputStream LOG = new ByteArrayOutputStream();

  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<String> tokensSeen = new ArrayList<>();
  private HoistServer hoist;
  private DockerRegistryProcess upstream;
  private Skopeo skopeo;

  @BeforeAll
  static void captureLog() {
    originalErr = System.err;
    OutputStream tee =
        new OutputStream() {
          @Override
          public void write(int b) {
            synchronized (LOG) {
              LOG.write(b);
            }
            originalErr.write(b);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            synchronized (LOG) {
              LOG.write(b, off, len);
            }
            originalErr.write(b, off, len);
          }
        };
    System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
  }

  @AfterAll
  static void restoreLog() {
    System.setErr(originalErr);
  }

  private static String log() {
    synchronized (LOG) {
      return LOG.toString(StandardCharsets.UTF_8);
    }
  }

  @BeforeEach
  void setUp() {
    skopeo = Skopeo.create(dir.resolve("skopeo"));
  }

  @AfterEach
  void tearDownAndCheckTheLogHoldsNoSecret() {
    if (hoist != null) {
      hoist.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    String log = log();
    for (String secret : List.of(ALICE_PW, BOB_PW, ROOT_PW, WRONG_PW)) {
      assertThat(log).as("the log holds a password").doesNotContain(secret);
    }
    for (String token : tokensSeen) {
      assertThat(log).as("the log holds a token").doesNotContain(token);
      // A JWT's signature alone is as good as a secret too.
      assertThat(log).doesNotContain(token.substring(token.lastIndexOf('.') + 1));
    }
  }

  private Path htpasswd() throws Exception {
    Path file = dir.resolve("users.htpasswd");
    Files.writeString(
        file,
        "alice:"
            + bcrypt(ALICE_PW)
            + "\nbob:"
            + bcrypt(BOB_PW)
            + "\nroot:"
            + bcrypt(ROOT_PW)
            + "\n");
    return file;
  }

  private static String bcrypt(String password) {
    byte[] salt = new byte[16];
    new java.security.SecureRandom().nextBytes(salt);
    return OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, 5);
  }

  private AuthConfig auth(AnonymousPull anonymous) throws Exception {
    return AuthConfig.builder()
        .enabled(true)
        .htpasswd(htpasswd())
        .admins(Set.of("root"))
        .anonymousPull(anonymous)
        .rules(List.of(AccessRule.of("team/", List.of("alice"), List.of("pull", "push"))))
        .build();
  }

  private HoistServer start(AuthConfig auth, MirrorConfig mirror) {
    hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(dir.resolve("data"))
                .mirror(mirror)
                .auth(auth)
                .build());
    return hoist;
  }

  private HoistServer start(AuthConfig auth) {
    return start(auth, MirrorConfig.disabled());
  }

  private String host() {
    return "127.0.0.1:" + hoist.port();
  }

  private String localhost() {
    return "localhost:" + hoist.port();
  }

  private RandomImages.ImageLayout layout(String name, long seed) {
    return RandomImages.writeLayout(dir.resolve(name), "v1", seed, 50_000, 1_000);
  }

  private void pushAsAlice(String repository) {
    skopeo.copy(
        layout("img-" + repository.replace('/', '-'), 7).ociReference(),
        "docker://" + host() + "/" + repository + ":v1",
        "--dest-creds",
        "alice:" + ALICE_PW);
  }

  private HttpResponse<String> send(
      String method, String hostPort, String path, String token, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://" + hostPort + path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                method.equals("PUT") || method.equals("POST")
                    ? HttpRequest.BodyPublishers.ofString("{}")
                    : HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> tokenResponse(
      String hostPort, String user, String password, String... scopes) throws Exception {
    StringBuilder query = new StringBuilder("/token?service=hoist");
    for (String s : scopes) {
      query.append("&scope=").append(URLEncoder.encode(s, StandardCharsets.UTF_8));
    }
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + hostPort + query)).GET();
    if (user != null) {
      b.header(
          "Authorization",
          "Basic "
              + Base64.getEncoder()
                  .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode token(String hostPort, String user, String password, String... scopes)
      throws Exception {
    HttpResponse<String> r = tokenResponse(hostPort, user, password, scopes);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = JSON.readTree(r.body());
    tokensSeen.add(body.path("token").asText());
    return body;
  }

  private String tokenString(String hostPort, String user, String password, String... scopes)
      throws Exception {
    return token(hostPort, user, password, scopes).path("token").asText();
  }

  private static String challenge(HttpResponse<?> r) {
    return r.headers().firstValue("WWW-Authenticate").orElse("(none)");
  }

  private static String code(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body()).path("errors").path(0).path("code").asText();
  }

  @Test
  void skopeoLoginThenPushWorksAndWithoutCredentialsPushGets401() throws Exception {
    start(auth(AnonymousPull.MIRRORED));
    RandomImages.ImageLayout image = layout("img", 1);

    Skopeo.Result anonymous =
        skopeo.run(
            "copy",
            "--dest-tls-verify=false",
            image.ociReference(),
            "docker://" + host() + "/alice/app:v1");
    assertThat(anonymous.succeeded()).as(anonymous.describe()).isFalse();
    assertThat(anonymous.stderr()).contains("401");

    Skopeo.Result badLogin =
        skopeo.run("login", "--tls-verify=false", "-u", "alice", "-p", WRONG_PW, host());
    assertThat(badLogin.succeeded()).as(badLogin.describe()).isFalse();

    skopeo.checked("login", "--tls-verify=false", "-u", "alice", "-p", ALICE_PW, host());
    skopeo.copy(image.ociReference(), "docker://" + host() + "/alice/app:v1");
    skopeo.copy(image.ociReference(), "docker://" + host() + "/team/app:v1");

    byte[] manifest = skopeo.inspectRaw("docker://" + host() + "/alice/app:v1");
    assertThat(dev.hoist.oci.Digest.sha256(manifest)).isEqualTo(image.manifestDigest());
    assertThat(log()).contains("token issued: user=alice");

    // Logged in, alice still may not push into bob's namespace.
    Skopeo.Result intoBob =
        skopeo.run(
            "copy",
            "--dest-tls-verify=false",
            image.ociReference(),
            "docker://" + host() + "/bob/app:v1");
    assertThat(intoBob.succeeded()).as(intoBob.describe()).isFalse();

    // A second client with --creds instead of a login.
    Skopeo other = Skopeo.create(dir.resolve("skopeo2"));
    other.copy(
        image.ociReference(),
        "docker://" + host() + "/bob/app:v1",
        "--dest-creds",
        "bob:" + BOB_PW);
  }

  @Test
  void requestsWithoutATokenGet401WithTheChallengeForWhatTheyNeed() throws Exception {
    start(auth(AnonymousPull.NONE));
    String realm = "Bearer realm=\"http://" + host() + "/token\",service=\"hoist\"";
    record Case(String method, String path, String scope) {}
    for (Case c :
        List.of(
            new Case("GET", "/v2/", null),
            new Case("GET", "/v2/alice/app/manifests/v1", "repository:alice/app:pull"),
            new Case("HEAD", "/v2/alice/app/manifests/v1", "repository:alice/app:pull"),
            new Case("PUT", "/v2/alice/app/manifests/v1", "repository:alice/app:pull,push"),
            new Case("POST", "/v2/alice/app/blobs/uploads/", "repository:alice/app:pull,push"),
            new Case("DELETE", "/v2/alice/app/manifests/v1", "repository:alice/app:delete"),
            new Case("GET", "/v2/alice/app/tags/list", "repository:alice/app:pull"),
            new Case("GET", "/v2/_catalog", "registry:catalog:*"))) {
      HttpResponse<String> r = send(c.method(), host(), c.path(), null);
      assertThat(r.statusCode()).as(c.toString()).isEqualTo(401);
      assertThat(challenge(r))
          .as(c.toString())
          .isEqualTo(c.scope() == null ? realm : realm + ",scope=\"" + c.scope() + "\"");
      if (!c.method().equals("HEAD")) {
        assertThat(code(r)).isEqualTo("UNAUTHORIZED");
      }
    }
    // A Basic header is no token either.
    HttpResponse<String> basic =
        send(
            "GET",
            host(),
            "/v2/",
            null,
            "Authorization",
            "Basic " + Base64.getEncoder().encodeToString(("alice:" + ALICE_PW).getBytes()));
    assertThat(basic.statusCode()).isEqualTo(401);

    String token = tokenString(host(), "alice", ALICE_PW);
    assertThat(send("GET", host(), "/v2/", token).statusCode()).isEqualTo(200);
  }

  @Test
  void aPullTokenCannotPushOrDelete() throws Exception {
    start(auth(AnonymousPull.NONE));
    pushAsAlice("alice/app");
    String pull = tokenString(host(), "alice", ALICE_PW, "repository:alice/app:pull");
    String manifestPath = "/v2/alice/app/manifests/v1";

    HttpResponse<String> get =
        send(
            "GET",
            host(),
            manifestPath,
            pull,
            "Accept",
            String.join(",", MediaTypes.MANIFEST_TYPES));
    assertThat(get.statusCode()).isEqualTo(200);

    for (String[] attempt :
        List.of(
            new String[] {"POST", "/v2/alice/app/blobs/uploads/", "pull,push"},
            new String[] {"PUT", manifestPath, "pull,push"},
            new String[] {"DELETE", manifestPath, "delete"})) {
      HttpResponse<String> r = send(attempt[0], host(), attempt[1], pull);
      assertThat(r.statusCode()).as(attempt[0]).isEqualTo(403);
      assertThat(code(r)).isEqualTo("DENIED");
      assertThat(challenge(r))
          .isEqualTo(
              "Bearer realm=\"http://"
                  + host()
                  + "/token\",service=\"hoist\",scope=\"repository:alice/app:"
                  + attempt[2]
                  + "\",error=\"insufficient_scope\"");
    }
    assertThat(send("GET", host(), manifestPath, pull).statusCode()).isEqualTo(200);

    // Bob asks for everything on alice's repository and is granted nothing.
    JsonNode bobs = token(host(), "bob", BOB_PW, "repository:alice/app:pull,push,delete");
    assertThat(bobs.has("scope")).isFalse();
    assertThat(send("GET", host(), manifestPath, bobs.path("token").asText()).statusCode())
        .isEqualTo(403);

    // Alice's full token may delete; the admin may list the catalog, alice may not.
    String full = tokenString(host(), "alice", ALICE_PW, "repository:alice/app:pull,push,delete");
    assertThat(send("POST", host(), "/v2/alice/app/blobs/uploads/", full).statusCode())
        .isEqualTo(202);
    assertThat(send("GET", host(), "/v2/_catalog", full).statusCode()).isEqualTo(403);
    String root = tokenString(host(), "root", ROOT_PW, "registry:catalog:*");
    HttpResponse<String> catalog = send("GET", host(), "/v2/_catalog", root);
    assertThat(catalog.statusCode()).isEqualTo(200);
    assertThat(catalog.body()).contains("alice/app");
  }

  @Test
  void aMountFromARepositoryTheTokenCannotPullStartsAPlainUpload() throws Exception {
    start(auth(AnonymousPull.NONE));
    RandomImages.ImageLayout image = layout("secret", 9);
    skopeo.copy(
        image.ociReference(),
        "docker://" + host() + "/alice/secret:v1",
        "--dest-creds",
        "alice:" + ALICE_PW);
    String layer = image.layerDigests().get(0).toString();
    String mount = "/v2/bob/copy/blobs/uploads/?mount=" + layer + "&from=alice/secret";

    String bobs = tokenString(host(), "bob", BOB_PW, "repository:bob/copy:pull,push");
    HttpResponse<String> refused = send("POST", host(), mount, bobs);
    assertThat(refused.statusCode()).as("a session, not a mount").isEqualTo(202);
    assertThat(send("HEAD", host(), "/v2/bob/copy/blobs/" + layer, bobs).statusCode())
        .isEqualTo(404);

    String root =
        tokenString(
            host(),
            "root",
            ROOT_PW,
            "repository:bob/copy:pull,push",
            "repository:alice/secret:pull");
    assertThat(send("POST", host(), mount, root).statusCode()).isEqualTo(201);
  }

  @Test
  void aTokenForOneHostIsRejectedAtAnother() throws Exception {
    start(auth(AnonymousPull.NONE));
    pushAsAlice("alice/app");
    String path = "/v2/alice/app/tags/list";
    String forA = tokenString(host(), "alice", ALICE_PW, "repository:alice/app:pull");
    String forB = tokenString(localhost(), "alice", ALICE_PW, "repository:alice/app:pull");

    assertThat(send("GET", host(), path, forA).statusCode()).isEqualTo(200);
    assertThat(send("GET", localhost(), path, forB).statusCode()).isEqualTo(200);

    HttpResponse<String> atB = send("GET", localhost(), path, forA);
    assertThat(atB.statusCode()).isEqualTo(401);
    assertThat(code(atB)).isEqualTo("UNAUTHORIZED");
    assertThat(challenge(atB))
        .isEqualTo(
            "Bearer realm=\"http://"
                + localhost()
                + "/token\",service=\"hoist\",scope=\"repository:alice/app:pull\""
                + ",error=\"invalid_token\"");
    assertThat(send("GET", host(), path, forB).statusCode()).isEqualTo(401);

    // From an untrusted address, X-Forwarded-Host changes nothing.
    assertThat(send("GET", host(), path, forA, "X-Forwarded-Host", localhost()).statusCode())
        .isEqualTo(200);
    assertThat(send("GET", host(), path, forB, "X-Forwarded-Host", localhost()).statusCode())
        .isEqualTo(401);
  }

  @Test
  void forwardedHostCountsFromATrustedProxyOnly() throws Exception {
    start(auth(AnonymousPull.NONE).toBuilder().trustedProxies(List.of("127.0.0.1")).build());
    pushAsAlice("alice/app");
    String path = "/v2/alice/app/tags/list";
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(
                    "http://" + host() + "/token?service=hoist&scope=repository:alice/app:pull"))
            .header("X-Forwarded-Host", "a.m.example.com")
            .header("X-Forwarded-Proto", "https")
            .header(
                "Authorization",
                "Basic " + Base64.getEncoder().encodeToString(("alice:" + ALICE_PW).getBytes()))
            .build();
    String forA =
        JSON.readTree(http.send(request, HttpResponse.BodyHandlers.ofString()).body())
            .path("token")
            .asText();
    tokensSeen.add(forA);

    assertThat(send("GET", host(), path, forA, "X-Forwarded-Host", "a.m.example.com").statusCode())
        .isEqualTo(200);
    HttpResponse<String> atB =
        send("GET", host(), path, forA, "X-Forwarded-Host", "b.m.example.com");
    assertThat(atB.statusCode()).isEqualTo(401);
    assertThat(challenge(atB)).startsWith("Bearer realm=\"http://b.m.example.com/token\"");
    assertThat(send("GET", host(), path, forA).statusCode()).isEqualTo(401);
  }

  @Test
  void anonymousClientsPullMirroredContentWhenAllowedButNotLocalContent() throws Exception {
    upstream = DockerRegistryProcess.builder().workDir(dir.resolve("upstream")).start();
    RandomImages.ImageLayout image = layout("upstream-img", 3);
    skopeo.copy(image.ociReference(), "docker://" + upstream.hostPort() + "/library/base:v1");
    MirrorConfig mirror =
        MirrorConfig.builder()
            .upstreams(
                List.of(
                    Upstream.known("docker.io").orElseThrow().withUrl(URI.create(upstream.url()))))
            .hostedPrefixes(List.of("alice", "team"))
            .build();
    start(auth(AnonymousPull.MIRRORED), mirror);
    pushAsAlice("alice/app");

    Skopeo anonymous = Skopeo.create(dir.resolve("anon"));
    anonymous.copy("docker://" + host() + "/library/base:v1", "oci:" + dir.resolve("out1") + ":v1");
    assertThat(Files.readString(dir.resolve("out1").resolve("index.json")))
        .contains(image.manifestDigest().encoded());
    // Plain HTTP without any token, too.
    assertThat(
            send(
                    "GET",
                    host(),
                    "/v2/library/base/manifests/v1",
                    null,
                    "Accept",
                    String.join(",", MediaTypes.MANIFEST_TYPES))
                .statusCode())
        .isEqualTo(200);

    Skopeo.Result local =
        anonymous.run(
            "copy",
            "--src-tls-verify=false",
            "docker://" + host() + "/alice/app:v1",
            "oci:" + dir.resolve("out2") + ":v1");
    assertThat(local.succeeded()).as(local.describe()).isFalse();

    // Mirrored names stay read-only even for an admin's token.
    String root = tokenString(host(), "root", ROOT_PW, "repository:library/base:pull,push");
    assertThat(send("POST", host(), "/v2/library/base/blobs/uploads/", root).statusCode())
        .isEqualTo(405);
    // And a user cannot get push on them at all.
    JsonNode alices = token(host(), "alice", ALICE_PW, "repository:library/base:pull,push");
    assertThat(alices.path("scope").asText()).isEqualTo("repository:library/base:pull");
  }

  @Test
  void withAnonymousPullNoneMirroredContentNeedsASignedInUser() throws Exception {
    upstream = DockerRegistryProcess.builder().workDir(dir.resolve("upstream")).start();
    RandomImages.ImageLayout image = layout("upstream-img", 4);
    skopeo.copy(image.ociReference(), "docker://" + upstream.hostPort() + "/library/base:v1");
    start(
        auth(AnonymousPull.NONE),
        MirrorConfig.of(
            List.of(
                Upstream.known("docker.io").orElseThrow().withUrl(URI.create(upstream.url())))));

    Skopeo anonymous = Skopeo.create(dir.resolve("anon"));
    Skopeo.Result refused =
        anonymous.run(
            "copy",
            "--src-tls-verify=false",
            "docker://" + host() + "/library/base:v1",
            "oci:" + dir.resolve("out1") + ":v1");
    assertThat(refused.succeeded()).as(refused.describe()).isFalse();

    anonymous.copy(
        "docker://" + host() + "/library/base:v1",
        "oci:" + dir.resolve("out2") + ":v1",
        "--src-creds",
        "bob:" + BOB_PW);
  }

  @Test
  void tokenEndpointAnswersBothFormsAndRefreshes() throws Exception {
    start(auth(AnonymousPull.NONE));
    Instant before = Instant.now().minusSeconds(2);

    JsonNode get = token(host(), "alice", ALICE_PW, "repository:alice/app:pull,push");
    assertThat(get.path("access_token").asText()).isEqualTo(get.path("token").asText());
    assertThat(get.path("expires_in").asLong()).isEqualTo(300);
    assertThat(Instant.parse(get.path("issued_at").asText())).isAfter(before);

    HttpResponse<String> wrong = tokenResponse(host(), "alice", WRONG_PW, "repository:a/b:pull");
    assertThat(wrong.statusCode()).isEqualTo(401);
    HttpResponse<String> unknown = tokenResponse(host(), "mallory", WRONG_PW);
    assertThat(unknown.statusCode()).isEqualTo(401);

    JsonNode anonymous = token(host(), null, null, "repository:alice/app:pull");
    assertThat(anonymous.has("scope")).isFalse();

    HttpResponse<String> post =
        postForm(
            "grant_type=password&service=hoist&client_id=test&access_type=offline&username=alice"
                + "&password="
                + ALICE_PW
                + "&scope=repository%3Aalice%2Fapp%3Apull+repository%3Ateam%2Fx%3Apull%2Cpush");
    assertThat(post.statusCode()).as(post.body()).isEqualTo(200);
    JsonNode oauth = JSON.readTree(post.body());
    String access = oauth.path("access_token").asText();
    String refresh = oauth.path("refresh_token").asText();
    tokensSeen.add(access);
    tokensSeen.add(refresh);
    assertThat(oauth.path("scope").asText())
        .isEqualTo("repository:alice/app:pull repository:team/x:pull,push");
    assertThat(oauth.path("expires_in").asLong()).isGreaterThanOrEqualTo(60);
    assertThat(refresh).isNotBlank();
    assertThat(send("POST", host(), "/v2/team/x/blobs/uploads/", access).statusCode())
        .isEqualTo(202);
    // A refresh token is no access token.
    assertThat(send("GET", host(), "/v2/", refresh).statusCode()).isEqualTo(401);

    HttpResponse<String> refreshed =
        postForm(
            "grant_type=refresh_token&service=hoist&client_id=test&refresh_token="
                + refresh
                + "&scope=repository%3Aalice%2Fapp%3Apull%2Cpush");
    assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
    String again = JSON.readTree(refreshed.body()).path("access_token").asText();
    tokensSeen.add(again);
    assertThat(send("POST", host(), "/v2/alice/app/blobs/uploads/", again).statusCode())
        .isEqualTo(202);

    HttpResponse<String> badGrant =
        postForm("grant_type=password&username=alice&password=" + WRONG_PW);
    assertThat(badGrant.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(badGrant.body()).path("error").asText()).isEqualTo("invalid_grant");
    assertThat(postForm("grant_type=client_credentials").statusCode()).isEqualTo(400);
  }

  @Test
  void repeatedBadPasswordsAtTheTokenServiceGet429ForThatUserWhileOthersStillSignIn()
      throws Exception {
    start(auth(AnonymousPull.NONE));
    for (int i = 0; i < LoginLimiter.MAX_FAILURES_PER_USER; i++) {
      assertThat(tokenResponse(host(), "alice", WRONG_PW).statusCode()).isEqualTo(401);
    }
    // Now even the right password waits, in both forms of the endpoint.
    HttpResponse<String> limited = tokenResponse(host(), "alice", ALICE_PW);
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(code(limited)).isEqualTo("TOOMANYREQUESTS");
    assertThat(limited.headers().firstValue("Retry-After").map(Long::parseLong).orElseThrow())
        .isBetween(1L, LoginLimiter.WINDOW.toSeconds() + 1);
    HttpResponse<String> oauth =
        postForm("grant_type=password&username=alice&password=" + ALICE_PW);
    assertThat(oauth.statusCode()).isEqualTo(429);
    assertThat(oauth.headers().firstValue("Retry-After")).isPresent();
    Skopeo.Result login =
        skopeo.run("login", "--tls-verify=false", "-u", "alice", "-p", ALICE_PW, host());
    assertThat(login.succeeded()).as(login.describe()).isFalse();

    // Bob, from the same address, is not affected.
    assertThat(tokenResponse(host(), "bob", BOB_PW).statusCode()).isEqualTo(200);
    Skopeo bobs = Skopeo.create(dir.resolve("bob"));
    bobs.checked("login", "--tls-verify=false", "-u", "bob", "-p", BOB_PW, host());
    assertThat(log()).contains("reason=too many failures");
  }

  @Test
  void aRefreshTokenEndsWhenItsUserIsRemovedOrTheirPasswordChanges() throws Exception {
    start(auth(AnonymousPull.NONE));
    String alices = refreshToken("alice", ALICE_PW);
    String bobs = refreshToken("bob", BOB_PW);
    String roots = refreshToken("root", ROOT_PW);
    assertThat(refresh(alices).statusCode()).isEqualTo(200);

    // Restart with a new file: alice has a new password, bob is gone, root is unchanged.
    int port = hoist.port();
    hoist.close();
    Path users = dir.resolve("users.htpasswd");
    String rootLine =
        Files.readAllLines(users).stream().filter(l -> l.startsWith("root:")).findFirst().get();
    Files.writeString(users, "alice:" + bcrypt(ALICE_PW + "-new") + "\n" + rootLine + "\n");
    hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", port)
                .dataDir(dir.resolve("data"))
                .auth(
                    AuthConfig.builder()
                        .enabled(true)
                        .htpasswd(users)
                        .admins(Set.of("root"))
                        .anonymousPull(AnonymousPull.NONE)
                        .build())
                .build());
    for (String gone : List.of(alices, bobs)) {
      HttpResponse<String> refused = refresh(gone);
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
      assertThat(JSON.readTree(refused.body()).path("error").asText()).isEqualTo("invalid_grant");
    }
    assertThat(refresh(roots).statusCode()).as("root is unchanged").isEqualTo(200);
    assertThat(log()).contains("reason=user gone, disabled or new password");

    // A refresh token from the new password works, and carries the user's current rights.
    String fresh = refreshToken("alice", ALICE_PW + "-new");
    HttpResponse<String> ok = refresh(fresh);
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
  }

  private String refreshToken(String user, String password) throws Exception {
    HttpResponse<String> r =
        postForm(
            "grant_type=password&access_type=offline&username="
                + user
                + "&password="
                + URLEncoder.encode(password, StandardCharsets.UTF_8));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = JSON.readTree(r.body());
    tokensSeen.add(body.path("access_token").asText());
    String refresh = body.path("refresh_token").asText();
    assertThat(refresh).isNotBlank();
    tokensSeen.add(refresh);
    return refresh;
  }

  private HttpResponse<String> refresh(String refreshToken) throws Exception {
    HttpResponse<String> r =
        postForm(
            "grant_type=refresh_token&refresh_token="
                + refreshToken
                + "&scope=repository%3Aalice%2Fapp%3Apull");
    if (r.statusCode() == 200) {
      tokensSeen.add(JSON.readTree(r.body()).path("access_token").asText());
    }
    return r;
  }

  private HttpResponse<String> postForm(String form) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://" + host() + "/token"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void htpasswdWithAnotherHashTypeStopsTheStart() throws Exception {
    Path file = dir.resolve("md5.htpasswd");
    Files.writeString(file, "alice:$apr1$abcdefgh$0123456789abcdefghijk\n");
    assertThatThrownBy(() -> start(AuthConfig.builder().enabled(true).htpasswd(file).build()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("only bcrypt")
        .hasMessageContaining("line 1");
  }

  @Test
  void signingKeyIsKeptOwnerReadableAndReusedAcrossRestarts() throws Exception {
    start(auth(AnonymousPull.NONE));
    Path key = dir.resolve("data").resolve("auth").resolve("token-key.pem");
    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(key)))
        .isEqualTo("rw-------");
    String token = tokenString(host(), "alice", ALICE_PW);
    int port = hoist.port();
    hoist.close();
    hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", port)
                .dataDir(dir.resolve("data"))
                .auth(auth(AnonymousPull.NONE))
                .build());
    assertThat(send("GET", host(), "/v2/", token).statusCode()).isEqualTo(200);
  }
}
