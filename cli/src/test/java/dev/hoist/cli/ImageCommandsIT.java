package dev.hoist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.images.HumanUnits;
import dev.hoist.oci.Digest;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hoist images}, {@code tag}, {@code inspect} and {@code rmi} on a store filled by pull. */
class ImageCommandsIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path shared;
  @TempDir Path dir;

  static DockerRegistryProcess origin;
  static RandomImages.ImageLayout app;
  static long appSize;

  Cli cli;
  String name;
  String id;

  @BeforeAll
  static void pushAnImage() throws IOException {
    origin = DockerRegistryProcess.start();
    Skopeo skopeo = Skopeo.create(shared.resolve("skopeo"));
    app = RandomImages.writeLayout(shared.resolve("app"), "1.0", 21, 150_000, 60_000, 9_000);
    skopeo.copy(app.ociReference(), "docker://" + origin.hostPort() + "/team/app:1.0");
    for (Digest layer : app.layerDigests()) {
      try (InputStream in =
          new GZIPInputStream(
              Files.newInputStream(app.dir().resolve("blobs/sha256/" + layer.encoded())))) {
        appSize += in.transferTo(java.io.OutputStream.nullOutputStream());
      }
    }
  }

  @AfterAll
  static void stop() {
    if (origin != null) {
      origin.close();
    }
  }

  @BeforeEach
  void pull() throws IOException {
    cli = new Cli(dir);
    name = origin.hostPort() + "/team/app:1.0";
    Cli.Run run = cli.run("pull", "-q", name);
    assertThat(run.exit()).as(run.all()).isZero();
    id = app.configDigest().encoded().substring(0, 12);
  }

  private List<String> blobFiles() throws IOException {
    try (var s = Files.list(cli.store().resolve("blobs/sha256"))) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void imagesListsEachNameWithIdCreatedAndUncompressedSize() {
    assertThat(cli.run("tag", name, "myapp:v1").exit()).isZero();

    Cli.Run run = cli.run("images");

    assertThat(run.exit()).as(run.all()).isZero();
    String repo = origin.hostPort() + "/team/app";
    String size = HumanUnits.imageSize(appSize);
    assertThat(run.out())
        .isEqualTo(
            Table.format(
                List.of(
                    List.of("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"),
                    List.of(repo, "1.0", id, "N/A", size),
                    List.of("myapp", "v1", id, "N/A", size))));
  }

  @Test
  void digestsShowTheRepoDigestWhereThereIsOne() {
    assertThat(cli.run("tag", name, "myapp:v1").exit()).isZero();

    Cli.Run run = cli.run("images", "--digests");

    assertThat(run.out().lines().toList())
        .hasSize(3)
        .satisfies(
            lines -> {
              assertThat(lines.get(0)).startsWith("REPOSITORY").contains("DIGEST");
              assertThat(lines.get(1)).contains(app.manifestDigest().toString());
              assertThat(lines.get(2)).startsWith("myapp").contains("<none>");
            });
  }

  @Test
  void aFilterKeepsOneRepositoryAndTag() {
    assertThat(cli.run("tag", name, "myapp:v1").exit()).isZero();

    assertThat(cli.run("images", "myapp").out().lines().toList())
        .hasSize(2)
        .last()
        .asString()
        .startsWith("myapp ");
    assertThat(cli.run("images", "myapp:v2").out().lines().toList()).hasSize(1);
    assertThat(cli.run("images", "-q").out()).isEqualTo(id + "\n");
  }

  @Test
  void formatJsonPrintsOneObjectPerLine() throws IOException {
    Cli.Run run = cli.run("images", "--format", "json");

    assertThat(run.exit()).isZero();
    JsonNode row = JSON.readTree(run.out().lines().findFirst().orElseThrow());
    assertThat(row.path("Repository").asText()).isEqualTo(origin.hostPort() + "/team/app");
    assertThat(row.path("Tag").asText()).isEqualTo("1.0");
    assertThat(row.path("ID").asText()).isEqualTo(id);
    assertThat(row.path("Size").asText()).isEqualTo(HumanUnits.imageSize(appSize));
    assertThat(cli.run("images", "--format", "{{if .Tag}}x{{end}}").exit()).isEqualTo(2);
  }

  @Test
  void imagesAndInspectRunGoTemplates() {
    assertThat(cli.run("tag", name, "myapp:v1").exit()).isZero();

    assertThat(cli.run("images", "--format", "{{.ID}}: {{.Repository}}:{{.Tag}}").out())
        .isEqualTo(id + ": " + origin.hostPort() + "/team/app:1.0\n" + id + ": myapp:v1\n");
    assertThat(cli.run("images", "--format", "table {{.Repository}}\\t{{.Tag}}").out())
        .startsWith("REPOSITORY")
        .containsPattern("\nmyapp +v1\n");
    assertThat(cli.run("inspect", "-f", "{{.Id}}", "myapp:v1").out())
        .isEqualTo(app.configDigest() + "\n");
    assertThat(cli.run("inspect", "--format", "{{range .RepoTags}}{{.}} {{end}}", "myapp:v1").out())
        .contains(name + " ", "myapp:v1 ")
        .endsWith(" \n");
    assertThat(cli.run("inspect", "--format", "json", "myapp:v1").out()).startsWith("[\n    {");

    Cli.Run lacking = cli.run("inspect", "-f", "{{.GraphDriver.Name}}", "myapp:v1");
    assertThat(lacking.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(lacking.out()).isEmpty();
    assertThat(lacking.err()).contains(".GraphDriver", "Hoist does not");
  }

  @Test
  void filtersAndNoTruncNarrowAndWidenTheList() {
    assertThat(cli.run("tag", name, "myapp:v1").exit()).isZero();

    assertThat(cli.run("images", "--filter", "reference=myapp", "--format", "{{.Tag}}").out())
        .isEqualTo("v1\n");
    assertThat(cli.run("images", "-f", "reference=*/*/*", "--format", "{{.Tag}}").out())
        .isEqualTo("1.0\n");
    assertThat(cli.run("images", "-f", "dangling=true", "-q").out()).isEmpty();
    assertThat(cli.run("images", "-f", "since=myapp:v1", "-q").out()).isEmpty();
    assertThat(cli.run("images", "-f", "label=x").exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(cli.run("images", "--no-trunc", "-q").out()).isEqualTo(app.configDigest() + "\n");
    assertThat(cli.run("images", "--no-trunc").out()).contains(app.configDigest().toString());
  }

  @Test
  void inspectIsShapedLikeDockerImageInspect() throws IOException {
    assertThat(cli.run("tag", name, "myapp:v1").exit()).isZero();

    Cli.Run run = cli.run("inspect", "myapp:v1");

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.out()).startsWith("[\n    {\n        \"Id\": \"sha256:");
    JsonNode image = JSON.readTree(run.out()).get(0);
    assertThat(image.path("Id").asText()).isEqualTo(app.configDigest().toString());
    assertThat(image.path("RepoTags"))
        .extracting(JsonNode::asText)
        .containsExactlyInAnyOrder(name, "myapp:v1");
    assertThat(image.path("RepoDigests"))
        .extracting(JsonNode::asText)
        .containsExactly(origin.hostPort() + "/team/app@" + app.manifestDigest());
    assertThat(image.path("Architecture").asText()).isEqualTo("amd64");
    assertThat(image.path("Os").asText()).isEqualTo("linux");
    assertThat(image.path("Size").asLong()).isEqualTo(appSize);
    assertThat(image.path("RootFS").path("Type").asText()).isEqualTo("layers");
    List<String> layers = new ArrayList<>();
    image.path("RootFS").path("Layers").forEach(l -> layers.add(l.asText()));
    assertThat(layers)
        .containsExactlyElementsOf(app.image().diffIds().stream().map(Digest::toString).toList());
    assertThat(image.has("Config")).isTrue();

    // By image ID too, short or long.
    assertThat(cli.run("inspect", id).exit()).isZero();
    assertThat(cli.run("inspect", app.configDigest().toString()).exit()).isZero();
  }

  @Test
  void rmiUntagsAndDeletesTheImageWithItsLastName() throws IOException {
    assertThat(cli.run("tag", name, "myapp:v1").exit()).isZero();
    List<String> before = blobFiles();
    assertThat(before).hasSize(5);

    Cli.Run first = cli.run("rmi", "myapp:v1");

    assertThat(first.exit()).as(first.all()).isZero();
    assertThat(first.out()).isEqualTo("Untagged: myapp:v1\n");
    assertThat(blobFiles()).isEqualTo(before);

    Cli.Run last = cli.run("rmi", name);

    assertThat(last.exit()).as(last.all()).isZero();
    List<String> lines = last.out().lines().toList();
    assertThat(lines.subList(0, 2))
        .containsExactly(
            "Untagged: " + name,
            "Untagged: " + origin.hostPort() + "/team/app@" + app.manifestDigest());
    assertThat(lines.subList(2, lines.size()))
        .hasSize(5)
        .allSatisfy(l -> assertThat(l).startsWith("Deleted: sha256:"))
        .contains("Deleted: " + app.manifestDigest(), "Deleted: " + app.configDigest());
    assertThat(blobFiles()).isEmpty();
    assertThat(cli.run("images").out().lines().toList()).hasSize(1);
  }

  @Test
  void rmiByIdOfAnImageInSeveralRepositoriesNeedsForce() throws IOException {
    assertThat(cli.run("tag", name, "myapp:v1").exit()).isZero();

    Cli.Run refused = cli.run("rmi", id);

    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err())
        .isEqualTo(
            "Error: conflict: unable to delete "
                + id
                + " (must be forced) - image is referenced in multiple repositories\n");
    assertThat(blobFiles()).hasSize(5);

    Cli.Run forced = cli.run("rmi", "-f", id);

    assertThat(forced.exit()).as(forced.all()).isZero();
    assertThat(forced.out()).contains("Untagged: " + name, "Untagged: myapp:v1", "Deleted: ");
    assertThat(blobFiles()).isEmpty();
  }

  @Test
  void unknownImagesAreNotFound() {
    Cli.Run rmi = cli.run("rmi", "nope");
    assertThat(rmi.exit()).isEqualTo(3);
    assertThat(rmi.err()).isEqualTo("Error: No such image: nope:latest\n");

    Cli.Run inspect = cli.run("inspect", "nope");
    assertThat(inspect.exit()).isEqualTo(3);
    assertThat(inspect.out()).isEqualTo("[]\n");

    assertThat(cli.run("tag", "nope", "x").exit()).isEqualTo(3);
  }

  @Test
  void theGlobalRootOptionChoosesTheStore() {
    Path other = dir.resolve("other-store");

    assertThat(cli.run("--root", other.toString(), "images", "-q").out()).isEmpty();
    assertThat(cli.run("images", "--root", other.toString(), "-q").out()).isEmpty();
    assertThat(cli.run("images", "-q").out()).isEqualTo(id + "\n");
  }
}
