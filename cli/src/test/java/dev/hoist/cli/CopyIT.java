package dev.hoist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.images.ImageStore;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageReference;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Referrers;
import dev.hoist.testkit.Skopeo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

  private RandomImages.ImageLayout pushImage(String repository, String tag, long seed) {
    RandomImages.ImageLayout layout =
        RandomImages.writeLayout(dir.resolve("image-" + seed), tag, seed, 30_000, 2_000);
    skopeo.copy(
        layout.ociReference(), "docker://" + origin.hostPort() + "/" + repository + ":" + tag);
    return layout;
  }

  private static long manifestSize(RandomImages.ImageLayout layout) throws IOException {
    return Files.size(
        layout.dir().resolve("blobs/sha256").resolve(layout.manifestDigest().encoded()));
  }

  @Test
  void referrersOfTheImageFollowItAndTheReferrersTagIsWrittenForARegistryWithoutTheApi()
      throws Exception {
    RandomImages.ImageLayout app = pushImage("team/app", "1", 51);
    Digest subject = app.manifestDigest();
    Referrers.Artifact signature =
        Referrers.pushArtifact(origin.url(), "team/app", subject, manifestSize(app), "signed");
    Referrers.pushReferrersTag(origin.url(), "team/app", subject, List.of(signature));

    Cli.Run run =
        cli.run("copy", origin.hostPort() + "/team/app:1", target.hostPort() + "/copy/app");

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.out()).contains("1 referrers");
    byte[] copied =
        skopeo.inspectRaw("docker://" + target.hostPort() + "/copy/app@" + signature.digest());
    assertThat(Digest.sha256(copied)).isEqualTo(signature.digest());
    // Distribution 2.8 has no referrers API: the copy maintains the referrers tag, as OCI 1.1 asks.
    JsonNode index =
        new ObjectMapper()
            .readTree(
                skopeo.inspectRaw(
                    "docker://" + target.hostPort() + "/copy/app:sha256-" + subject.encoded()));
    assertThat(index.get("manifests")).hasSize(1);
    assertThat(index.get("manifests").get(0).get("digest").asText())
        .isEqualTo(signature.digest().toString());
    assertThat(index.get("manifests").get(0).get("artifactType").asText())
        .isEqualTo(Referrers.ARTIFACT_TYPE);
  }

  @Test
  void anImageIsCopiedFromARegistryIntoTheLocalStoreAndThenUpToDate() throws Exception {
    RandomImages.ImageLayout app = pushImage("team/app", "1", 52);

    Cli.Run first = cli.run("copy", origin.hostPort() + "/team/app:1", "local:team/app:1");

    assertThat(first.exit()).as(first.all()).isZero();
    assertThat(first.out()).startsWith("Copied ").contains("-> local:team/app:1");
    ImageStore store = ImageStore.open(cli.store());
    ImageStore.Entry entry =
        store.resolve(ImageReference.parse("docker.io/team/app:1")).orElseThrow();
    assertThat(entry.descriptor().digest()).isEqualTo(app.manifestDigest());
    assertThat(store.missing(entry.descriptor())).isEmpty();
    Cli.Run images = cli.run("images");
    assertThat(images.out()).contains("team/app");

    Cli.Run second = cli.run("copy", origin.hostPort() + "/team/app:1", "local:team/app:1");
    assertThat(second.exit()).as(second.all()).isZero();
    assertThat(second.out()).startsWith("Up to date ");
  }

  @Test
  void aStoredImageIsCopiedFromTheLocalStoreToARegistry() throws Exception {
    RandomImages.ImageLayout app = pushImage("team/app", "1", 53);
    Cli.Run pull = cli.run("pull", origin.hostPort() + "/team/app:1");
    assertThat(pull.exit()).as(pull.all()).isZero();
    origin.close(); // the copy reads the store only

    Cli.Run run =
        cli.run("copy", "local:" + origin.hostPort() + "/team/app:1", target.hostPort() + "/b/app");

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.out()).startsWith("Copied ");
    byte[] manifest = skopeo.inspectRaw("docker://" + target.hostPort() + "/b/app:1");
    assertThat(Digest.sha256(manifest)).isEqualTo(app.manifestDigest());
    skopeo.copy("docker://" + target.hostPort() + "/b/app:1", "oci:" + dir.resolve("back") + ":1");

    Cli.Run missing =
        cli.run("copy", "local:" + origin.hostPort() + "/team/app:2", target.hostPort() + "/b/app");
    assertThat(missing.exit()).as(missing.all()).isEqualTo(ExitCodes.NOT_FOUND);
  }
}
