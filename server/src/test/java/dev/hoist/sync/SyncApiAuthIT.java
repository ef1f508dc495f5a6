package dev.hoist.sync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.auth.AuthConfig;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.mirror.Upstream;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /api/v1/sync} on a server with auth: users read, admins change and run. */
class SyncApiAuthIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RULE =
      """
      {"name": "app", "upstream": "docker.io", "repositories": ["library/app"],
       "destination": {"type": "hosted", "from": "library/*", "to": "mirror/library/*"}}
      """;

  @TempDir Path dir;
  DockerRegistryProcess upstream;
  HoistServer hoist;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    upstream = DockerRegistryProcess.builder().workDir(dir.resolve("upstream")).start();
    RandomImages.ImageLayout app = RandomImages.writeLayout(dir.resolve("app"), "1", 61, 5_000);
    Skopeo.create(dir.resolve("skopeo"))
        .copy(app.ociReference(), "docker://" + upstream.hostPort() + "/library/app:1");
    Path users = dir.resolve("users.htpasswd");
    Files.writeString(users, "alice:" + bcrypt("alice-pw") + "\nroot:" + bcrypt("root-pw") + "\n");
    hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(dir.resolve("hoist"))
                .mirror(
                    MirrorConfig.builder()
                        .upstreams(
                            List.of(
                                Upstream.known("docker.io")
                                    .orElseThrow()
                                    .withUrl(URI.create(upstream.url()))))
                        .hostedPrefixes(List.of("mirror"))
                        .build())
                .auth(
                    AuthConfig.builder()
                        .enabled(true)
                        .htpasswd(users)
                        .admins(Set.of("root"))
                        .build())
                .build());
  }

  @AfterEach
  void stop() {
    hoist.close();
    upstream.close();
  }

  private static String bcrypt(String password) {
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    return OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, 5);
  }

  private HttpResponse<String> api(String user, String method, String path, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(hoist.url() + "/api/v1/sync" + path))
            .timeout(Duration.ofMinutes(2))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (user != null) {
      b.header(
          "Authorization",
          "Basic " + Base64.getEncoder().encodeToString(user.getBytes(StandardCharsets.UTF_8)));
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void withoutCredentialsEveryCallIsUnauthorizedWithABasicChallenge() throws Exception {
    for (String[] call :
        new String[][] {{"GET", ""}, {"POST", ""}, {"GET", "/app/status"}, {"POST", "/app/run"}}) {
      HttpResponse<String> r = api(null, call[0], call[1], call[0].equals("POST") ? RULE : null);
      assertThat(r.statusCode()).as("%s %s", call[0], call[1]).isEqualTo(401);
      assertThat(r.headers().firstValue("WWW-Authenticate"))
          .hasValueSatisfying(h -> assertThat(h).startsWith("Basic realm="));
    }
    HttpResponse<String> wrong = api("root:wrong", "GET", "", null);
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(wrong.body()).at("/errors/0/code").asText()).isEqualTo("UNAUTHORIZED");
    assertThat(wrong.headers().firstValue("WWW-Authenticate")).isPresent();
    assertThat(api("nobody:x", "POST", "", RULE).statusCode()).isEqualTo(401);
  }

  @Test
  void aUserWhoIsNotAnAdminMayReadButNotChangeOrRun() throws Exception {
    assertThat(api("root:root-pw", "POST", "", RULE).statusCode()).isEqualTo(201);

    HttpResponse<String> list = api("alice:alice-pw", "GET", "", null);
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(list.body()).get("rules")).hasSize(1);
    assertThat(api("alice:alice-pw", "GET", "/app/status", null).statusCode()).isEqualTo(200);

    HttpResponse<String> create = api("alice:alice-pw", "POST", "", RULE.replace("app\",", "b\","));
    assertThat(create.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(create.body()).at("/errors/0/code").asText()).isEqualTo("FORBIDDEN");
    assertThat(JSON.readTree(create.body()).at("/errors/0/message").asText())
        .isEqualTo("administrators only: alice is not an admin");
    assertThat(api("alice:alice-pw", "PUT", "/app", RULE).statusCode()).isEqualTo(403);
    assertThat(api("alice:alice-pw", "DELETE", "/app", null).statusCode()).isEqualTo(403);
    assertThat(api("alice:alice-pw", "POST", "/app/run", null).statusCode()).isEqualTo(403);
    // Nothing changed, nothing ran.
    assertThat(
            JSON.readTree(api("root:root-pw", "GET", "/app/status", null).body())
                .get("lastStarted")
                .isNull())
        .isTrue();
  }

  @Test
  void anAdminCreatesRunsAndDeletesRules() throws Exception {
    assertThat(api("root:root-pw", "POST", "", RULE).statusCode()).isEqualTo(201);

    HttpResponse<String> run = api("root:root-pw", "POST", "/app/run?wait=true", null);
    assertThat(run.statusCode()).as(run.body()).isEqualTo(200);
    assertThat(JSON.readTree(run.body()).get("copiedImages").asLong()).isEqualTo(1);

    assertThat(api("root:root-pw", "DELETE", "/app", null).statusCode()).isEqualTo(204);
    assertThat(api("root:root-pw", "GET", "/app", null).statusCode()).isEqualTo(404);
  }
}
