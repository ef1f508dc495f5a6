package dev.hoist.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestMismatchException;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageReference;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreTest {
  @TempDir Path root;

  /** A tiny but complete image: a config, one layer, a manifest; returns its descriptor. */
  static Descriptor writeImage(ImageStore store, String seed) throws IOException {
    Digest layer = store.writeBlob(("layer " + seed).getBytes(StandardCharsets.UTF_8));
    byte[] config =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-02T03:04:05Z\","
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + layer
                + "\"]},\"config\":{\"Env\":[\"SEED="
                + seed
                + "\"]}}")
            .getBytes(StandardCharsets.UTF_8);
    Digest configDigest = store.writeBlob(config);
    byte[] manifest =
        ("{\"schemaVersion\":2,\"mediaType\":\""
                + MediaTypes.OCI_MANIFEST
                + "\",\"config\":{\"mediaType\":\""
                + MediaTypes.OCI_CONFIG
                + "\",\"digest\":\""
                + configDigest
                + "\",\"size\":"
                + config.length
                + "},\"layers\":[{\"mediaType\":\""
                + MediaTypes.OCI_LAYER_TAR
                + "\",\"digest\":\""
                + layer
                + "\",\"size\":"
                + ("layer " + seed).length()
                + "}]}")
            .getBytes(StandardCharsets.UTF_8);
    Digest m = store.writeBlob(manifest);
    return new Descriptor(MediaTypes.OCI_MANIFEST, m, manifest.length);
  }

  @Test
  void openCreatesAnOciLayout() throws IOException {
    ImageStore.open(root);

    assertThat(root.resolve("oci-layout")).hasContent("{\"imageLayoutVersion\":\"1.0.0\"}");
    Manifest index = Manifest.parse(Files.readAllBytes(root.resolve("index.json")), null);
    assertThat(index).isInstanceOf(ImageIndex.class);
    assertThat(((ImageIndex) index).manifests()).isEmpty();
    assertThat(root.resolve("blobs/sha256")).isDirectory();
  }

  @Test
  void blobsAreStoredByDigestAndVerified() throws IOException {
    ImageStore store = ImageStore.open(root);
    byte[] content = "hello".getBytes(StandardCharsets.UTF_8);
    Digest d = Digest.sha256(content);

    assertThat(store.hasBlob(d)).isFalse();
    assertThat(store.writeBlob(d, new ByteArrayInputStream(content))).isEqualTo(5);
    assertThat(store.hasBlob(d)).isTrue();
    assertThat(store.blobPath(d)).isEqualTo(root.resolve("blobs/sha256/" + d.encoded()));
    assertThat(store.readBlob(d)).isEqualTo(content);

    Digest other = Digest.sha256("other".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> store.writeBlob(other, new ByteArrayInputStream(content)))
        .isInstanceOf(DigestMismatchException.class);
    assertThat(store.hasBlob(other)).isFalse();
    try (Stream<Path> left = Files.list(root.resolve("ingest"))) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void writingABlobThatIsPresentDoesNotReadTheContent() throws IOException {
    ImageStore store = ImageStore.open(root);
    Digest d = store.writeBlob("x".getBytes(StandardCharsets.UTF_8));

    long size =
        store.writeBlob(
            d,
            new java.io.InputStream() {
              @Override
              public int read() {
                throw new AssertionError("read although the blob is present");
              }
            });

    assertThat(size).isEqualTo(1);
  }

  @Test
  void blobWriterResumesAcrossSourcesAndStartsOverOnMismatch() throws IOException {
    ImageStore store = ImageStore.open(root);
    byte[] content = "0123456789".getBytes(StandardCharsets.UTF_8);
    Digest d = Digest.sha256(content);
    try (BlobWriter w = store.newBlobWriter(d, content.length)) {
      w.write(content, 0, 4); // first source broke off after 4 bytes
      assertThat(w.size()).isEqualTo(4);
      w.transferFrom(new ByteArrayInputStream("45678X".getBytes(StandardCharsets.UTF_8)), null);
      assertThatThrownBy(w::commit).isInstanceOf(DigestMismatchException.class);
      assertThat(w.size()).isZero(); // wrong bytes: start over
      w.transferFrom(new ByteArrayInputStream(content), null);
      w.commit();
    }
    assertThat(store.readBlob(d)).isEqualTo(content);
  }

  @Test
  void aBlobLargerThanTheEarlyFlushStepIsStoredWholeAfterAResetAndAnAbandonedWriterLeavesNothing()
      throws IOException {
    ImageStore store = ImageStore.open(root);
    byte[] content = new byte[80 << 20]; // 80 MiB: background flushes start every 32 MiB
    new java.util.Random(5).nextBytes(content);
    Digest d = Digest.sha256(content);
    try (BlobWriter w = store.newBlobWriter(d, content.length)) {
      w.transferFrom(new ByteArrayInputStream(content, 0, 40 << 20), null);
      w.reset(); // as after a source that sent wrong bytes
      w.transferFrom(new ByteArrayInputStream(content), null);
      w.commit();
    }
    try (java.io.InputStream in = store.openBlob(d)) {
      assertThat(Digest.compute("sha256", in)).isEqualTo(d);
    }
    assertThat(store.blobSize(d)).isEqualTo(content.length);

    byte[] other = java.util.Arrays.copyOf(content, 70 << 20);
    try (BlobWriter w = store.newBlobWriter(Digest.sha256(other), other.length)) {
      w.transferFrom(new ByteArrayInputStream(other, 0, 50 << 20), null);
    }
    assertThat(store.hasBlob(Digest.sha256(other))).isFalse();
    try (var left = java.nio.file.Files.list(root.resolve("ingest"))) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void blobWriterRefusesMoreBytesThanExpected() throws IOException {
    ImageStore store = ImageStore.open(root);
    byte[] content = "abc".getBytes(StandardCharsets.UTF_8);
    try (BlobWriter w = store.newBlobWriter(Digest.sha256(content), 3)) {
      assertThatThrownBy(() -> w.write("abcd".getBytes(StandardCharsets.UTF_8), 0, 4))
          .isInstanceOf(DigestMismatchException.class);
      assertThat(w.size()).isZero();
    }
  }

  @Test
  void tagResolveListAndUntag() throws IOException {
    ImageStore store = ImageStore.open(root);
    Descriptor image = writeImage(store, "a");
    ImageReference ref = ImageReference.parse("ubuntu");

    store.tag(ref, image);

    assertThat(store.resolve(ImageReference.parse("docker.io/library/ubuntu:latest")))
        .hasValueSatisfying(e -> assertThat(e.descriptor().digest()).isEqualTo(image.digest()));
    List<ImageStore.Entry> all = store.list();
    assertThat(all).hasSize(1);
    assertThat(all.get(0).name()).isEqualTo("docker.io/library/ubuntu:latest");
    assertThat(all.get(0).descriptor().annotations())
        .containsEntry(ImageStore.REF_NAME, "docker.io/library/ubuntu:latest");

    assertThat(store.untag(ref)).isPresent();
    assertThat(store.resolve(ref)).isEmpty();
    assertThat(store.untag(ref)).isEmpty();
  }

  @Test
  void movingATagKeepsThePreviousImageAsDangling() throws IOException {
    ImageStore store = ImageStore.open(root);
    Descriptor a = writeImage(store, "a");
    Descriptor b = writeImage(store, "b");
    ImageReference ref = ImageReference.parse("app:1");

    store.tag(ref, a);
    store.tag(ref, b);

    List<ImageStore.Entry> all = store.list();
    assertThat(all).hasSize(2);
    assertThat(store.resolve(ref).orElseThrow().descriptor().digest()).isEqualTo(b.digest());
    ImageStore.Entry dangling =
        all.stream().filter(e -> e.name() == null).findFirst().orElseThrow();
    assertThat(dangling.descriptor().digest()).isEqualTo(a.digest());
    assertThat(dangling.reference()).isNull();

    // Naming the dangling image again replaces its nameless entry.
    store.tag(ImageReference.parse("app:old"), a);
    assertThat(store.list()).hasSize(2).allSatisfy(e -> assertThat(e.name()).isNotNull());
  }

  @Test
  void resolveByDigestFindsTheRepoDigest() throws IOException {
    ImageStore store = ImageStore.open(root);
    Descriptor image = writeImage(store, "a");
    Digest indexDigest = Digest.sha256("some index".getBytes(StandardCharsets.UTF_8));
    store.tag(
        ImageReference.parse("ubuntu:24.04"),
        new Descriptor(
            image.mediaType(),
            image.digest(),
            image.size(),
            null,
            null,
            Map.of(ImageStore.REPO_DIGEST, indexDigest.toString()),
            List.of()));

    assertThat(store.resolve(ImageReference.parse("ubuntu@" + indexDigest))).isPresent();
    assertThat(store.resolve(ImageReference.parse("ubuntu@" + image.digest()))).isPresent();
    assertThat(store.resolve(ImageReference.parse("debian@" + indexDigest))).isEmpty();
  }

  @Test
  void tagRefusesAnIncompleteImage() throws IOException {
    ImageStore store = ImageStore.open(root);
    Descriptor image = writeImage(store, "a");
    Manifest m = store.readManifest(image);
    Files.delete(store.blobPath(m.references().get(1).digest()));

    assertThatThrownBy(() -> store.tag(ImageReference.parse("x"), image))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("lacks 1 of its blobs");
    assertThat(store.list()).isEmpty();
  }

  @Test
  void garbageCollectionKeepsWhatNamesReachAndDeletesTheRest() throws IOException {
    ImageStore store = ImageStore.open(root);
    Descriptor a = writeImage(store, "a");
    Descriptor b = writeImage(store, "b");
    store.tag(ImageReference.parse("a"), a);
    store.tag(ImageReference.parse("b"), b);
    Files.writeString(root.resolve("ingest/leftover.tmp"), "partial");

    assertThat(store.removeUnreferenced().removed()).isEmpty();
    assertThat(root.resolve("ingest/leftover.tmp")).doesNotExist();

    List<Descriptor> bParts = store.readManifest(b).references();
    store.untag(ImageReference.parse("b"));
    ImageStore.GcResult gc = store.removeUnreferenced();

    // Manifests and configs first, then layers.
    assertThat(gc.removed())
        .containsExactlyInAnyOrder(b.digest(), bParts.get(0).digest(), bParts.get(1).digest());
    assertThat(gc.removed().get(2)).isEqualTo(bParts.get(1).digest());
    assertThat(store.hasBlob(b.digest())).isFalse();
    assertThat(store.missing(a)).isEmpty();
  }

  @Test
  @SuppressWarnings("try") // the lease is held, not used
  void leaseHoldsOffGarbageCollection() throws Exception {
    ImageStore store = ImageStore.open(root);
    Digest orphan = store.writeBlob("orphan".getBytes(StandardCharsets.UTF_8));
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<ImageStore.GcResult> gc;
      try (ImageStore.Lease lease = store.lease()) {
        gc = pool.submit(store::removeUnreferenced);
        Thread.sleep(200);
        assertThat(gc.isDone()).isFalse();
        assertThat(store.hasBlob(orphan)).isTrue();
      }
      assertThat(gc.get(10, TimeUnit.SECONDS).removed()).containsExactly(orphan);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentTaggingFromManyThreadsAndStoresLosesNoName() throws Exception {
    ImageStore first = ImageStore.open(root);
    Descriptor image = writeImage(first, "a");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        int n = i;
        futures.add(
            pool.submit(
                () -> {
                  ImageStore.open(root).tag(ImageReference.parse("app:v" + n), image);
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(first.list()).hasSize(40);
  }

  @Test
  void namesWrittenByOtherToolsAreReadWithDockerNormalisation() throws IOException {
    ImageStore store = ImageStore.open(root);
    Descriptor image = writeImage(store, "a");
    Files.writeString(
        root.resolve("index.json"),
        "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""
            + image.mediaType()
            + "\",\"digest\":\""
            + image.digest()
            + "\",\"size\":"
            + image.size()
            + ",\"annotations\":{\""
            + ImageStore.REF_NAME
            + "\":\"foo\"}},{\"mediaType\":\""
            + image.mediaType()
            + "\",\"digest\":\""
            + image.digest()
            + "\",\"size\":"
            + image.size()
            + ",\"annotations\":{\""
            + ImageStore.REF_NAME
            + "\":\"Not A Name\"}}]}");

    assertThat(store.resolve(ImageReference.parse("docker.io/library/foo:latest"))).isPresent();
    assertThat(store.list().get(1).reference()).isNull();
  }

  @Test
  void defaultRootFollowsHoistRootThenXdgThenHome() {
    Path home = Path.of("/home/u");
    assertThat(ImageStore.defaultRoot(Map.of("HOIST_ROOT", "/r"), home)).isEqualTo(Path.of("/r"));
    assertThat(ImageStore.defaultRoot(Map.of("XDG_DATA_HOME", "/x"), home))
        .isEqualTo(Path.of("/x/hoist"));
    assertThat(ImageStore.defaultRoot(Map.of(), home))
        .isEqualTo(Path.of("/home/u/.local/share/hoist"));
  }
}
