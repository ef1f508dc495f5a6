package dev.hoist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.oci.Digest;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code hoist push} to Debian's docker-registry and to Hoist itself, checked with skopeo: the
 * pushed manifest has the store's digest, blobs the registry has are skipped, blobs in another
 * repository are mounted, indexes go with every child, large blobs go in chunks.
 */
class PushIT {
  private static final AtomicInteger REPO = new AtomicInteger();

  @TempDir static Path shared;
  @TempDir Path dir;

  static DockerRegistryProcess origin;
  static DockerRegistryProcess target;
  static HoistServer hoist;
  static Skopeo skopeo;
  static RandomImages.ImageLayout app;
  static RandomImages.IndexLayout multi;

  Cli cli;
  String source;

  @BeforeAll
  static void registries() {
    origin = DockerRegistryProcess.start();
    target = DockerRegistryProcess.start();
    hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(shared.resolve("hoist-data"))
                .build());
    skopeo = Skopeo.create(shared.resolve("skopeo"));
    app = RandomImages.writeLayout(shared.resolve("app"), "1.0", 41, 120_000, 50_000, 7_000);
    skopeo.copy(app.ociReference(), "docker://" + origin.hostPort() + "/team/app:1.0");
    multi = RandomImages.writeIndexLayout(shared.resolve("multi"), "2.0", 42, 30_000, 10_000);
    skopeo.copy(multi.ociReference(), "docker://" + origin.hostPort() + "/team/multi:2.0", "--all");
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {origin, target, hoist}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // best effort
      }
    }
  }

  @BeforeEach
  void pull() throws IOException {
    cli = new Cli(dir);
    source = origin.hostPort() + "/team/app:1.0";
    Cli.Run run = cli.run("pull", "-q", source);
    assertThat(run.exit()).as(run.all()).isZero();
  }

  private static String registry(String which) {
    return which.equals("hoist") ? "127.0.0.1:" + hoist.port() : target.hostPort();
  }

  /** A repository name no other test uses. */
  private static String fresh(String registry, String tag) {
    return registry + "/pushed/app" + REPO.incrementAndGet() + ":" + tag;
  }

  private Cli.Run tagAndPush(String src, String dst) {
    Cli.Run tag = cli.run("tag", src, dst);
    assertThat(tag.exit()).as(tag.all()).isZero();
    return cli.run("push", dst);
  }

  private static String shortId(Digest d) {
    return d.encoded().substring(0, 12);
  }

  @ParameterizedTest
  @ValueSource(strings = {"docker-registry", "hoist"})
  void pushSendsEveryLayerAndTheManifestWithTheStoresDigest(String which) {
    String dst = fresh(registry(which), "1.0");

    Cli.Run run = tagAndPush(source, dst);

    assertThat(run.exit()).as(run.all()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines.get(0))
        .isEqualTo(
            "The push refers to repository [" + dst.substring(0, dst.lastIndexOf(':')) + "]");
    for (Digest layer : app.layerDigests()) {
      assertThat(lines).contains(shortId(layer) + ": Preparing", shortId(layer) + ": Pushed");
    }
    long size = skopeo.inspectRaw("docker://" + dst).length;
    assertThat(lines.get(lines.size() - 1))
        .isEqualTo("1.0: digest: " + app.manifestDigest() + " size: " + size);
    JsonNode inspected = skopeo.inspect("docker://" + dst);
    assertThat(inspected.get("Digest").asText()).isEqualTo(app.manifestDigest().toString());
    assertThat(inspected.get("Layers"))
        .extracting(JsonNode::asText)
        .containsExactlyElementsOf(app.layerDigests().stream().map(Digest::toString).toList());
    Cli.Run local = cli.run("images", "--digests", dst);
    assertThat(local.out()).contains(app.manifestDigest().toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"docker-registry", "hoist"})
  void pushingAgainFindsEveryLayerAlreadyThere(String which) {
    String dst = fresh(registry(which), "1.0");
    assertThat(tagAndPush(source, dst).exit()).isZero();

    Cli.Run again = cli.run("push", dst);

    assertThat(again.exit()).as(again.all()).isZero();
    for (Digest layer : app.layerDigests()) {
      assertThat(again.out()).contains(shortId(layer) + ": Layer already exists");
    }
    assertThat(again.out()).doesNotContain("Pushed").contains("digest: " + app.manifestDigest());
  }

  @ParameterizedTest
  @ValueSource(strings = {"docker-registry", "hoist"})
  void blobsInAnotherRepositoryOfTheRegistryAreMountedFromThere(String which) {
    String first = fresh(registry(which), "1.0");
    assertThat(tagAndPush(source, first).exit()).isZero();
    String firstRepo = first.substring(first.indexOf('/') + 1, first.lastIndexOf(':'));
    String second = fresh(registry(which), "1.0");

    Cli.Run run = tagAndPush(source, second);

    assertThat(run.exit()).as(run.all()).isZero();
    for (Digest layer : app.layerDigests()) {
      assertThat(run.out()).contains(shortId(layer) + ": Mounted from " + firstRepo);
    }
    assertThat(skopeo.inspect("docker://" + second).get("Digest").asText())
        .isEqualTo(app.manifestDigest().toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"docker-registry", "hoist"})
  void anIndexIsPushedWithEveryPlatform(String which) {
    String src = origin.hostPort() + "/team/multi:2.0";
    Cli.Run pull = cli.run("pull", "-q", "--all-platforms", src);
    assertThat(pull.exit()).as(pull.all()).isZero();
    String dst = fresh(registry(which), "2.0");

    Cli.Run run = tagAndPush(src, dst);

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.out()).contains("2.0: digest: " + multi.indexDigest());
    byte[] raw = skopeo.inspectRaw("docker://" + dst);
    assertThat(Digest.sha256(raw)).isEqualTo(multi.indexDigest());
    String repo = dst.substring(0, dst.lastIndexOf(':'));
    for (RandomImages.Image image : multi.manifests()) {
      JsonNode inspected = skopeo.inspect("docker://" + repo + "@" + image.manifestDigest());
      assertThat(inspected.get("Architecture").asText()).isEqualTo(image.platform().architecture());
    }
  }

  @Test
  void largeLayersAreSentInChunks() {
    RandomImages.ImageLayout big = RandomImages.writeLayout(dir.resolve("big"), "1", 43, 70L << 20);
    String src = origin.hostPort() + "/team/big:1";
    skopeo.copy(big.ociReference(), "docker://" + src);
    assertThat(cli.run("pull", "-q", src).exit()).isZero();
    String dst = fresh(target.hostPort(), "1");
    String repo = dst.substring(dst.indexOf('/'), dst.lastIndexOf(':'));

    Cli.Run run = tagAndPush(src, dst);

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(target.requestCount("PATCH", "/v2" + repo + "/blobs/uploads/.*"))
        .isGreaterThanOrEqualTo(5);
    assertThat(skopeo.inspect("docker://" + dst).get("Digest").asText())
        .isEqualTo(big.manifestDigest().toString());
  }

  @Test
  void aNameWithoutTagPushesLatest() {
    String dst = fresh(target.hostPort(), "latest");
    assertThat(cli.run("tag", source, dst).exit()).isZero();

    Cli.Run run = cli.run("push", dst.substring(0, dst.lastIndexOf(':')));

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.out()).startsWith("Using default tag: latest\n").contains("latest: digest: ");
  }

  @Test
  void allTagsPushesEveryTagOfTheRepository() {
    String dst = fresh(target.hostPort(), "a");
    String repo = dst.substring(0, dst.lastIndexOf(':'));
    assertThat(cli.run("tag", source, repo + ":a").exit()).isZero();
    assertThat(cli.run("tag", source, repo + ":b").exit()).isZero();

    Cli.Run run = cli.run("push", "--all-tags", repo);

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(skopeo.listTags("docker://" + repo)).containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void pushingAnImageTheStoreLacksIsNotFound() {
    Cli.Run run = cli.run("push", target.hostPort() + "/nothing/here:1");

    assertThat(run.exit()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(run.err())
        .isEqualTo(
            "Error: An image does not exist locally with the tag: "
                + target.hostPort()
                + "/nothing/here:1\n");
  }

  @Test
  void anUnreachableRegistryIsANetworkError() {
    Cli.Run run = tagAndPush(source, "127.0.0.1:1/down/app:1");

    assertThat(run.exit()).as(run.all()).isEqualTo(ExitCodes.NETWORK);
    assertThat(run.err()).startsWith("Error: cannot reach 127.0.0.1:1").hasLineCount(1);
  }
}
