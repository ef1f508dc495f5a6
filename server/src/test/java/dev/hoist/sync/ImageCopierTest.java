package dev.hoist.sync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.client.copy.ImageCopier;
import dev.hoist.client.copy.ImageSource;
import dev.hoist.oci.Digest;
import dev.hoist.oci.Platform;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.repository.LocalNamespace;
import dev.hoist.storage.CacheRepositories;
import dev.hoist.storage.CachedImage;
import dev.hoist.storage.ManifestRecord;
import dev.hoist.storage.MirrorTagState;
import dev.hoist.testkit.MemoryBlobStore;
import dev.hoist.testkit.MemoryMetadataStore;
import dev.hoist.testkit.RandomImages;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageCopierTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final RepositoryName FROM = RepositoryName.of("library/app");
  private static final RepositoryName TO = RepositoryName.of("mirror/app");

  @TempDir Path dir;
  final MemoryBlobStore blobs = new MemoryBlobStore();
  final MemoryMetadataStore metadata = new MemoryMetadataStore();
  final InstantSource clock = InstantSource.fixed(Instant.parse("2026-11-30T12:00:00Z"));
  final LocalNamespace local = new LocalNamespace(blobs, metadata, clock);

  /** An OCI layout as a source, recording what it was asked. */
  final class LayoutSource implements ImageSource {
    final Path layout;
    final Map<String, Digest> tags;
    final List<String> calls = new ArrayList<>();
    final boolean fillsTheStore;

    LayoutSource(Path layout, Map<String, Digest> tags) {
      this(layout, tags, false);
    }

    /**
     * {@code fillsTheStore}: each blob read is stored first, as the mirror's fills do for a copy
     * into the mirror cache.
     */
    LayoutSource(Path layout, Map<String, Digest> tags, boolean fillsTheStore) {
      this.layout = layout;
      this.tags = tags;
      this.fillsTheStore = fillsTheStore;
    }

    private Path blobPath(Digest d) {
      return layout.resolve("blobs").resolve(d.algorithm().toString()).resolve(d.encoded());
    }

    @Override
    public Optional<Digest> resolve(RepositoryName repository, String tag) {
      calls.add("HEAD " + tag);
      return Optional.ofNullable(tags.get(tag));
    }

    @Override
    public Fetched manifest(RepositoryName repository, Digest digest) throws IOException {
      calls.add("GET manifest " + digest);
      byte[] bytes = Files.readAllBytes(blobPath(digest));
      return new Fetched(bytes, JSON.readTree(bytes).get("mediaType").asText());
    }

    @Override
    public InputStream blob(RepositoryName repository, Digest digest) throws IOException {
      calls.add("GET blob " + digest);
      if (fillsTheStore && blobs.size(digest).isEmpty()) {
        blobs.put(digest, Files.readAllBytes(blobPath(digest)));
      }
      return Files.newInputStream(blobPath(digest));
    }

    @Override
    public List<String> tags(RepositoryName repository) {
      return List.copyOf(tags.keySet());
    }
  }

  private Optional<ManifestRecord> manifest(RepositoryName repository, Digest digest) {
    return metadata.read(tx -> tx.manifest(repository, digest));
  }

  private Optional<Long> link(RepositoryName repository, Digest digest) {
    return metadata.read(tx -> tx.linkedBlobSize(repository, digest));
  }

  @Test
  void aPlatformFilteredIndexIsStoredAsIsWithOnlyTheChosenPlatformsChildren() throws Exception {
    RandomImages.IndexLayout index =
        RandomImages.writeIndexLayout(dir.resolve("layout"), "1", 7, 1_000, 2_000);
    LayoutSource source = new LayoutSource(index.dir(), Map.of("1", index.indexDigest()));
    ImageCopier copier = new ImageCopier(source, new LocalDestination(local));

    ImageCopier.Result result =
        copier.copyTag(FROM, Tag.of("1"), TO, List.of(Platform.parse("linux/arm64"))).orElseThrow();

    assertThat(result.copied()).isTrue();
    RandomImages.Image arm = index.image("linux/arm64");
    RandomImages.Image amd = index.image("linux/amd64");
    Optional<Digest> tagged = metadata.read(tx -> tx.tag(TO, Tag.of("1")));
    assertThat(tagged).contains(index.indexDigest());
    assertThat(blobs.size(index.indexDigest())).isPresent();
    assertThat(manifest(TO, arm.manifestDigest())).isPresent();
    for (Digest layer : arm.layerDigests()) {
      assertThat(link(TO, layer)).isPresent();
    }
    assertThat(manifest(TO, amd.manifestDigest())).isEmpty();
    assertThat(blobs.size(amd.configDigest())).isEmpty();
  }

  @Test
  void anUnchangedTagCostsOneHeadAndNothingElse() throws Exception {
    RandomImages.ImageLayout image = RandomImages.writeLayout(dir.resolve("layout"), "1", 8, 1_000);
    LayoutSource source = new LayoutSource(image.dir(), Map.of("1", image.manifestDigest()));
    ImageCopier copier = new ImageCopier(source, new LocalDestination(local));
    copier.copyTag(FROM, Tag.of("1"), TO, List.of());
    source.calls.clear();

    ImageCopier.Result again = copier.copyTag(FROM, Tag.of("1"), TO, List.of()).orElseThrow();

    assertThat(again.copied()).isFalse();
    assertThat(again.bytes()).isZero();
    assertThat(source.calls).containsExactly("HEAD 1");
  }

  @Test
  void intoTheMirrorCacheAManifestIsUntaggedAndTheTagIsRecordedAsJustChecked() throws Exception {
    RandomImages.ImageLayout image = RandomImages.writeLayout(dir.resolve("layout"), "1", 9, 1_000);
    LayoutSource source = new LayoutSource(image.dir(), Map.of("1", image.manifestDigest()), true);
    RepositoryName cache = RepositoryName.of("docker.io/library/app");
    ImageCopier copier =
        new ImageCopier(source, new MirrorCacheDestination(local.mirrorCache(), clock, null));

    copier.copyTag(FROM, Tag.of("1"), cache, List.of());

    Optional<MirrorTagState> state = metadata.read(tx -> tx.mirrorTag(cache, Tag.of("1")));
    Optional<Digest> tag = metadata.read(tx -> tx.tag(cache, Tag.of("1")));
    assertThat(state)
        .contains(new MirrorTagState(cache, Tag.of("1"), image.manifestDigest(), clock.instant()));
    assertThat(tag).isEmpty();
    assertThat(manifest(cache, image.manifestDigest())).isPresent();
  }

  @Test
  void aMissingTagCopiesNothing() throws Exception {
    RandomImages.ImageLayout image =
        RandomImages.writeLayout(dir.resolve("layout"), "1", 10, 1_000);
    LayoutSource source = new LayoutSource(image.dir(), Map.of());
    ImageCopier copier = new ImageCopier(source, new LocalDestination(local));
    assertThat(copier.copyTag(FROM, Tag.of("1"), TO, List.of())).isEmpty();
  }

  @Test
  void aSyncRulesCopiesIntoTheMirrorCacheAreKeptFromEvictionUntilTheRuleGoes() throws Exception {
    RandomImages.ImageLayout image =
        RandomImages.writeLayout(dir.resolve("layout"), "1", 11, 1_000);
    LayoutSource source = new LayoutSource(image.dir(), Map.of("1", image.manifestDigest()), true);
    RepositoryName cache = RepositoryName.of("docker.io/library/app");
    CacheRepositories mirror = new CacheRepositories(List.of("docker.io"));
    ImageCopier copier =
        new ImageCopier(source, new MirrorCacheDestination(local.mirrorCache(), clock, "nightly"));

    copier.copyTag(FROM, Tag.of("1"), cache, List.of());

    // The store stamps uses with the system clock, not the copier's.
    Instant later = Instant.now().plusSeconds(3600);
    List<CachedImage> whileKept =
        metadata.read(tx -> tx.lifecycle().leastRecentlyUsedImages(mirror, later, 10));
    metadata.write(tx -> tx.lifecycle().releaseKeptMirrorTags("nightly"));
    List<CachedImage> released =
        metadata.read(tx -> tx.lifecycle().leastRecentlyUsedImages(mirror, later, 10));

    assertThat(whileKept).as("kept by the rule").isEmpty();
    assertThat(released).extracting(CachedImage::digest).containsExactly(image.manifestDigest());
  }
}
