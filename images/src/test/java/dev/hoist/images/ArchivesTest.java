package dev.hoist.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.ImageReference;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code save} and {@code load} without external tools: what the archives hold, and round trips.
 */
class ArchivesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Platform AMD64 = new Platform("linux", "amd64");

  @TempDir Path tmp;
  ImageStore a;
  ImageStore b;
  byte[] base;
  byte[] top;

  @BeforeEach
  void setUp() throws IOException {
    a = ImageStore.open(tmp.resolve("a"));
    b = ImageStore.open(tmp.resolve("b"));
    base = new HandmadeImages.Layer().dir("etc", 0755).file("etc/os", "hoist").tar();
    top = new HandmadeImages.Layer().file("app", "v1", 0755).tar();
  }

  private static Map<String, byte[]> untar(Path file) throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (InputStream in = Files.newInputStream(file);
        TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        out.put(e.getName(), e.isDirectory() ? new byte[0] : tar.readAllBytes());
      }
    }
    return out;
  }

  private static void tar(Path file, Map<String, byte[]> entries) throws IOException {
    try (OutputStream o = Files.newOutputStream(file);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(o)) {
      for (Map.Entry<String, byte[]> en : entries.entrySet()) {
        TarArchiveEntry e = new TarArchiveEntry(en.getKey());
        e.setSize(en.getValue().length);
        tar.putArchiveEntry(e);
        tar.write(en.getValue());
        tar.closeArchiveEntry();
      }
    }
  }

  @Test
  void saveWritesManifestConfigUncompressedLayersAndRepositories() throws Exception {
    ImageManifest m =
        HandmadeImages.store(
            a, "example.com/app:1", List.of(HandmadeImages.gzip(base), HandmadeImages.gzip(top)));
    HandmadeImages.store(
        a, "example.com/app:latest", List.of(HandmadeImages.gzip(base), HandmadeImages.gzip(top)));
    Path file = tmp.resolve("out.tar");

    List<String> tags =
        new DockerArchiveWriter(a, AMD64)
            .save(List.of("example.com/app:1", "example.com/app"), file);

    assertThat(tags).containsExactly("example.com/app:1", "example.com/app:latest");
    Map<String, byte[]> entries = untar(file);
    JsonNode manifest = JSON.readTree(entries.get("manifest.json"));
    assertThat(manifest).hasSize(1);
    String configName = m.config().digest().encoded() + ".json";
    assertThat(manifest.get(0).get("Config").asText()).isEqualTo(configName);
    assertThat(manifest.get(0).get("RepoTags"))
        .extracting(JsonNode::asText)
        .containsExactly("example.com/app:1", "example.com/app:latest");
    Digest baseId = Digest.sha256(base);
    Digest topId = DockerArchiveWriter.chainOf(baseId, Digest.sha256(top));
    assertThat(manifest.get(0).get("Layers"))
        .extracting(JsonNode::asText)
        .containsExactly(baseId.encoded() + "/layer.tar", topId.encoded() + "/layer.tar");
    assertThat(entries.get(baseId.encoded() + "/layer.tar")).isEqualTo(base);
    assertThat(entries.get(topId.encoded() + "/layer.tar")).isEqualTo(top);
    assertThat(entries.get(configName)).isEqualTo(a.readBlob(m.config().digest()));
    assertThat(JSON.readTree(entries.get("repositories")).get("example.com/app").get("1").asText())
        .isEqualTo(topId.encoded());
    assertThat(new String(entries.get(baseId.encoded() + "/VERSION"), StandardCharsets.UTF_8))
        .isEqualTo("1.0");
  }

  @Test
  void aSavedArchiveLoadsBackAsTheSameImageWithUncompressedLayers() throws Exception {
    ImageManifest m =
        HandmadeImages.store(
            a, "example.com/app:1", List.of(HandmadeImages.gzip(base), HandmadeImages.gzip(top)));
    Path file = tmp.resolve("out.tar");
    new DockerArchiveWriter(a, AMD64).save(List.of("example.com/app:1"), file);

    List<ArchiveLoader.Loaded> loaded = new ArchiveLoader(b).load(file);

    assertThat(loaded).hasSize(1);
    assertThat(loaded.get(0).name()).isEqualTo(ImageReference.parse("example.com/app:1"));
    assertThat(loaded.get(0).id()).isEqualTo(m.config().digest());
    Descriptor d = b.resolve(ImageReference.parse("example.com/app:1")).orElseThrow().descriptor();
    ImageManifest copy = (ImageManifest) b.readManifest(d);
    assertThat(copy.config().digest()).isEqualTo(m.config().digest());
    assertThat(copy.layers())
        .extracting(Descriptor::mediaType)
        .containsOnly(MediaTypes.OCI_LAYER_TAR);
    assertThat(copy.layers())
        .extracting(Descriptor::digest)
        .containsExactly(Digest.sha256(base), Digest.sha256(top));
    assertThat(d.platform()).isEqualTo(AMD64);
    assertThat(b.missing(d)).isEmpty();
    assertThat(new LocalImages(b).find("example.com/app:1").id()).isEqualTo(m.config().digest());

    List<ArchiveLoader.Loaded> again = new ArchiveLoader(b).load(file);
    assertThat(again.get(0).descriptor().digest()).isEqualTo(d.digest());
  }

  @Test
  void aLayerThatDoesNotMatchItsDiffIdIsRefused() throws Exception {
    HandmadeImages.store(a, "example.com/app:1", List.of(HandmadeImages.gzip(base)));
    Path file = tmp.resolve("out.tar");
    new DockerArchiveWriter(a, AMD64).save(List.of("example.com/app:1"), file);
    Map<String, byte[]> entries = untar(file);
    String layer = Digest.sha256(base).encoded() + "/layer.tar";
    byte[] tampered = entries.get(layer).clone();
    tampered[600] ^= 1;
    entries.put(layer, tampered);
    Path bad = tmp.resolve("bad.tar");
    tar(bad, entries);

    assertThatThrownBy(() -> new ArchiveLoader(b).load(bad))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("does not match its diff_id");
    assertThat(b.list()).isEmpty();
  }

  @Test
  void anArchiveWithoutRepoTagsIsKeptUntagged() throws Exception {
    ImageManifest m = HandmadeImages.store(a, "example.com/app:1", List.of(base));
    Path file = tmp.resolve("out.tar");
    new DockerArchiveWriter(a, AMD64).save(List.of(m.config().digest().encoded()), file);
    assertThat(JSON.readTree(untar(file).get("manifest.json")).get(0).get("RepoTags")).isEmpty();

    List<ArchiveLoader.Loaded> loaded = new ArchiveLoader(b).load(file);

    assertThat(loaded.get(0).name()).isNull();
    assertThat(b.list()).hasSize(1);
    assertThat(b.list().get(0).name()).isNull();
    assertThat(new LocalImages(b).all().get(0).id()).isEqualTo(m.config().digest());
  }

  @Test
  void aGzipCompressedArchiveLoads() throws Exception {
    HandmadeImages.store(a, "example.com/app:1", List.of(base));
    Path file = tmp.resolve("out.tar");
    new DockerArchiveWriter(a, AMD64).save(List.of("example.com/app:1"), file);
    Path gz = tmp.resolve("out.tar.gz");
    Files.write(gz, HandmadeImages.gzip(Files.readAllBytes(file)));

    assertThat(new ArchiveLoader(b).load(gz))
        .extracting(l -> l.name().familiar())
        .containsExactly("example.com/app:1");
  }

  @Test
  void anOciArchiveIsStoredAsItIsAndNamedByAFullRefName() throws Exception {
    Path layout = tmp.resolve("layout");
    HandmadeImages.Built built =
        HandmadeImages.writeLayout(layout, "example.com/oci:2", List.of(HandmadeImages.gzip(top)));
    Path file = tmp.resolve("oci.tar");
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (Stream<Path> s = Files.walk(layout)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        entries.put(layout.relativize(p).toString(), Files.readAllBytes(p));
      }
    }
    tar(file, entries);

    List<ArchiveLoader.Loaded> loaded = new ArchiveLoader(b).load(file);

    assertThat(loaded).hasSize(1);
    assertThat(loaded.get(0).name().familiar()).isEqualTo("example.com/oci:2");
    assertThat(loaded.get(0).descriptor().digest()).isEqualTo(built.manifestDigest());
    assertThat(loaded.get(0).id()).isEqualTo(built.configDigest());
  }

  @Test
  void anOciArchiveNamedOnlyByATagIsKeptUntagged() throws Exception {
    Path layout = tmp.resolve("layout");
    HandmadeImages.writeLayout(layout, "v1", List.of(top));
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (Stream<Path> s = Files.walk(layout)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        entries.put("./" + layout.relativize(p), Files.readAllBytes(p));
      }
    }
    Path file = tmp.resolve("oci.tar");
    tar(file, entries);

    List<ArchiveLoader.Loaded> loaded = new ArchiveLoader(b).load(file);

    assertThat(loaded.get(0).name()).isNull();
    assertThat(b.list()).singleElement().satisfies(e -> assertThat(e.name()).isNull());
  }

  @Test
  void somethingElseIsNotAnArchive() throws IOException {
    Path file = tmp.resolve("junk");
    Files.writeString(file, "not a tar at all, just some text that is long enough".repeat(20));
    Path empty = tmp.resolve("empty.tar");
    tar(empty, Map.of("hello.txt", "hi".getBytes(StandardCharsets.UTF_8)));

    assertThatThrownBy(() -> new ArchiveLoader(b).load(file))
        .isInstanceOf(ImageException.class)
        .satisfies(
            e -> assertThat(((ImageException) e).kind()).isEqualTo(ImageException.Kind.USAGE));
    assertThatThrownBy(() -> new ArchiveLoader(b).load(empty))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("neither a docker-archive");
  }

  @Test
  void zstdLayersCannotBeSaved() throws IOException {
    byte[] zstd = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0, 0, 0};
    HandmadeImages.store(a, "example.com/z:1", List.of(zstd));

    assertThatThrownBy(
            () ->
                new DockerArchiveWriter(a, AMD64)
                    .save(List.of("example.com/z:1"), tmp.resolve("z.tar")))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("zstd-compressed");
    assertThat(tmp.resolve("z.tar")).doesNotExist();
    try (Stream<Path> s = Files.list(tmp)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("a", "b");
    }
  }

  @Test
  void savingAnUnknownImageSaysSo() {
    assertThatThrownBy(
            () -> new DockerArchiveWriter(a, AMD64).save(List.of("nope:1"), tmp.resolve("x.tar")))
        .isInstanceOf(ImageException.class)
        .hasMessage("No such image: nope:1");
  }

  @Test
  void chainIdsFollowTheImageSpec() {
    Digest d1 = Digest.sha256("one".getBytes(StandardCharsets.UTF_8));
    Digest d2 = Digest.sha256("two".getBytes(StandardCharsets.UTF_8));

    assertThat(DockerArchiveWriter.chainOf(d1, d2))
        .isEqualTo(Digest.sha256((d1 + " " + d2).getBytes(StandardCharsets.UTF_8)));
  }
}
