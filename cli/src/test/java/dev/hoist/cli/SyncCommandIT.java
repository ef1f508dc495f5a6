package dev.hoist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.auth.AuthConfig;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.mirror.Upstream;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import dev.hoist.sync.SyncConfig;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hoist sync status} and {@code hoist sync run} against a running server. */
class SyncCommandIT {
  @TempDir Path dir;
  DockerRegistryProcess upstream;
  HoistServer hoist;
  Cli cli;

  private ServerConfig config;

  @BeforeEach
  void start() throws IOException {
    upstream = DockerRegistryProcess.builder().workDir(dir.resolve("upstream")).start();
    Skopeo skopeo = Skopeo.create(dir.resolve("skopeo"));
    RandomImages.ImageLayout app = RandomImages.writeLayout(dir.resolve("app"), "1", 51, 8_000);
    skopeo.copy(app.ociReference(), "docker://" + upstream.hostPort() + "/library/app:1");
    String rule =
        "{\"name\": \"app\", \"upstream\": \"docker.io\", \"repositories\": [\"library/app\"],"
            + " \"destination\": {\"type\": \"hosted\", \"from\": \"library/*\","
            + " \"to\": \"mirror/library/*\"}}";
    config =
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
            .sync(SyncConfig.builder().rules(List.of(rule)).build())
            .build();
    hoist = HoistServer.start(config);
    cli = new Cli(dir.resolve("cli"));
  }

  @AfterEach
  void stop() {
    hoist.close();
    upstream.close();
  }

  @Test
  void runWaitsForTheRunAndStatusShowsItsCounts() {
    Cli.Run before = cli.run("sync", "status", "--server", hoist.url());
    assertThat(before.exit()).as(before.all()).isZero();
    assertThat(before.out()).contains("RULE").contains("app ");

    Cli.Run run = cli.run("sync", "run", "app", "--server", hoist.url());
    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.out().lines().skip(1).findFirst().orElseThrow())
        .matches("app\\s+idle\\s+\\S+\\s+-\\s+1\\s+0\\s+0\\s+\\d+\\s*");

    Cli.Run json = cli.run("sync", "status", "--json", "--server", hoist.url());
    assertThat(json.out()).contains("\"copiedImages\":1");
  }

  @Test
  void anUnknownRuleIsNotFound() {
    Cli.Run run = cli.run("sync", "run", "nope", "--server", hoist.url());
    assertThat(run.exit()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(run.err()).contains("no sync rule nope");
  }

  private void login(String user, String password) throws IOException {
    String auth =
        Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    Files.createDirectories(cli.dockerConfigJson().getParent());
    Files.writeString(
        cli.dockerConfigJson(),
        "{\"auths\": {\"127.0.0.1:" + hoist.port() + "\": {\"auth\": \"" + auth + "\"}}}");
  }

  @Test
  void onAServerWithAuthTheCredentialsOfDockerConfigAreSentAndRunNeedsAnAdmin() throws Exception {
    hoist.close();
    Path users = dir.resolve("users.htpasswd");
    Files.writeString(users, "alice:" + bcrypt("alice-pw") + "\nroot:" + bcrypt("root-pw") + "\n");
    hoist =
        HoistServer.start(
            config.toBuilder()
                .dataDir(dir.resolve("hoist-auth"))
                .auth(
                    AuthConfig.builder()
                        .enabled(true)
                        .htpasswd(users)
                        .admins(Set.of("root"))
                        .build())
                .build());

    Cli.Run anonymous = cli.run("sync", "status", "--server", hoist.url());
    assertThat(anonymous.exit()).as(anonymous.all()).isEqualTo(ExitCodes.AUTH);
    assertThat(anonymous.err()).contains("hoist login 127.0.0.1:" + hoist.port());

    login("alice", "alice-pw");
    Cli.Run status = cli.run("sync", "status", "--server", hoist.url());
    assertThat(status.exit()).as(status.all()).isZero();
    Cli.Run refused = cli.run("sync", "run", "app", "--server", hoist.url());
    assertThat(refused.exit()).as(refused.all()).isEqualTo(ExitCodes.AUTH);
    assertThat(refused.err()).contains("administrators only");

    login("root", "root-pw");
    Cli.Run run = cli.run("sync", "run", "app", "--server", hoist.url());
    assertThat(run.exit()).as(run.all()).isZero();
  }

  private static String bcrypt(String password) {
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    return OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, 5);
  }
}
