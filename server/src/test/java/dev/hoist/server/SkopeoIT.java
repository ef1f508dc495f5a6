package dev.hoist.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.RandomImages.Image;
import dev.hoist.testkit.RandomImages.ImageLayout;
import dev.hoist.testkit.RandomImages.IndexLayout;
import dev.hoist.testkit.Skopeo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real client against Hoist's own registry: skopeo pushes, pulls, inspects, lists, deletes and
 * syncs, and every digest survives the round trip byte for byte.
 */
class SkopeoIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private HoistServer hoist;
  private Skopeo skopeo;

  @BeforeEach
  void startHoist() {
    hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(tmp.resolve("data"))
                .deleteEnabled(true)
                .build());
    skopeo = Skopeo.create(tmp.resolve("skopeo"));
  }

  @AfterEach
  void stopHoist() {
    if (hoist != null) {
      hoist.close();
    }
  }

  @Test
  void ociImageCopiedInAndBackOutKeepsEveryDigestAndByte() throws IOException {
    ImageLayout image =
        RandomImages.writeLayout(tmp.resolve("src"), "v1", 1, 2_000_000, 70_000, 1, 0);
    String ref = hoist("app/oci:v1");

    skopeo.copy(image.ociReference(), ref);

    byte[] served = skopeo.inspectRaw(ref);
    assertThat(served).isEqualTo(blob(image.dir(), image.manifestDigest()));
    assertThat(Digest.sha256(served)).isEqualTo(image.manifestDigest());
    assertThat(skopeo.inspectRaw(hoist("app/oci@" + image.manifestDigest()))).isEqualTo(served);

    Path back = tmp.resolve("back");
    skopeo.copy(ref, "oci:" + back + ":v1");

    assertThat(Digest.sha256(skopeo.inspectRaw("oci:" + back + ":v1")))
        .isEqualTo(image.manifestDigest());
    assertThat(layers(skopeo.inspect("oci:" + back + ":v1")))
        .containsExactlyElementsOf(image.layerDigests());
    for (Digest layer : image.layerDigests()) {
      assertThat(blob(back, layer)).as("layer %s", layer).isEqualTo(blob(image.dir(), layer));
    }
    assertThat(blob(back, image.configDigest())).isEqualTo(blob(image.dir(), image.configDigest()));
  }

  @Test
  void dockerSchema2ImageIsStoredAndServedAsPushed() throws IOException {
    ImageLayout image = RandomImages.writeLayout(tmp.resolve("src"), "v1", 2, 300_000, 4_000);
    String ref = hoist("app/docker:v1");
    Path digestFile = tmp.resolve("pushed.digest");

    skopeo.copy(
        image.ociReference(), ref, "--format", "v2s2", "--digestfile", digestFile.toString());

    Digest pushed = Digest.parse(Files.readString(digestFile).trim());
    byte[] served = skopeo.inspectRaw(ref);
    assertThat(Digest.sha256(served)).isEqualTo(pushed);
    JsonNode manifest = JSON.readTree(served);
    assertThat(manifest.path("mediaType").asText()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
    assertThat(manifest.path("config").path("digest").asText())
        .isEqualTo(image.configDigest().toString());
    assertThat(layers(skopeo.inspect(ref))).containsExactlyElementsOf(image.layerDigests());

    // dir: keeps the manifest exactly as served; oci: must convert it to an OCI manifest.
    Path dir = tmp.resolve("back-dir");
    skopeo.copy(ref, "dir:" + dir);
    assertThat(Files.readAllBytes(dir.resolve("manifest.json"))).isEqualTo(served);
    Path oci = tmp.resolve("back-oci");
    skopeo.copy(ref, "oci:" + oci + ":v1");
    assertThat(layers(skopeo.inspect("oci:" + oci + ":v1")))
        .containsExactlyElementsOf(image.layerDigests());
    for (Digest layer : image.layerDigests()) {
      assertThat(blob(oci, layer)).as("layer %s", layer).isEqualTo(blob(image.dir(), layer));
    }
  }

  @Test
  void twoPlatformIndexCopiedWithAllKeepsTheIndexAndEveryPlatform() throws IOException {
    IndexLayout index = RandomImages.writeIndexLayout(tmp.resolve("src"), "v1", 3, 150_000, 500);
    String ref = hoist("app/multi:v1");

    skopeo.copy(index.ociReference(), ref, "--all");

    byte[] served = skopeo.inspectRaw(ref);
    assertThat(Digest.sha256(served)).isEqualTo(index.indexDigest());
    assertThat(served).isEqualTo(blob(index.dir(), index.indexDigest()));
    for (Image platform : index.manifests()) {
      String byDigest = hoist("app/multi@" + platform.manifestDigest());
      assertThat(Digest.sha256(skopeo.inspectRaw(byDigest)))
          .as("%s", platform.platform())
          .isEqualTo(platform.manifestDigest());
      JsonNode inspected = skopeo.inspect(byDigest);
      assertThat(inspected.path("Architecture").asText())
          .isEqualTo(platform.platform().architecture());
      assertThat(layers(inspected)).containsExactlyElementsOf(platform.layerDigests());
    }

    Path back = tmp.resolve("back");
    skopeo.copy(ref, "oci:" + back + ":v1", "--all");

    assertThat(Digest.sha256(skopeo.inspectRaw("oci:" + back + ":v1")))
        .isEqualTo(index.indexDigest());
    for (Image platform : index.manifests()) {
      assertThat(blob(back, platform.manifestDigest()))
          .isEqualTo(blob(index.dir(), platform.manifestDigest()));
      for (Digest layer : platform.layerDigests()) {
        assertThat(blob(back, layer)).as("layer %s", layer).isEqualTo(blob(index.dir(), layer));
      }
    }
  }

  @Test
  void inspectReportsDigestTagsPlatformAndLayers() {
    ImageLayout image = RandomImages.writeLayout(tmp.resolve("src"), "v1", 4, 10_000, 20_000);
    skopeo.copy(image.ociReference(), hoist("inspect/app:v1"));
    skopeo.copy(image.ociReference(), hoist("inspect/app:latest"));

    JsonNode inspected = skopeo.inspect(hoist("inspect/app:v1"));

    assertThat(inspected.path("Digest").asText()).isEqualTo(image.manifestDigest().toString());
    assertThat(texts(inspected.path("RepoTags"))).containsExactlyInAnyOrder("v1", "latest");
    assertThat(inspected.path("Os").asText()).isEqualTo("linux");
    assertThat(inspected.path("Architecture").asText()).isEqualTo("amd64");
    assertThat(inspected.path("Labels").path("dev.hoist.testkit.seed").asText()).isEqualTo("4");
    assertThat(layers(inspected)).containsExactlyElementsOf(image.layerDigests());
    JsonNode config = skopeo.inspect(hoist("inspect/app:v1"), "--config");
    assertThat(config.path("rootfs").path("diff_ids").size()).isEqualTo(2);
  }

  @Test
  void listTagsShowsEveryTagOfTheRepositoryOnly() {
    ImageLayout image = RandomImages.writeLayout(tmp.resolve("src"), "v1", 5, 1_000);
    for (String tag : List.of("v1", "v2", "latest", "1.0.0")) {
      skopeo.copy(image.ociReference(), hoist("tags/app:" + tag));
    }
    skopeo.copy(image.ociReference(), hoist("tags/other:elsewhere"));

    assertThat(skopeo.listTags(hoist("tags/app")))
        .containsExactlyInAnyOrder("v1", "v2", "latest", "1.0.0");
    assertThat(skopeo.listTags(hoist("tags/other"))).containsExactly("elsewhere");
  }

  @Test
  void deleteRemovesTheManifestAndItsTags() {
    ImageLayout image = RandomImages.writeLayout(tmp.resolve("src"), "v1", 6, 1_000);
    ImageLayout other = RandomImages.writeLayout(tmp.resolve("src"), "v2", 7, 1_000);
    skopeo.copy(image.ociReference(), hoist("del/app:v1"));
    skopeo.copy(other.ociReference(), hoist("del/app:v2"));

    skopeo.delete(hoist("del/app:v1"));

    Skopeo.Result byTag = skopeo.run("inspect", "--raw", "--tls-verify=false", hoist("del/app:v1"));
    assertThat(byTag.exitCode()).as(byTag.describe()).isNotZero();
    assertThat(byTag.stderr()).contains("manifest unknown");
    Skopeo.Result byDigest =
        skopeo.run(
            "inspect", "--raw", "--tls-verify=false", hoist("del/app@" + image.manifestDigest()));
    assertThat(byDigest.exitCode()).as(byDigest.describe()).isNotZero();
    assertThat(skopeo.listTags(hoist("del/app"))).containsExactly("v2");
    assertThat(Digest.sha256(skopeo.inspectRaw(hoist("del/app:v2"))))
        .isEqualTo(other.manifestDigest());
  }

  @Test
  void copyBetweenTwoRepositoriesOfHoistKeepsTheDigest() {
    ImageLayout image = RandomImages.writeLayout(tmp.resolve("src"), "v1", 8, 500_000);
    skopeo.copy(image.ociReference(), hoist("one/app:v1"));

    skopeo.copy(hoist("one/app:v1"), hoist("two/app:v1"));

    assertThat(Digest.sha256(skopeo.inspectRaw(hoist("two/app:v1"))))
        .isEqualTo(image.manifestDigest());
    skopeo.copy(hoist("two/app:v1"), "oci:" + tmp.resolve("back") + ":v1");
    assertThat(layers(skopeo.inspect("oci:" + tmp.resolve("back") + ":v1")))
        .containsExactlyElementsOf(image.layerDigests());
  }

  @Test
  void syncCopiesEveryTagFromDockerRegistryIntoHoist() {
    ImageLayout v1 = RandomImages.writeLayout(tmp.resolve("src"), "v1", 9, 120_000);
    ImageLayout v2 = RandomImages.writeLayout(tmp.resolve("src"), "v2", 10, 3_000, 4_000);
    IndexLayout multi = RandomImages.writeIndexLayout(tmp.resolve("src"), "multi", 11, 5_000);
    try (DockerRegistryProcess upstream = DockerRegistryProcess.start()) {
      String repo = "docker://" + upstream.hostPort() + "/team/app";
      skopeo.copy(v1.ociReference(), repo + ":v1");
      skopeo.copy(v2.ociReference(), repo + ":v2");
      skopeo.copy(multi.ociReference(), repo + ":multi", "--all");
      upstream.clearAccessLog();

      skopeo.syncDocker(
          upstream.hostPort() + "/team/app", hostPort() + "/mirror", "--all", "--preserve-digests");

      assertThat(skopeo.listTags(hoist("mirror/app")))
          .containsExactlyInAnyOrder("v1", "v2", "multi");
      assertThat(digestOf(hoist("mirror/app:v1"))).isEqualTo(v1.manifestDigest());
      assertThat(digestOf(hoist("mirror/app:v2"))).isEqualTo(v2.manifestDigest());
      assertThat(digestOf(hoist("mirror/app:multi"))).isEqualTo(multi.indexDigest());
      for (Image platform : multi.manifests()) {
        assertThat(digestOf(hoist("mirror/app@" + platform.manifestDigest())))
            .isEqualTo(platform.manifestDigest());
      }
      Digest bigLayer = v1.layerDigests().get(0);
      assertThat(upstream.requestCount("GET", "/v2/team/app/blobs/" + bigLayer)).isEqualTo(1);
      assertThat(upstream.bytesServedFor("/blobs/" + bigLayer))
          .isEqualTo(v1.image().layers().get(0).size());
    }
  }

  @Test
  void syncCopiesEveryTagFromHoistIntoDockerRegistry() {
    ImageLayout v1 = RandomImages.writeLayout(tmp.resolve("src"), "v1", 12, 80_000);
    ImageLayout v2 = RandomImages.writeLayout(tmp.resolve("src"), "v2", 13, 2_000);
    IndexLayout multi = RandomImages.writeIndexLayout(tmp.resolve("src"), "multi", 14, 3_000);
    skopeo.copy(v1.ociReference(), hoist("src/app:v1"));
    skopeo.copy(v2.ociReference(), hoist("src/app:v2"));
    skopeo.copy(multi.ociReference(), hoist("src/app:multi"), "--all");
    try (DockerRegistryProcess target = DockerRegistryProcess.start()) {
      skopeo.syncDocker(
          hostPort() + "/src/app", target.hostPort() + "/backup", "--all", "--preserve-digests");

      String repo = "docker://" + target.hostPort() + "/backup/app";
      assertThat(skopeo.listTags(repo)).containsExactlyInAnyOrder("v1", "v2", "multi");
      assertThat(digestOf(repo + ":v1")).isEqualTo(v1.manifestDigest());
      assertThat(digestOf(repo + ":v2")).isEqualTo(v2.manifestDigest());
      assertThat(digestOf(repo + ":multi")).isEqualTo(multi.indexDigest());
      for (Image platform : multi.manifests()) {
        assertThat(layers(skopeo.inspect(repo + "@" + platform.manifestDigest())))
            .containsExactlyElementsOf(platform.layerDigests());
      }
      assertThat(target.requestCount("PUT", "/v2/backup/app/manifests/.*"))
          .isGreaterThanOrEqualTo(5);
    }
  }

  @Test
  void pullOfAMissingImageFailsWithManifestUnknown() {
    assertThatThrownBy(() -> skopeo.inspectRaw(hoist("nothing/here:v1")))
        .isInstanceOf(Skopeo.SkopeoException.class)
        .hasMessageContaining("manifest unknown");
  }

  private String hostPort() {
    return "127.0.0.1:" + hoist.port();
  }

  /** {@code docker://127.0.0.1:<port>/<nameAndReference>} on Hoist. */
  private String hoist(String nameAndReference) {
    return "docker://" + hostPort() + "/" + nameAndReference;
  }

  private Digest digestOf(String ref) {
    return Digest.sha256(skopeo.inspectRaw(ref));
  }

  private static List<Digest> layers(JsonNode inspected) {
    return texts(inspected.path("Layers")).stream().map(Digest::parse).toList();
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static byte[] blob(Path layout, Digest digest) throws IOException {
    return Files.readAllBytes(
        layout.resolve("blobs").resolve(digest.algorithm()).resolve(digest.encoded()));
  }
}
