package dev.hoist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hoist tags} against docker-registry. */
class TagsIT {
  @TempDir static Path shared;
  @TempDir Path dir;

  static DockerRegistryProcess origin;

  Cli cli;

  @BeforeAll
  static void repository() {
    origin = DockerRegistryProcess.start();
    Skopeo skopeo = Skopeo.create(shared.resolve("skopeo"));
    RandomImages.ImageLayout app = RandomImages.writeLayout(shared.resolve("app"), "1", 71, 5_000);
    for (String tag : new String[] {"1.0", "latest", "2.0-rc1"}) {
      skopeo.copy(app.ociReference(), "docker://" + origin.hostPort() + "/team/tagged:" + tag);
    }
  }

  @AfterAll
  static void stop() {
    if (origin != null) {
      origin.close();
    }
  }

  @BeforeEach
  void setUp() throws IOException {
    cli = new Cli(dir);
  }

  @Test
  void tagsListsEveryTagOnePerLine() {
    Cli.Run run = cli.run("tags", origin.hostPort() + "/team/tagged");

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.out().lines()).containsExactlyInAnyOrder("1.0", "latest", "2.0-rc1");
  }

  @Test
  void aTagInTheNameIsIgnored() {
    Cli.Run run = cli.run("tags", origin.hostPort() + "/team/tagged:1.0");

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.out().lines()).hasSize(3);
  }

  @Test
  void anUnknownRepositoryIsNotFound() {
    Cli.Run run = cli.run("tags", origin.hostPort() + "/team/absent");

    assertThat(run.exit()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(run.err())
        .isEqualTo("Error: repository " + origin.hostPort() + "/team/absent not found\n");
  }

  @Test
  void anInvalidNameIsAUsageError() {
    Cli.Run run = cli.run("tags", "Not/Valid");

    assertThat(run.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).startsWith("Error: ").hasLineCount(1);
  }
}
