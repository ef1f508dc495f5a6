package dev.hoist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import dev.hoist.testkit.TokenServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hoist push} and {@code hoist tags} against docker-registry with token authentication:
 * credentials come from Docker's config.json; without them the registry's refusal is an
 * authentication error (exit 4).
 */
class PushAuthIT {
  private static final String USER = "alice";
  private static final String PASSWORD = "push-s3cret";

  @TempDir static Path shared;
  @TempDir Path dir;

  static TokenServer tokens;
  static DockerRegistryProcess registry;
  static Skopeo skopeo;
  static RandomImages.ImageLayout app;

  Cli cli;
  String name;

  @BeforeAll
  static void privateRegistry() {
    tokens =
        TokenServer.builder()
            .user(USER, PASSWORD, "pull", "push")
            .anonymousPull(false)
            .workDir(shared.resolve("tokens"))
            .start();
    registry =
        DockerRegistryProcess.builder()
            .tokenAuth(tokens.realm(), tokens.service(), tokens.issuer(), tokens.certificatePem())
            .start();
    skopeo = Skopeo.create(shared.resolve("skopeo"));
    app = RandomImages.writeLayout(shared.resolve("app"), "1", 81, 60_000, 4_000);
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
    if (tokens != null) {
      tokens.close();
    }
  }

  /** Loads the image into a fresh store under {@code <registry>/private/app:1}. */
  @BeforeEach
  void loadImage() throws IOException {
    cli = new Cli(dir);
    name = registry.hostPort() + "/private/app:1";
    Path archive = dir.resolve("app.tar");
    skopeo.copy(app.ociReference(), "oci-archive:" + archive + ":" + name);
    Cli.Run load = cli.run("load", "-i", archive.toString());
    assertThat(load.exit()).as(load.all()).isZero();
  }

  private void login() throws IOException {
    String auth =
        Base64.getEncoder()
            .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    Files.createDirectories(cli.dockerConfigJson().getParent());
    Files.writeString(
        cli.dockerConfigJson(),
        "{\"auths\":{\"" + registry.hostPort() + "\":{\"auth\":\"" + auth + "\"}}}");
  }

  @Test
  void withoutCredentialsPushIsAnAuthenticationError() {
    Cli.Run run = cli.run("push", name);

    assertThat(run.exit()).as(run.all()).isEqualTo(ExitCodes.AUTH);
    assertThat(run.err())
        .startsWith("Error: push access denied for " + registry.hostPort() + "/private/app")
        .contains("hoist login " + registry.hostPort())
        .hasLineCount(1);
  }

  @Test
  void credentialsFromConfigJsonLetPushAndMountThrough() throws IOException {
    login();

    Cli.Run run = cli.run("push", name);

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.out()).contains("1: digest: " + app.manifestDigest());
    assertThat(
            skopeo
                .inspect("docker://" + name, "--creds", USER + ":" + PASSWORD)
                .get("Digest")
                .asText())
        .isEqualTo(app.manifestDigest().toString());

    String other = registry.hostPort() + "/private/copy:1";
    assertThat(cli.run("tag", name, other).exit()).isZero();
    Cli.Run mount = cli.run("push", other);
    assertThat(mount.exit()).as(mount.all()).isZero();
    assertThat(mount.out()).contains("Mounted from private/app");
  }

  @Test
  void tagsUsesTheSameCredentials() throws IOException {
    Cli.Run denied = cli.run("tags", registry.hostPort() + "/private/app");
    assertThat(denied.exit()).as(denied.all()).isEqualTo(ExitCodes.AUTH);
    assertThat(denied.err()).contains("hoist login").hasLineCount(1);

    login();
    assertThat(cli.run("push", name).exit()).isZero();
    Cli.Run run = cli.run("tags", registry.hostPort() + "/private/app");

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.out()).isEqualTo("1\n");
  }
}
