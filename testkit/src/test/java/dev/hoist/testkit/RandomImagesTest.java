package dev.hoist.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Platform;
import dev.hoist.testkit.RandomImages.Blob;
import dev.hoist.testkit.RandomImages.ImageLayout;
import dev.hoist.testkit.RandomImages.IndexLayout;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RandomImagesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void sameSeedAndSizesGiveTheSameDigests() {
    ImageLayout a = RandomImages.writeLayout(tmp.resolve("a"), "v1", 42, 1000, 70_000, 0);
    ImageLayout b = RandomImages.writeLayout(tmp.resolve("b"), "v1", 42, 1000, 70_000, 0);

    assertThat(b.image()).isEqualTo(a.image());
  }

  @Test
  void differentSeedsGiveDifferentLayersAndManifests() {
    ImageLayout a = RandomImages.writeLayout(tmp.resolve("a"), "v1", 1, 1000);
    ImageLayout b = RandomImages.writeLayout(tmp.resolve("b"), "v1", 2, 1000);

    assertThat(b.layerDigests()).doesNotContainAnyElementsOf(a.layerDigests());
    assertThat(b.manifestDigest()).isNotEqualTo(a.manifestDigest());
  }

  @Test
  void layersOfOneImageDifferEvenWithEqualSizes() {
    ImageLayout image = RandomImages.writeLayout(tmp, "v1", 7, 4096, 4096);

    assertThat(image.layerDigests()).doesNotHaveDuplicates();
  }

  @Test
  void digestsAreStableAcrossMachinesAndJvms() {
    // Pinned: random bytes come from java.util.Random and gzip is written without zlib, so these
    // may change only when this kit's format changes on purpose.
    ImageLayout image = RandomImages.writeLayout(tmp, "v1", 1, 1000);

    assertThat(image.image().layers().get(0).size()).isEqualTo(2583);
    assertThat(image.layerDigests().get(0).toString()).isEqualTo(pinnedLayerDigest());
  }

  @Test
  void layerIsAGzipCompressedUstarHoldingOneFileOfTheRequestedSize() throws IOException {
    long size = 3 * 65535 + 700; // several stored deflate blocks, content not a multiple of 512
    ImageLayout image = RandomImages.writeLayout(tmp, "v1", 5, size);
    Blob layer = image.image().layers().get(0);
    byte[] blob = Files.readAllBytes(blobPath(tmp, layer.digest()));

    byte[] tar;
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(blob))) {
      tar = in.readAllBytes();
    }
    assertThat(Digest.sha256(tar)).isEqualTo(image.image().diffIds().get(0));
    assertThat(tar.length % 512).isZero();

    byte[] header = Arrays.copyOfRange(tar, 0, 512);
    assertThat(cString(header, 0, 100)).isEqualTo("random-0.bin");
    assertThat(Long.parseLong(cString(header, 124, 12), 8)).isEqualTo(size);
    assertThat((char) header[156]).isEqualTo('0');
    assertThat(cString(header, 257, 6)).isEqualTo("ustar");
    assertThat(Long.parseLong(cString(header, 148, 8).trim(), 8)).isEqualTo(checksum(header));
    long padded = (size + 511) / 512 * 512;
    assertThat(tar.length).isEqualTo(512 + padded + 1024);
    for (int i = (int) (512 + size); i < tar.length; i++) {
      assertThat(tar[i]).as("byte %d after the file", i).isZero();
    }
  }

  @Test
  void emptyLayerIsAValidArchiveWithAnEmptyFile() throws IOException {
    ImageLayout image = RandomImages.writeLayout(tmp, "v1", 5, 0);
    byte[] blob = Files.readAllBytes(blobPath(tmp, image.layerDigests().get(0)));

    byte[] tar;
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(blob))) {
      tar = in.readAllBytes();
    }
    assertThat(tar).hasSize(512 + 1024);
    assertThat(Long.parseLong(cString(tar, 124, 12), 8)).isZero();
  }

  @Test
  void layerBlobIsTheTarPlusGzipFramingBecauseRandomDataIsStoredUncompressed() {
    ImageLayout image = RandomImages.writeLayout(tmp, "v1", 3, 1_000_000);

    long tar = 512 + (1_000_000 + 511) / 512 * 512 + 1024;
    long storedBlocks = (tar + 65534) / 65535;
    assertThat(image.image().layers().get(0).size()).isEqualTo(10 + tar + 5 * storedBlocks + 8);
  }

  @Test
  void everyBlobIsStoredUnderItsOwnDigest() throws IOException {
    RandomImages.writeLayout(tmp, "v1", 9, 100, 200);
    RandomImages.writeIndexLayout(tmp, "multi", 9, 300);

    List<Path> blobs;
    try (Stream<Path> files = Files.list(tmp.resolve("blobs/sha256"))) {
      blobs = files.toList();
    }
    // image: 2 layers, config, manifest; index: per platform 1 layer, config, manifest; the index
    assertThat(blobs).hasSize(4 + 2 * 3 + 1);
    for (Path blob : blobs) {
      try (InputStream in = Files.newInputStream(blob)) {
        assertThat(Digest.compute(Digest.SHA256, in).encoded())
            .isEqualTo(blob.getFileName().toString());
      }
    }
  }

  @Test
  void manifestIsAnOciManifestThatHoistsParserAccepts() throws IOException {
    ImageLayout image = RandomImages.writeLayout(tmp, "v1", 11, 10, 20);
    byte[] raw = Files.readAllBytes(blobPath(tmp, image.manifestDigest()));

    Manifest parsed = Manifest.parse(raw, MediaTypes.OCI_MANIFEST, image.manifestDigest());

    assertThat(parsed).isInstanceOf(ImageManifest.class);
    assertThat(parsed.size()).isEqualTo(image.image().manifest().size());
    List<Descriptor> refs = parsed.references();
    assertThat(refs.get(0))
        .isEqualTo(
            new Descriptor(
                MediaTypes.OCI_CONFIG, image.configDigest(), image.image().config().size()));
    assertThat(refs.subList(1, refs.size()).stream().map(Descriptor::digest))
        .containsExactlyElementsOf(image.layerDigests());
    assertThat(refs.subList(1, refs.size()))
        .allSatisfy(d -> assertThat(d.mediaType()).isEqualTo(MediaTypes.OCI_LAYER_TAR_GZIP));
  }

  @Test
  void configListsTheDiffIdsAndPlatform() throws IOException {
    ImageLayout image = RandomImages.writeLayout(tmp, "v1", 11, 10, 20);
    JsonNode config = JSON.readTree(blobPath(tmp, image.configDigest()).toFile());

    assertThat(config.path("os").asText()).isEqualTo("linux");
    assertThat(config.path("architecture").asText()).isEqualTo("amd64");
    assertThat(config.path("rootfs").path("type").asText()).isEqualTo("layers");
    List<String> diffIds = new ArrayList<>();
    config.path("rootfs").path("diff_ids").forEach(d -> diffIds.add(d.asText()));
    assertThat(diffIds)
        .containsExactlyElementsOf(image.image().diffIds().stream().map(Digest::toString).toList());
  }

  @Test
  void layoutIndexNamesTheTagAndTheManifest() throws IOException {
    ImageLayout image = RandomImages.writeLayout(tmp, "v1", 1, 10);

    assertThat(Files.readString(tmp.resolve("oci-layout")))
        .isEqualTo("{\"imageLayoutVersion\":\"1.0.0\"}");
    JsonNode entries = JSON.readTree(tmp.resolve("index.json").toFile()).path("manifests");
    assertThat(entries).hasSize(1);
    assertThat(entries.get(0).path("digest").asText()).isEqualTo(image.manifestDigest().toString());
    assertThat(entries.get(0).path("mediaType").asText()).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(entries.get(0).path("annotations").path(RandomImages.REF_NAME).asText())
        .isEqualTo("v1");
    assertThat(image.ociReference()).isEqualTo("oci:" + tmp + ":v1");
  }

  @Test
  void severalTagsShareOneLayoutAndRewritingATagReplacesIt() throws IOException {
    RandomImages.writeLayout(tmp, "a", 1, 10);
    RandomImages.writeLayout(tmp, "b", 2, 10);
    ImageLayout again = RandomImages.writeLayout(tmp, "a", 3, 10);

    JsonNode entries = JSON.readTree(tmp.resolve("index.json").toFile()).path("manifests");
    assertThat(entries).hasSize(2);
    List<String> tags = new ArrayList<>();
    entries.forEach(e -> tags.add(e.path("annotations").path(RandomImages.REF_NAME).asText()));
    assertThat(tags).containsExactlyInAnyOrder("a", "b");
    for (JsonNode e : entries) {
      if (e.path("annotations").path(RandomImages.REF_NAME).asText().equals("a")) {
        assertThat(e.path("digest").asText()).isEqualTo(again.manifestDigest().toString());
      }
    }
  }

  @Test
  void indexLayoutHasOneImagePerPlatformWithTheirOwnLayers() throws IOException {
    IndexLayout index = RandomImages.writeIndexLayout(tmp, "multi", 5, 100, 200);
    byte[] raw = Files.readAllBytes(blobPath(tmp, index.indexDigest()));

    Manifest parsed = Manifest.parse(raw, MediaTypes.OCI_INDEX, index.indexDigest());

    assertThat(parsed).isInstanceOf(ImageIndex.class);
    ImageIndex imageIndex = (ImageIndex) parsed;
    assertThat(imageIndex.select(Platform.parse("linux/arm64")).orElseThrow().digest())
        .isEqualTo(index.image("linux/arm64").manifestDigest());
    assertThat(imageIndex.select(Platform.parse("linux/amd64")).orElseThrow().digest())
        .isEqualTo(index.image("linux/amd64").manifestDigest());
    assertThat(index.image("linux/arm64").layerDigests())
        .doesNotContainAnyElementsOf(index.image("linux/amd64").layerDigests());
    JsonNode entry = JSON.readTree(tmp.resolve("index.json").toFile()).path("manifests").get(0);
    assertThat(entry.path("mediaType").asText()).isEqualTo(MediaTypes.OCI_INDEX);
    assertThat(entry.path("digest").asText()).isEqualTo(index.indexDigest().toString());
  }

  @Test
  void indexLayoutIsDeterministic() {
    IndexLayout a = RandomImages.writeIndexLayout(tmp.resolve("a"), "m", 8, 50);
    IndexLayout b = RandomImages.writeIndexLayout(tmp.resolve("b"), "m", 8, 50);

    assertThat(b.index()).isEqualTo(a.index());
    assertThat(b.manifests()).isEqualTo(a.manifests());
  }

  @Test
  void randomBytesAreDeterministic() {
    assertThat(RandomImages.randomBytes(4, 100_000))
        .isEqualTo(RandomImages.randomBytes(4, 100_000));
    assertThat(RandomImages.randomBytes(4, 100)).isNotEqualTo(RandomImages.randomBytes(5, 100));
  }

  @Test
  void invalidTagsAndSizesAreRefused() {
    assertThatThrownBy(() -> RandomImages.writeLayout(tmp, "-bad", 1, 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RandomImages.writeLayout(tmp, "v1", 1, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static String pinnedLayerDigest() {
    return "sha256:7a48854b8659dc84ecf48c70db0c55e6c99396707a7224a5236c1891f124bffe";
  }

  private static Path blobPath(Path layout, Digest digest) {
    return layout.resolve("blobs").resolve(digest.algorithm()).resolve(digest.encoded());
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.US_ASCII);
  }

  private static long checksum(byte[] header) {
    long sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : header[i] & 0xff;
    }
    return sum;
  }
}
