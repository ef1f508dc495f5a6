package dev.hoist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.images.HandmadeImages;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hoist export} of images that arrive the way users get them: hand-built layers (whiteouts,
 * opaque directories, hostile names) carried by skopeo into an oci-archive and loaded, and a random
 * image pulled from docker-registry.
 */
class ExportIT {
  @TempDir static Path shared;
  @TempDir Path dir;

  static Skopeo skopeo;
  static DockerRegistryProcess origin;

  Cli cli;

  @BeforeAll
  static void tools() {
    skopeo = Skopeo.create(shared.resolve("skopeo"));
    origin = DockerRegistryProcess.start();
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

  /** Builds an image from the layers, carries it through skopeo's oci-archive, loads it. */
  private void loadHandmade(String name, HandmadeImages.Layer... layers) throws IOException {
    Path layout = dir.resolve("layout-" + name.replaceAll("[^a-z0-9]", "-"));
    HandmadeImages.writeLayout(
        layout, "x", Stream.of(layers).map(HandmadeImages.Layer::gzip).toList());
    Path archive = dir.resolve(layout.getFileName() + ".tar");
    skopeo.copy("oci:" + layout + ":x", "oci-archive:" + archive + ":" + name);
    Cli.Run load = cli.run("load", "-i", archive.toString());
    assertThat(load.exit()).as(load.all()).isZero();
  }

  private static List<String> names(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void exportAppliesWhiteoutsAndOpaqueDirectoriesInLayerOrder() throws IOException {
    loadHandmade(
        "example.com/rootfs:1",
        new HandmadeImages.Layer()
            .dir("etc", 0755)
            .file("etc/hostname", "base")
            .file("etc/removed", "x")
            .file("var/cache/a", "1")
            .file("var/cache/b", "2")
            .file("usr/bin/tool", "t", 0755)
            .symlink("bin", "usr/bin"),
        new HandmadeImages.Layer()
            .file("etc/hostname", "top")
            .whiteout("etc/removed")
            .opaque("var/cache")
            .file("var/cache/fresh", "3")
            .file("bin/added-through-link", "l"));
    Path out = dir.resolve("rootfs");

    Cli.Run run = cli.run("export", "example.com/rootfs:1", out.toString());

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.all()).isEmpty();
    assertThat(Files.readString(out.resolve("etc/hostname"))).isEqualTo("top");
    assertThat(names(out.resolve("etc"))).containsExactly("hostname");
    assertThat(names(out.resolve("var/cache"))).containsExactly("fresh");
    assertThat(Files.isSymbolicLink(out.resolve("bin"))).isTrue();
    assertThat(names(out.resolve("usr/bin"))).containsExactly("added-through-link", "tool");
    assertThat(Files.isExecutable(out.resolve("usr/bin/tool"))).isTrue();
  }

  @Test
  void exportRefusesDotDotEntriesAndWritesNothingOutside() throws IOException {
    loadHandmade(
        "example.com/evil:1", new HandmadeImages.Layer().file("ok", "1").file("../escaped", "x"));
    Path out = dir.resolve("box").resolve("rootfs");

    Cli.Run run = cli.run("export", "example.com/evil:1", out.toString());

    assertThat(run.exit()).isEqualTo(ExitCodes.ERROR);
    assertThat(run.err())
        .startsWith("Error: refusing layer sha256:")
        .contains("'../escaped'")
        .hasLineCount(1);
    assertThat(names(dir.resolve("box"))).containsExactly("rootfs");
  }

  @Test
  void exportRefusesASymlinkThatLeadsOutside() throws IOException {
    Path outside = dir.resolve("outside");
    Files.createDirectories(outside);
    loadHandmade(
        "example.com/evil-link:1",
        new HandmadeImages.Layer().symlink("escape", "../../outside"),
        new HandmadeImages.Layer().file("escape/pwned", "x"));
    Path out = dir.resolve("box").resolve("rootfs");

    Cli.Run run = cli.run("export", "example.com/evil-link:1", out.toString());

    assertThat(run.exit()).isEqualTo(ExitCodes.ERROR);
    assertThat(run.err()).contains("'escape/pwned'").contains("points outside");
    assertThat(names(outside)).isEmpty();
  }

  @Test
  void exportOfAPulledImageUnpacksItsFiles() throws IOException {
    RandomImages.ImageLayout app =
        RandomImages.writeLayout(dir.resolve("app"), "1", 61, 70_000, 3_000);
    String name = origin.hostPort() + "/team/export:1";
    skopeo.copy(app.ociReference(), "docker://" + name);
    assertThat(cli.run("pull", "-q", name).exit()).isZero();
    Path out = dir.resolve("rootfs");

    Cli.Run run = cli.run("export", name, out.toString());

    assertThat(run.exit()).as(run.all()).isZero();
    List<String> files = names(out);
    assertThat(files).hasSize(2);
    long total = 0;
    for (String f : files) {
      total += Files.size(out.resolve(f));
    }
    assertThat(total).isEqualTo(73_000);
  }

  @Test
  void exportOfAnUnknownImageIsNotFound() {
    Cli.Run run = cli.run("export", "nothing:here", dir.resolve("x").toString());

    assertThat(run.exit()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(run.err()).isEqualTo("Error: No such image: nothing:here\n");
  }
}
