package dev.hoist.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootfsExporterTest {
  @TempDir Path tmp;
  ImageStore store;
  Path out;
  Path outside;

  @BeforeEach
  void setUp() throws IOException {
    store = ImageStore.open(tmp.resolve("store"));
    out = tmp.resolve("work").resolve("rootfs");
    outside = tmp.resolve("outside");
    Files.createDirectories(outside);
    Files.writeString(outside.resolve("secret"), "untouched");
  }

  private RootfsExporter.Summary export(HandmadeImages.Layer... layers)
      throws IOException, ImageException {
    List<byte[]> blobs = Stream.of(layers).map(HandmadeImages.Layer::gzip).toList();
    ImageManifest m = HandmadeImages.store(store, "test/image:1", blobs);
    return new RootfsExporter(store).export(m, out);
  }

  private static int mode(Path p) throws IOException {
    return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
  }

  private void assertNothingOutside() throws IOException {
    try (Stream<Path> s = Files.list(outside)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("secret");
    }
    assertThat(Files.readString(outside.resolve("secret"))).isEqualTo("untouched");
    try (Stream<Path> s = Files.list(out.getParent())) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("rootfs");
    }
  }

  @Test
  void laterLayersReplaceFilesAndWhiteoutsDeleteFilesAndWholeTrees() throws Exception {
    export(
        new HandmadeImages.Layer()
            .dir("etc", 0755)
            .file("etc/a", "a1")
            .file("etc/b", "b1")
            .file("gone/dir/file", "x")
            .file("keep/x", "kept"),
        new HandmadeImages.Layer()
            .file("etc/a", "a2")
            .whiteout("etc/b")
            .whiteout("gone")
            .file("etc/new", "n"));

    assertThat(Files.readString(out.resolve("etc/a"))).isEqualTo("a2");
    assertThat(out.resolve("etc/b")).doesNotExist();
    assertThat(out.resolve("etc/.wh.b")).doesNotExist();
    assertThat(out.resolve("gone")).doesNotExist();
    assertThat(out.resolve(".wh.gone")).doesNotExist();
    assertThat(Files.readString(out.resolve("keep/x"))).isEqualTo("kept");
    assertThat(Files.readString(out.resolve("etc/new"))).isEqualTo("n");
  }

  @Test
  void anOpaqueDirectoryHidesLowerContentButKeepsItsOwnLayersEntriesWhateverTheirOrder()
      throws Exception {
    export(
        new HandmadeImages.Layer()
            .file("opq/old", "1")
            .file("opq/sub/older", "2")
            .file("opq/both/lower", "3")
            .file("other/stays", "4"),
        new HandmadeImages.Layer()
            .file("opq/new-before-marker", "5")
            .dir("opq/both", 0755)
            .file("opq/both/upper", "6")
            .opaque("opq")
            .file("opq/new-after-marker", "7"));

    try (Stream<Path> s = Files.list(out.resolve("opq"))) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("new-before-marker", "new-after-marker", "both");
    }
    try (Stream<Path> s = Files.list(out.resolve("opq/both"))) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("upper");
    }
    assertThat(out.resolve("opq/.wh..wh..opq")).doesNotExist();
    assertThat(Files.readString(out.resolve("other/stays"))).isEqualTo("4");
  }

  @Test
  void aWhiteoutDoesNotDeleteAnEntryOfItsOwnLayer() throws Exception {
    export(
        new HandmadeImages.Layer().file("a/lower", "1"),
        new HandmadeImages.Layer().file("a/same", "2").whiteout("a/same").whiteout("a/lower"));

    assertThat(Files.readString(out.resolve("a/same"))).isEqualTo("2");
    assertThat(out.resolve("a/lower")).doesNotExist();
  }

  @Test
  void modesSymlinksAndHardLinksAreKept() throws Exception {
    export(
        new HandmadeImages.Layer()
            .dir("bin", 0755)
            .file("bin/tool", "#!/bin/sh\n", 04755)
            .file("bin/private", "p", 0600)
            .symlink("bin/sh", "tool")
            .symlink("abs", "/bin/tool")
            .hardlink("bin/tool-again", "bin/tool")
            .dir("ro", 0555)
            .file("ro/inside", "r", 0444));

    assertThat(mode(out.resolve("bin/tool"))).isEqualTo(04755);
    assertThat(mode(out.resolve("bin/private"))).isEqualTo(0600);
    assertThat(Files.readSymbolicLink(out.resolve("bin/sh")).toString()).isEqualTo("tool");
    assertThat(Files.readSymbolicLink(out.resolve("abs")).toString()).isEqualTo("/bin/tool");
    assertThat(Files.isSameFile(out.resolve("bin/tool"), out.resolve("bin/tool-again"))).isTrue();
    assertThat(Files.getAttribute(out.resolve("bin/tool"), "unix:nlink")).isEqualTo(2);
    assertThat(mode(out.resolve("ro"))).isEqualTo(0555);
    assertThat(Files.readString(out.resolve("ro/inside"))).isEqualTo("r");
    assertThat(Files.getLastModifiedTime(out.resolve("bin/private")).toMillis())
        .isEqualTo(1_700_000_000_000L);
  }

  @Test
  void aFileReplacesADirectoryAndADirectoryReplacesAFile() throws Exception {
    export(
        new HandmadeImages.Layer().file("x/inner", "1").file("y", "2"),
        new HandmadeImages.Layer().file("x", "now a file").file("y/inner", "now a dir"));

    assertThat(Files.readString(out.resolve("x"))).isEqualTo("now a file");
    assertThat(Files.readString(out.resolve("y/inner"))).isEqualTo("now a dir");
  }

  @Test
  void refusesDotDotEntries() {
    assertThatThrownBy(() -> export(new HandmadeImages.Layer().file("../../outside/evil", "x")))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("'../../outside/evil'")
        .hasMessageContaining("would land outside");
    assertThat(tmp.resolve("outside/evil")).doesNotExist();
  }

  @Test
  void refusesAbsolutePaths() throws IOException {
    String target = outside.resolve("abs-evil").toString();

    assertThatThrownBy(() -> export(new HandmadeImages.Layer().file(target, "x")))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("absolute path");
    assertNothingOutside();
  }

  @Test
  void refusesToWriteThroughASymlinkThatClimbsOut() throws IOException {
    assertThatThrownBy(
            () ->
                export(
                    new HandmadeImages.Layer().symlink("esc", "../../outside"),
                    new HandmadeImages.Layer().file("esc/pwned", "x")))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("'esc/pwned'")
        .hasMessageContaining("symbolic link 'esc'");
    assertNothingOutside();
  }

  @Test
  void refusesSymlinkChainsThatClimbOutWithinOneLayer() throws IOException {
    assertThatThrownBy(
            () ->
                export(
                    new HandmadeImages.Layer()
                        .dir("a", 0755)
                        .symlink("a/up", "..")
                        .symlink("a/out", "up/../..")
                        .file("a/out/outside/pwned", "x")))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("would land outside");
    assertNothingOutside();
  }

  @Test
  void aSymlinkLoopIsAnErrorNotAHang() throws IOException {
    assertThatThrownBy(
            () ->
                export(
                    new HandmadeImages.Layer().symlink("a", "b").symlink("b", "a"),
                    new HandmadeImages.Layer().file("a/x", "1")))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("too many levels of symbolic links");
    assertNothingOutside();
  }

  @Test
  void anAbsoluteSymlinkIsFollowedInsideTheTargetDirectory() throws Exception {
    String absoluteOutside = outside.toString();

    export(
        new HandmadeImages.Layer().symlink("lib", absoluteOutside),
        new HandmadeImages.Layer().file("lib/inside", "scoped"));

    assertNothingOutside();
    assertThat(Files.readString(out.resolve(absoluteOutside.substring(1)).resolve("inside")))
        .isEqualTo("scoped");
  }

  @Test
  void aFileOverASymlinkReplacesTheLinkInsteadOfWritingThroughIt() throws Exception {
    export(
        new HandmadeImages.Layer().symlink("victim", outside.resolve("secret").toString()),
        new HandmadeImages.Layer().file("victim", "mine"));

    assertNothingOutside();
    assertThat(Files.isSymbolicLink(out.resolve("victim"))).isFalse();
    assertThat(Files.readString(out.resolve("victim"))).isEqualTo("mine");
  }

  @Test
  void refusesHardLinksToOutside() throws IOException {
    assertThatThrownBy(
            () -> export(new HandmadeImages.Layer().hardlink("hl", "../../outside/secret")))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("would land outside");
    assertNothingOutside();
  }

  @Test
  void aWhiteoutDoesNotDeleteThroughASymlinkThatClimbsOut() throws IOException {
    assertThatThrownBy(
            () ->
                export(
                    new HandmadeImages.Layer().symlink("esc", "../../outside"),
                    new HandmadeImages.Layer().whiteout("esc/secret")))
        .isInstanceOf(ImageException.class);
    assertNothingOutside();
  }

  @Test
  void deviceNodesAreSkippedAndReported() throws Exception {
    RootfsExporter.Summary s =
        export(new HandmadeImages.Layer().dir("dev", 0755).charDevice("dev/null").file("ok", "1"));

    assertThat(s.skipped()).containsExactly("dev/null (device)");
    assertThat(out.resolve("ok")).exists();
  }

  @Test
  void plainTarLayersAreReadAsTheyAre() throws Exception {
    ImageManifest m =
        HandmadeImages.store(
            store, "test/plain:1", List.of(new HandmadeImages.Layer().file("p", "plain").tar()));

    new RootfsExporter(store).export(m, out);

    assertThat(Files.readString(out.resolve("p"))).isEqualTo("plain");
  }

  @Test
  void zstdLayersGiveAClearError() throws IOException {
    byte[] zstd = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0, 0, 0};
    ImageManifest m = HandmadeImages.store(store, "test/zstd:1", List.of(zstd));

    assertThatThrownBy(() -> new RootfsExporter(store).export(m, out))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("zstd-compressed")
        .hasMessageContaining("only gzip and uncompressed tar");
  }

  @Test
  void refusesANonEmptyDirectory() throws IOException {
    Files.createDirectories(out);
    Files.writeString(out.resolve("already"), "here");
    ImageManifest m =
        HandmadeImages.store(
            store, "test/x:1", List.of(new HandmadeImages.Layer().file("f", "1").gzip()));

    assertThatThrownBy(() -> new RootfsExporter(store).export(m, out))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("is not empty");
  }

  @Test
  void exportByNamePicksThePlatformImage() throws Exception {
    HandmadeImages.store(
        store, "test/named:1", List.of(new HandmadeImages.Layer().file("hello", "world").gzip()));

    new RootfsExporter(store).export("test/named:1", new Platform("linux", "amd64"), out);

    assertThat(Files.readString(out.resolve("hello"))).isEqualTo("world");
  }
}
