package dev.hoist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.images.ClientEnvironment;
import dev.hoist.oci.Digest;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code hoist save} and {@code hoist load} against skopeo: skopeo reads what save writes, and load
 * reads what skopeo writes (docker-archive and oci-archive); the store then serves the image to
 * {@code skopeo copy oci:<store>:<name>}.
 */
class SaveLoadIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path shared;
  @TempDir Path dir;

  static DockerRegistryProcess origin;
  static Skopeo skopeo;
  static RandomImages.ImageLayout app;
  static RandomImages.IndexLayout multi;

  Cli cli;
  String appName;
  String multiName;

  @BeforeAll
  static void images() {
    origin = DockerRegistryProcess.start();
    skopeo = Skopeo.create(shared.resolve("skopeo"));
    app = RandomImages.writeLayout(shared.resolve("app"), "1.0", 51, 90_000, 40_000);
    skopeo.copy(app.ociReference(), "docker://" + origin.hostPort() + "/team/app:1.0");
    multi = RandomImages.writeIndexLayout(shared.resolve("multi"), "2.0", 52, 20_000, 5_000);
    skopeo.copy(multi.ociReference(), "docker://" + origin.hostPort() + "/team/multi:2.0", "--all");
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
    appName = origin.hostPort() + "/team/app:1.0";
    multiName = origin.hostPort() + "/team/multi:2.0";
  }

  private void pull(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "pull";
    all[1] = "-q";
    System.arraycopy(args, 0, all, 2, args.length);
    Cli.Run run = cli.run(all);
    assertThat(run.exit()).as(run.all()).isZero();
  }

  private static List<String> texts(JsonNode array) {
    return java.util.stream.StreamSupport.stream(array.spliterator(), false)
        .map(JsonNode::asText)
        .toList();
  }

  private static List<String> strings(List<Digest> digests) {
    return digests.stream().map(Digest::toString).toList();
  }

  private static JsonNode manifestJson(Path archive) throws IOException {
    try (InputStream in = Files.newInputStream(archive);
        TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        if (e.getName().equals("manifest.json")) {
          return JSON.readTree(tar.readAllBytes());
        }
      }
    }
    throw new AssertionError("no manifest.json in " + archive);
  }

  @Test
  void skopeoReadsTheDockerArchiveSaveWrites() throws IOException {
    pull(appName);
    Path file = dir.resolve("app.tar");

    Cli.Run run = cli.run("save", "-o", file.toString(), appName);

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.out()).isEmpty();
    JsonNode inspected = skopeo.inspect("docker-archive:" + file);
    assertThat(texts(inspected.get("Layers"))).isEqualTo(strings(app.image().diffIds()));
    assertThat(inspected.get("Architecture").asText()).isEqualTo("amd64");
    assertThat(texts(manifestJson(file).get(0).get("RepoTags"))).containsExactly(appName);

    skopeo.copy("docker-archive:" + file, "oci:" + dir.resolve("copy") + ":x");
    JsonNode copied = JSON.readTree(skopeo.inspectRaw("oci:" + dir.resolve("copy") + ":x"));
    assertThat(copied.get("layers")).hasSize(app.layerDigests().size());
  }

  @Test
  void severalImagesGoIntoOneArchiveEachAddressableByName() throws IOException {
    pull(appName);
    pull("--platform", "linux/arm64", multiName);
    Path file = dir.resolve("both.tar");

    Cli.Run run = cli.run("save", "-o", file.toString(), appName, multiName);

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(manifestJson(file)).hasSize(2);
    assertThat(texts(skopeo.inspect("docker-archive:" + file + ":" + appName).get("Layers")))
        .isEqualTo(strings(app.image().diffIds()));
    JsonNode arm = skopeo.inspect("docker-archive:" + file + ":" + multiName);
    assertThat(arm.get("Architecture").asText()).isEqualTo("arm64");
    assertThat(texts(arm.get("Layers"))).isEqualTo(strings(multi.image("linux/arm64").diffIds()));
  }

  @Test
  void aMultiPlatformImageIsSavedForTheChosenPlatform() throws IOException {
    pull("--all-platforms", multiName);
    Path file = dir.resolve("multi.tar");

    Cli.Run run = cli.run("save", "--platform", "linux/arm64", "-o", file.toString(), multiName);

    assertThat(run.exit()).as(run.all()).isZero();
    JsonNode inspected = skopeo.inspect("docker-archive:" + file);
    assertThat(inspected.get("Architecture").asText()).isEqualTo("arm64");
    assertThat(texts(inspected.get("Layers")))
        .isEqualTo(strings(multi.image("linux/arm64").diffIds()));

    Cli.Run none = cli.run("save", "--platform", "linux/s390x", "-o", file.toString(), multiName);
    assertThat(none.exit()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(none.err()).contains("no image for linux/s390x").hasLineCount(1);
  }

  @Test
  void loadReadsASkopeoDockerArchiveAndTheStoreServesIt() throws IOException {
    Path file = dir.resolve("from-skopeo.tar");
    skopeo.copy(app.ociReference(), "docker-archive:" + file + ":example.com/loaded:1");

    Cli.Run run = cli.run("load", "-i", file.toString());

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.out()).isEqualTo("Loaded image: example.com/loaded:1\n");
    Cli.Run images = cli.run("images", "example.com/loaded");
    assertThat(images.out())
        .contains("example.com/loaded")
        .contains(app.configDigest().encoded().substring(0, 12));
    String stored = "oci:" + cli.store() + ":example.com/loaded:1";
    assertThat(texts(skopeo.inspect(stored).get("Layers")))
        .isEqualTo(strings(app.image().diffIds()));
    skopeo.copy(stored, "oci:" + dir.resolve("out") + ":x");
    JsonNode copied = JSON.readTree(skopeo.inspectRaw("oci:" + dir.resolve("out") + ":x"));
    assertThat(copied.get("config").get("digest").asText())
        .isEqualTo(app.configDigest().toString());
  }

  @Test
  void loadReadsASkopeoOciArchiveKeepingTheManifestDigest() throws IOException {
    Path file = dir.resolve("from-skopeo.oci.tar");
    skopeo.copy(app.ociReference(), "oci-archive:" + file + ":localhost/loaded-oci:2");

    Cli.Run run = cli.run("load", "-i", file.toString());

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.out()).isEqualTo("Loaded image: localhost/loaded-oci:2\n");
    JsonNode inspected = skopeo.inspect("oci:" + cli.store() + ":localhost/loaded-oci:2");
    assertThat(inspected.get("Digest").asText()).isEqualTo(app.manifestDigest().toString());
    assertThat(texts(inspected.get("Layers"))).isEqualTo(strings(app.layerDigests()));
  }

  @Test
  void anOciArchiveNamedOnlyByATagLoadsUntagged() {
    Path file = dir.resolve("tag-only.oci.tar");
    skopeo.copy(app.ociReference(), "oci-archive:" + file + ":v7");

    Cli.Run run = cli.run("load", "-i", file.toString());

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.out()).isEqualTo("Loaded image ID: " + app.configDigest() + "\n");
    assertThat(cli.run("images").out()).contains("<none>");
  }

  @Test
  void whatSaveWritesLoadReadsBackIntoAnotherStore() throws IOException {
    pull(appName);
    Path file = dir.resolve("round.tar");
    assertThat(cli.run("save", "-o", file.toString(), appName).exit()).isZero();
    Path other = dir.resolve("other-store");

    Cli.Run run = cli.run("load", "--root", other.toString(), "-i", file.toString());

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.out()).isEqualTo("Loaded image: " + appName + "\n");
    Cli.Run inspect = cli.run("inspect", "--root", other.toString(), appName);
    assertThat(JSON.readTree(inspect.out()).get(0).get("Id").asText())
        .isEqualTo(app.configDigest().toString());
  }

  @Test
  void loadReadsStandardInputWhenNoFileIsGiven() throws IOException {
    Path file = dir.resolve("stdin.tar");
    skopeo.copy(app.ociReference(), "docker-archive:" + file + ":example.com/stdin:1");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit;
    try (InputStream in = Files.newInputStream(file)) {
      ClientEnvironment env =
          new ClientEnvironment(
              Map.of("HOIST_ROOT", cli.store().toString()), dir.resolve("home"), in, false);
      CommandLine cl = HoistCli.commandLine(Cli.CLIENT_COMMANDS, new HoistCommand(env), "load");
      cl.setOut(new PrintWriter(out, true));
      cl.setErr(new PrintWriter(err, true));
      exit = cl.execute("load");
    }

    assertThat(exit).as(err.toString()).isZero();
    assertThat(out.toString()).isEqualTo("Loaded image: example.com/stdin:1\n");
  }

  @Test
  void saveWithoutOutputWritesTheArchiveToStandardOutputAndLoadReadsItBack() throws IOException {
    pull(appName);

    Cli.Run run = cli.run("save", appName);

    assertThat(run.exit()).as(run.all()).isZero();
    byte[] archive = cli.stdoutBytes();
    Path file = Files.write(dir.resolve("piped.tar"), archive);
    JsonNode inspected = skopeo.inspect("docker-archive:" + file);
    assertThat(texts(inspected.get("Layers"))).isEqualTo(strings(app.image().diffIds()));

    StringWriter out = new StringWriter();
    Path other = dir.resolve("other-store");
    ClientEnvironment env =
        new ClientEnvironment(
            Map.of("HOIST_ROOT", other.toString()),
            dir.resolve("home"),
            new ByteArrayInputStream(archive),
            false);
    CommandLine load = HoistCli.commandLine(Cli.CLIENT_COMMANDS, new HoistCommand(env), "load");
    load.setOut(new PrintWriter(out, true));
    assertThat(load.execute("load")).isZero();
    assertThat(out.toString()).isEqualTo("Loaded image: " + appName + "\n");
  }

  @Test
  void saveToDashWritesStandardOutputNotAFileNamedDash() throws IOException {
    pull(appName);
    Path file = dir.resolve("named.tar");
    assertThat(cli.run("save", "-o", file.toString(), appName).exit()).isZero();

    Cli.Run run = cli.run("save", "-o", "-", appName);

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(cli.stdoutBytes()).isEqualTo(Files.readAllBytes(file));
    assertThat(Path.of("-")).doesNotExist();
  }

  @Test
  void saveRefusesToWriteATerminal() {
    pull(appName);

    Cli.Run run = cli.terminal(true).run("save", appName);

    assertThat(run.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err())
        .contains("cowardly refusing to save to a terminal. Use the -o flag or redirect");
    assertThat(cli.stdoutBytes()).isEmpty();
  }

  @Test
  void loadOfAMissingFileIsNotFound() {
    Cli.Run run = cli.run("load", "-i", dir.resolve("nope.tar").toString());

    assertThat(run.exit()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(run.err()).startsWith("Error: no such file: ").hasLineCount(1);
  }
}
