package dev.hoist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.images.HandmadeImages;
import dev.hoist.images.ImageStore;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageReference;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import dev.hoist.testkit.TamperingProxy;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hoist pull} against a real registry (Debian's docker-registry) as the origin, with mirrors
 * that are down, failing, lying or working, and Hoist's own server as a Docker Hub mirror.
 */
class PullIT {
  @TempDir static Path shared;
  @TempDir Path dir;

  static DockerRegistryProcess origin;
  static Skopeo skopeo;
  static RandomImages.ImageLayout app;
  static RandomImages.IndexLayout multi;

  @BeforeAll
  static void pushImagesToTheOrigin() {
    origin = DockerRegistryProcess.builder().deleteEnabled(true).start();
    skopeo = Skopeo.create(shared.resolve("skopeo"));
    app = RandomImages.writeLayout(shared.resolve("app"), "1.0", 11, 300_000, 700_000, 40_000);
    multi = RandomImages.writeIndexLayout(shared.resolve("multi"), "1", 12, 120_000, 30_000);
    skopeo.copy(app.ociReference(), "docker://" + origin.hostPort() + "/team/app:1.0");
    skopeo.copy(multi.ociReference(), "docker://" + origin.hostPort() + "/team/multi:1", "--all");
  }

  @AfterAll
  static void stop() {
    if (origin != null) {
      origin.close();
    }
  }

  private static String appName() {
    return origin.hostPort() + "/team/app:1.0";
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Every blob the image needs is in the store and has its digest; no temporary file is left. */
  static void assertStoredAndVerified(Path store, RandomImages.Image image) throws IOException {
    List<Digest> all = new ArrayList<>(image.layerDigests());
    all.add(image.configDigest());
    all.add(image.manifestDigest());
    for (Digest d : all) {
      Path blob = store.resolve("blobs/sha256/" + d.encoded());
      assertThat(blob).exists();
      try (InputStream in = Files.newInputStream(blob)) {
        assertThat(Digest.compute("sha256", in)).isEqualTo(d);
      }
    }
    try (var left = Files.list(store.resolve("ingest"))) {
      assertThat(left).isEmpty();
    }
  }

  private static long blobGets() {
    return origin.accessLog().stream()
        .filter(e -> e.method().equals("GET") && e.path().contains("/blobs/"))
        .count();
  }

  @Test
  void pullsFromTheOriginIntoAStoreThatSkopeoReads() throws Exception {
    Cli cli = new Cli(dir);

    Cli.Run run = cli.run("pull", appName());

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.out())
        .startsWith("1.0: Pulling from team/app\n")
        .contains("Manifest " + app.manifestDigest() + " from " + origin.hostPort())
        .contains(
            Progress12.of(app.layerDigests().get(0)) + ": Pulling fs layer",
            Progress12.of(app.layerDigests().get(0))
                + ": Download complete from "
                + origin.hostPort(),
            Progress12.of(app.layerDigests().get(2)) + ": Pull complete")
        .endsWith(
            "Digest: "
                + app.manifestDigest()
                + "\nStatus: Downloaded newer image for "
                + appName()
                + "\n"
                + appName()
                + "\n");
    assertThat(run.out()).doesNotContain("Using default tag");
    assertStoredAndVerified(cli.store(), app.image());

    // The layers were measured while they downloaded: the size 'hoist images' shows is theirs.
    long uncompressed = 0;
    for (Digest layer : app.layerDigests()) {
      try (InputStream in =
          new java.util.zip.GZIPInputStream(
              Files.newInputStream(cli.store().resolve("blobs/sha256/" + layer.encoded())))) {
        uncompressed += in.transferTo(java.io.OutputStream.nullOutputStream());
      }
    }
    assertThat(Files.readString(cli.store().resolve("index.json")))
        .containsPattern(
            java.util.regex.Pattern.quote("\"" + dev.hoist.images.ImageStore.UNCOMPRESSED_SIZE)
                + "\"\\s*:\\s*\""
                + uncompressed
                + "\"");

    // The store is an OCI layout skopeo reads under the canonical name.
    Path copy = dir.resolve("copy");
    skopeo.copy("oci:" + cli.store() + ":" + appName(), "dir:" + copy);
    assertThat(copy.resolve(app.layerDigests().get(1).encoded())).exists();
    try (InputStream in = Files.newInputStream(copy.resolve("manifest.json"))) {
      assertThat(Digest.compute("sha256", in)).isEqualTo(app.manifestDigest());
    }
  }

  @Test
  void defaultTagIsAnnouncedAndAMissingTagIsNotFound() throws Exception {
    Cli cli = new Cli(dir);

    Cli.Run run = cli.run("pull", origin.hostPort() + "/team/app");

    assertThat(run.out()).startsWith("Using default tag: latest\nlatest: Pulling from team/app\n");
    assertThat(run.exit()).isEqualTo(3);
    assertThat(run.err())
        .isEqualTo(
            "Error: manifest unknown: tag 'latest' not found in "
                + origin.hostPort()
                + "/team/app\n");
  }

  @Test
  void secondPullIsUpToDateAndFetchesNoBlob() throws Exception {
    Cli cli = new Cli(dir);
    assertThat(cli.run("pull", appName()).exit()).isZero();
    origin.clearAccessLog();

    Cli.Run again = cli.run("pull", appName());

    assertThat(again.exit()).as(again.all()).isZero();
    assertThat(again.out()).contains("Status: Image is up to date for " + appName());
    assertThat(blobGets()).isZero();
  }

  @Test
  void layersAlreadyInTheStoreAreNotDownloadedAgain() throws Exception {
    Cli cli = new Cli(dir);
    assertThat(cli.run("pull", appName()).exit()).isZero();
    ImageStore.open(cli.store()).untag(ImageReference.parse(appName())); // blobs stay
    origin.clearAccessLog();

    Cli.Run run = cli.run("pull", "-q", appName());

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.out()).isEqualTo(appName() + "\n");
    assertThat(blobGets()).isZero();
    assertThat(ImageStore.open(cli.store()).resolve(ImageReference.parse(appName()))).isPresent();
  }

  @Test
  void aMirrorThatRefusesConnectionsIsSkipped() throws Exception {
    Cli cli = new Cli(dir);
    String mirror = "http://127.0.0.1:" + closedPort();

    Cli.Run run = cli.run("pull", "--mirror", mirror, appName());

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.out())
        .contains("mirror " + mirror + " failed: cannot connect")
        .contains("Manifest " + app.manifestDigest() + " from " + origin.hostPort());
    assertStoredAndVerified(cli.store(), app.image());
  }

  @Test
  void aMirrorAnswering500IsSkipped() throws Exception {
    try (FakeMirror mirror = FakeMirror.answering(500)) {
      Cli cli = new Cli(dir);

      Cli.Run run = cli.run("pull", "--mirror", mirror.url(), appName());

      assertThat(run.exit()).as(run.all()).isZero();
      assertThat(run.out()).contains("mirror " + mirror.url() + " failed: 500");
      assertThat(mirror.received()).isNotEmpty();
      assertStoredAndVerified(cli.store(), app.image());
    }
  }

  @Test
  void aMirrorAnswering404IsSkipped() throws Exception {
    try (FakeMirror mirror = FakeMirror.answering(404)) {
      Cli cli = new Cli(dir);

      Cli.Run run = cli.run("pull", "--mirror", mirror.url(), appName());

      assertThat(run.exit()).as(run.all()).isZero();
      assertThat(run.out()).contains("mirror " + mirror.url() + " failed: 404");
      assertStoredAndVerified(cli.store(), app.image());
    }
  }

  @Test
  void layersAMirrorDamagesComeFromTheOriginAndAreVerified() throws Exception {
    try (FakeMirror mirror = FakeMirror.forwardingTo(origin.url(), FakeMirror.Damage.FLIP_BYTES)) {
      Cli cli = new Cli(dir);

      Cli.Run run = cli.run("pull", "--mirror", mirror.url(), appName());

      assertThat(run.exit()).as(run.all()).isZero();
      // The manifest was fine on the mirror; the first blob it damaged made it untrusted.
      assertThat(run.out())
          .contains("Manifest " + app.manifestDigest() + " from mirror " + mirror.url());
      for (Digest layer : app.layerDigests()) {
        assertThat(run.out())
            .contains(Progress12.of(layer) + ": Download complete from " + origin.hostPort());
      }
      assertStoredAndVerified(cli.store(), app.image());
    }
  }

  @Test
  void aMirrorServingFlippedBytesIsSkippedForTheOrigin() throws Exception {
    try (TamperingProxy mirror = TamperingProxy.start(origin.url())) {
      mirror.on("GET", "/v2/.+/blobs/sha256:.*").always().flipByte(100);
      Cli cli = new Cli(dir);

      Cli.Run run = cli.run("pull", "--mirror", mirror.url(), appName());

      assertThat(run.exit()).as(run.all()).isZero();
      for (Digest layer : app.layerDigests()) {
        assertThat(run.out())
            .contains(Progress12.of(layer) + ": Download complete from " + origin.hostPort());
      }
      // The config and the layers download at once, so each may have asked the mirror; the first
      // damaged blob made it untrusted for the rest of the pull: no blob was asked of it twice.
      List<Digest> blobs = new ArrayList<>(app.layerDigests());
      blobs.add(app.configDigest());
      for (Digest blob : blobs) {
        assertThat(mirror.requestCount("GET", "/v2/.+/blobs/" + blob)).isLessThanOrEqualTo(1);
      }
      assertThat(mirror.requestCount("GET", "/v2/.+/blobs/.*")).isBetween(1, blobs.size());
      assertStoredAndVerified(cli.store(), app.image());
    }
  }

  @Test
  void aLayerThatIsNotWhatItsConfigSaysIsRefusedAndNothingIsNamed() throws Exception {
    byte[] good = HandmadeImages.gzip(new HandmadeImages.Layer().file("etc/os", "hoist").tar());
    byte[] other = HandmadeImages.gzip(new HandmadeImages.Layer().file("etc/os", "other").tar());
    Digest claimed = Digest.sha256(HandmadeImages.gzip(other)); // any digest but the true one
    HandmadeImages.writeLayout(
        dir.resolve("bad"),
        "1",
        List.of(good, other),
        List.of(Digest.sha256(new HandmadeImages.Layer().file("etc/os", "hoist").tar()), claimed));
    skopeo.copy(
        "oci:" + dir.resolve("bad") + ":1", "docker://" + origin.hostPort() + "/team/bad:1");
    Cli cli = new Cli(dir);

    Cli.Run run = cli.run("pull", origin.hostPort() + "/team/bad:1");

    assertThat(run.exit()).as(run.all()).isNotZero();
    assertThat(run.err()).contains("does not match its diff_id " + claimed);
    assertThat(cli.run("images", "-q").out()).isEmpty();
  }

  @Test
  void theLayersDoNotWaitForTheConfig() throws Exception {
    try (TamperingProxy mirror = TamperingProxy.start(origin.url())) {
      mirror
          .on("GET", "/v2/.+/blobs/" + app.configDigest())
          .always()
          .delayHeaders(Duration.ofSeconds(2));
      Cli cli = new Cli(dir);

      Cli.Run run = cli.run("pull", "--mirror", mirror.url(), appName());

      assertThat(run.exit()).as(run.all()).isZero();
      List<String> finished =
          mirror.exchanges().stream()
              .filter(e -> e.method().equals("GET") && e.path().contains("/blobs/"))
              .map(e -> e.path().substring(e.path().lastIndexOf('/') + 1))
              .toList();
      // Every layer came down while the config was still held back.
      assertThat(finished).hasSize(app.layerDigests().size() + 1);
      assertThat(finished.getLast()).isEqualTo(app.configDigest().toString());
      assertStoredAndVerified(cli.store(), app.image());
    }
  }

  @Test
  void aMirrorThatTimesOutIsSkipped() throws Exception {
    try (TamperingProxy mirror = TamperingProxy.start(origin.url())) {
      mirror.on(null, ".*").always().delayHeaders(Duration.ofSeconds(20));
      Cli cli = new Cli(dir).env("HOIST_MIRROR_TIMEOUT", "1");

      long start = System.nanoTime();
      Cli.Run run = cli.run("pull", "--mirror", mirror.url(), appName());

      assertThat(run.exit()).as(run.all()).isZero();
      assertThat(run.out()).contains("mirror " + mirror.url() + " failed: timed out");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
      assertStoredAndVerified(cli.store(), app.image());
    }
  }

  @Test
  void aMirrorAnswering429IsSkipped() throws Exception {
    try (TamperingProxy mirror = TamperingProxy.start(origin.url())) {
      mirror.on(null, ".*").always().tooManyRequests(Duration.ofSeconds(60));
      Cli cli = new Cli(dir);

      Cli.Run run = cli.run("pull", "--mirror", mirror.url(), appName());

      assertThat(run.exit()).as(run.all()).isZero();
      assertThat(run.out()).contains("mirror " + mirror.url() + " failed: 429");
      assertStoredAndVerified(cli.store(), app.image());
    }
  }

  @Test
  void aLayerThatBreaksOffOnAMirrorResumesOnTheOriginWithRange() throws Exception {
    try (FakeMirror mirror = FakeMirror.forwardingTo(origin.url(), FakeMirror.Damage.BREAK_OFF)) {
      Cli cli = new Cli(dir);
      origin.clearAccessLog();

      Cli.Run run = cli.run("pull", "--mirror", mirror.url(), appName());

      assertThat(run.exit()).as(run.all()).isZero();
      assertStoredAndVerified(cli.store(), app.image());
      // The mirror fetched each blob whole from the origin once (it is a proxy here); the
      // client's own requests to the origin asked only for the second half.
      Digest big = app.layerDigests().get(1);
      long size = Files.size(cli.store().resolve("blobs/sha256/" + big.encoded()));
      List<DockerRegistryProcess.AccessLogEntry> gets =
          origin.accessLog().stream()
              .filter(e -> e.method().equals("GET") && e.path().contains(big.encoded()))
              .toList();
      assertThat(gets).hasSize(2);
      assertThat(gets).anySatisfy(e -> assertThat(e.bytes()).isEqualTo(size));
      // The mirror sent about half before breaking off (what reached the client depends on the
      // TCP stack); the origin then served only the rest.
      assertThat(gets)
          .anySatisfy(
              e -> {
                assertThat(e.status()).isEqualTo(206);
                assertThat(e.bytes()).isPositive().isLessThan(size);
              });
    }
  }

  @Test
  void mirrorsOfOtherRegistriesComeFromClientJsonAndGetTheNsParameter() throws Exception {
    try (FakeMirror mirror = FakeMirror.forwardingTo(origin.url(), FakeMirror.Damage.NONE)) {
      Cli cli = new Cli(dir);
      Files.writeString(
          cli.clientJson(),
          "{\"mirrors\":{\"" + origin.hostPort() + "\":[\"" + mirror.url() + "\"]}}");

      Cli.Run run = cli.run("pull", appName());

      assertThat(run.exit()).as(run.all()).isZero();
      assertThat(run.out())
          .contains("Manifest " + app.manifestDigest() + " from mirror " + mirror.url())
          .contains(
              Progress12.of(app.layerDigests().get(0))
                  + ": Download complete from mirror "
                  + mirror.url());
      assertThat(mirror.received())
          .isNotEmpty()
          .allSatisfy(
              r ->
                  assertThat(URLDecoder.decode(r.uri(), StandardCharsets.UTF_8))
                      .endsWith("?ns=" + origin.hostPort()));
      assertStoredAndVerified(cli.store(), app.image());
    }
  }

  @Test
  void hoistServesAsADockerHubMirrorFromDaemonJson() throws Exception {
    try (HoistServer hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(dir.resolve("hoist"))
                .build())) {
      skopeo.copy(app.ociReference(), "docker://127.0.0.1:" + hoist.port() + "/library/hello:1");
      Cli cli = new Cli(dir);
      Files.writeString(
          cli.daemonJson(), "{\"registry-mirrors\":[\"http://127.0.0.1:" + hoist.port() + "\"]}");

      Cli.Run run = cli.run("pull", "hello:1");

      assertThat(run.exit()).as(run.all()).isZero();
      assertThat(run.out())
          .startsWith("1: Pulling from library/hello\n")
          .contains("from mirror http://127.0.0.1:" + hoist.port())
          .endsWith("Status: Downloaded newer image for hello:1\ndocker.io/library/hello:1\n");
      assertStoredAndVerified(cli.store(), app.image());
      assertThat(ImageStore.open(cli.store()).resolve(ImageReference.parse("hello:1"))).isPresent();
    }
  }

  @Test
  void whenEverySourceFailsOneErrorNamesEach() throws Exception {
    try (FakeMirror mirror = FakeMirror.answering(500)) {
      Cli cli = new Cli(dir);

      Cli.Run run = cli.run("pull", "--mirror", mirror.url(), origin.hostPort() + "/team/app:nope");

      assertThat(run.exit()).isEqualTo(3);
      assertThat(run.err())
          .startsWith(
              "Error: manifest unknown: tag 'nope' not found in "
                  + origin.hostPort()
                  + "/team/app (mirror "
                  + mirror.url()
                  + ": 500")
          .contains("; " + origin.hostPort() + ": 404 MANIFEST_UNKNOWN")
          .hasLineCount(1);
    }
  }

  @Test
  void anUnreachableRegistryExitsWithTheNetworkStatus() throws Exception {
    Cli cli = new Cli(dir);

    Cli.Run run = cli.run("pull", "127.0.0.1:" + closedPort() + "/team/app:1");

    assertThat(run.exit()).isEqualTo(5);
    assertThat(run.err()).startsWith("Error: cannot reach 127.0.0.1:").hasLineCount(1);
  }

  @Test
  void anInvalidNameIsAUsageError() throws Exception {
    Cli.Run run = new Cli(dir).run("pull", "Team/App");

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).startsWith("Error: invalid reference format");
  }

  @Test
  void thePlatformIsTakenFromAnIndexAndTheIndexDigestIsTheRepoDigest() throws Exception {
    Cli cli = new Cli(dir);
    String name = origin.hostPort() + "/team/multi:1";

    Cli.Run run = cli.run("pull", "--platform", "linux/arm64", name);

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.out()).contains("Digest: " + multi.indexDigest());
    RandomImages.Image arm = multi.image("linux/arm64");
    assertStoredAndVerified(cli.store(), arm);
    ImageStore.Entry e =
        ImageStore.open(cli.store()).resolve(ImageReference.parse(name)).orElseThrow();
    assertThat(e.descriptor().digest()).isEqualTo(arm.manifestDigest());
    assertThat(e.repoDigest()).contains(multi.indexDigest());
    assertThat(
            cli.store()
                .resolve("blobs/sha256/" + multi.image("linux/amd64").configDigest().encoded()))
        .doesNotExist();

    Cli.Run missing = cli.run("pull", "--platform", "linux/s390x", name);
    assertThat(missing.exit()).isEqualTo(3);
    assertThat(missing.err()).contains("no matching manifest for linux/s390x");
  }

  @Test
  void aSinglePlatformImageMustMatchAnExplicitPlatform() throws Exception {
    Cli cli = new Cli(dir);

    Cli.Run run = cli.run("pull", "--platform", "linux/arm64", appName());

    assertThat(run.exit()).isEqualTo(3);
    assertThat(run.err())
        .contains("does not match the specified platform: wanted linux/arm64, actual: linux/amd64");
    assertThat(ImageStore.open(cli.store()).list()).isEmpty();
  }

  @Test
  void allPlatformsStoresTheIndexAndEveryImage() throws Exception {
    Cli cli = new Cli(dir);
    String name = origin.hostPort() + "/team/multi:1";

    Cli.Run run = cli.run("pull", "--all-platforms", name);

    assertThat(run.exit()).as(run.all()).isZero();
    for (RandomImages.Image image : multi.manifests()) {
      assertStoredAndVerified(cli.store(), image);
    }
    ImageStore.Entry e =
        ImageStore.open(cli.store()).resolve(ImageReference.parse(name)).orElseThrow();
    assertThat(e.descriptor().digest()).isEqualTo(multi.indexDigest());
    skopeo.copy("oci:" + cli.store() + ":" + name, "oci:" + dir.resolve("all") + ":x", "--all");
  }

  /** The 12-character ID Docker shows for a layer. */
  static final class Progress12 {
    static String of(Digest d) {
      return d.encoded().substring(0, 12);
    }
  }
}
