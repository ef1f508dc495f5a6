package dev.hoist.repository;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.oci.Digest;
import dev.hoist.storage.BlobContent;
import dev.hoist.testkit.MemoryBlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ManifestBodiesTest {
  private final MemoryBlobStore blobs = new MemoryBlobStore();

  @Test
  void aVerifiedManifestIsServedFromMemoryWithoutAskingTheStoreAgain() throws IOException {
    byte[] manifest = manifest(1);
    Digest digest = store(manifest);
    ManifestBodies bodies = ManifestBodies.cached(blobs, 1 << 20);

    assertThat(read(bodies.open(digest, manifest.length))).isEqualTo(manifest);
    blobs.delete(digest); // what is kept no longer needs the store
    Optional<BlobContent> again = bodies.open(digest, manifest.length);

    assertThat(again).get().isInstanceOf(BlobContent.InMemory.class);
    assertThat(read(again)).isEqualTo(manifest);
    assertThat(bodies.present(digest)).isTrue();
  }

  @Test
  void uncachedBodiesReadTheStoreEveryTime() throws IOException {
    byte[] manifest = manifest(2);
    Digest digest = store(manifest);
    ManifestBodies bodies = ManifestBodies.uncached(blobs);

    assertThat(read(bodies.open(digest, manifest.length))).isEqualTo(manifest);
    blobs.delete(digest);

    assertThat(bodies.open(digest, manifest.length)).isEmpty();
    assertThat(bodies.present(digest)).isFalse();
  }

  @Test
  void bytesThatDoNotMatchTheirDigestAreHandedOnAndNeverKept() throws IOException {
    byte[] manifest = manifest(3);
    Digest digest = store(manifest);
    byte[] rotten = manifest.clone();
    rotten[10] ^= 1;
    blobs.corrupt(digest, rotten);
    ManifestBodies bodies = ManifestBodies.cached(blobs, 1 << 20);

    Optional<BlobContent> served = bodies.open(digest, manifest.length);

    assertThat(served).get().isNotInstanceOf(BlobContent.InMemory.class);
    assertThat(read(served)).as("the caller's own checks see what the store has").isEqualTo(rotten);
    blobs.delete(digest);
    assertThat(bodies.open(digest, manifest.length)).as("nothing was kept").isEmpty();
  }

  @Test
  void storedBytesOfAnotherSizeThanRecordedAreHandedOnAndNotKept() throws IOException {
    byte[] manifest = manifest(4);
    Digest digest = store(manifest);
    ManifestBodies bodies = ManifestBodies.cached(blobs, 1 << 20);

    Optional<BlobContent> wrongSize = bodies.open(digest, manifest.length + 1);
    assertThat(wrongSize).get().extracting(BlobContent::size).isEqualTo((long) manifest.length);
    blobs.delete(digest);

    assertThat(bodies.open(digest, manifest.length)).isEmpty();
  }

  @Test
  void theLeastRecentlyReadManifestGoesFirstWhenMemoryIsFull() throws IOException {
    byte[] first = manifest(5);
    byte[] second = manifest(6);
    byte[] third = manifest(7);
    Digest a = store(first);
    Digest b = store(second);
    Digest c = store(third);
    ManifestBodies bodies = ManifestBodies.cached(blobs, first.length * 2L + first.length / 2);

    bodies.open(a, first.length);
    bodies.open(b, second.length);
    bodies.open(a, first.length); // a is now more recent than b
    bodies.open(c, third.length);
    blobs.delete(a);
    blobs.delete(b);
    blobs.delete(c);

    assertThat(read(bodies.open(a, first.length))).isEqualTo(first);
    assertThat(bodies.open(b, second.length)).as("least recently read").isEmpty();
    assertThat(read(bodies.open(c, third.length))).isEqualTo(third);
  }

  @Test
  void inMemoryContentReadsAnyRange() throws IOException {
    byte[] bytes = "0123456789".getBytes(StandardCharsets.US_ASCII);
    BlobContent.InMemory content = new BlobContent.InMemory(bytes);

    try (InputStream in = content.openStream(3, 4)) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("3456");
    }
    try (InputStream in = content.openStream(8, 100)) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("89");
    }
    try (InputStream in = content.openStream(20, 5)) {
      assertThat(in.readAllBytes()).isEmpty();
    }
  }

  private Digest store(byte[] bytes) throws IOException {
    Digest digest = Digest.sha256(bytes);
    blobs.put(digest, bytes);
    return digest;
  }

  private static byte[] manifest(int n) {
    String json =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
            + "\"digest\":\"sha256:"
            + String.format("%064d", n)
            + "\",\"size\":"
            + (100 + n)
            + "},\"layers\":[]}";
    return json.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] read(Optional<BlobContent> content) throws IOException {
    assertThat(content).isPresent();
    try (InputStream in = content.get().openStream(0, content.get().size())) {
      return in.readAllBytes();
    }
  }
}
