package dev.hoist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hoist copy} between two real Distribution registries. */
class CopyIT {
  @TempDir Path dir;
  DockerRegistryProcess origin;
  DockerRegistryProcess target;
  Skopeo skopeo;
  Cli cli;

  @BeforeEach
  void start() throws IOException {
    origin = DockerRegistryProcess.builder().workDir(dir.resolve("origin")).start();
    target = DockerRegistryProcess.builder().workDir(dir.resolve("target")).start();
    skopeo = Skopeo.create(dir.resolve("skopeo"));
    cli = new Cli(dir.resolve("cli"));
  }

  @AfterEach
  void stop() {
    origin.close();
    target.close();
  }

  private RandomImages.IndexLayout pushIndex(String repository, String tag, long seed) {
    RandomImages.IndexLayout layout =
        RandomImages.writeIndexLayout(dir.resolve("layout-" + seed), tag, seed, 20_000);
    skopeo.copy(
        layout.ociReference(),
        "docker://" + origin.hostPort() + "/" + repository + ":" + tag,
        "--all");
    return layout;
  }

  @Test
  void anImageIsCopiedOnceAndASecondCopySendsNothing() throws Exception {
    RandomImages.IndexLayout app = pushIndex("team/app", "1", 31);

    Cli.Run first =
        cli.run("copy", origin.hostPort() + "/team/app:1", target.hostPort() + "/copy/app");
    assertThat(first.exit()).as(first.all()).isZero();
    assertThat(first.out()).startsWith("Copied ").contains(app.indexDigest().toString());
    assertThat(skopeo.inspectRaw("docker://" + target.hostPort() + "/copy/app:1"))
        .isEqualTo(
            java.nio.file.Files.readAllBytes(
                app.dir().resolve("blobs/sha256").resolve(app.indexDigest().encoded())));

    Thread.sleep(300);
    origin.clearAccessLog();
    Cli.Run second =
        cli.run("copy", origin.hostPort() + "/team/app:1", target.hostPort() + "/copy/app");
    Thread.sleep(300);
    assertThat(second.exit()).as(second.all()).isZero();
    assertThat(second.out()).startsWith("Up to date ");
    assertThat(origin.bytesServedFor("/blobs/")).isZero();
  }

  @Test
  void allCopiesEveryTagOfTheRepository() {
    pushIndex("team/app", "1", 41);
    pushIndex("team/app", "2", 42);

    Cli.Run run =
        cli.run(
            "copy", "--all", origin.hostPort() + "/team/app", target.hostPort() + "/mirror/app");

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(skopeo.listTags("docker://" + target.hostPort() + "/mirror/app"))
        .containsExactlyInAnyOrder("1", "2");
  }

  @Test
  void aMissingSourceIsNotFound() {
    Cli.Run run = cli.run("copy", origin.hostPort() + "/team/absent:1", target.hostPort() + "/x");
    assertThat(run.exit()).as(run.all()).isEqualTo(ExitCodes.NOT_FOUND);
  }
}
