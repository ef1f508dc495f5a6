package dev.hoist.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.oci.Digest;
import dev.hoist.storage.fs.FileSystemBlobStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lease that keeps a deletion from racing with a writer that found the blob stored. */
class TrackedBlobStoreTest {
  @TempDir Path dir;
  final AtomicLong now = new AtomicLong(1_000_000);

  TrackedBlobStore store() throws IOException {
    return new TrackedBlobStore(
        new FileSystemBlobStore(dir), () -> java.time.Instant.ofEpochMilli(now.get()));
  }

  @Test
  void aBlobCheckedAfterTheDeleterDecidedKeepsItsBytes() throws IOException {
    TrackedBlobStore store = store();
    byte[] bytes = "layer".getBytes(StandardCharsets.UTF_8);
    Digest digest = Digest.sha256(bytes);
    store.put(digest, bytes);
    now.addAndGet(60_000);
    long decided = now.get();
    now.addAndGet(1);
    // A push's existence check (it will link the blob next, believing it stored).
    assertThat(store.size(digest)).isPresent();

    assertThat(store.deleteUnlessUsedSince(digest, decided))
        .isEqualTo(TrackedBlobStore.Deletion.KEPT);
    assertThat(store.size(digest)).isPresent();
  }

  @Test
  void aBlobUnusedSinceTheDecisionIsDeleted() throws IOException {
    TrackedBlobStore store = store();
    byte[] bytes = "layer".getBytes(StandardCharsets.UTF_8);
    Digest digest = Digest.sha256(bytes);
    store.put(digest, bytes);
    now.addAndGet(60_000);

    assertThat(store.deleteUnlessUsedSince(digest, now.get()))
        .isEqualTo(TrackedBlobStore.Deletion.DELETED);
    assertThat(store.size(digest)).isEmpty();
  }

  @Test
  void commitsAreReportedWithTheirSize() throws IOException {
    TrackedBlobStore store = store();
    AtomicLong committed = new AtomicLong();
    store.onCommit(committed::addAndGet);
    byte[] bytes = new byte[1234];
    store.put(Digest.sha256(bytes), bytes);
    var upload = store.startUpload("u1");
    byte[] other = new byte[10];
    other[0] = 1;
    upload.write(java.nio.ByteBuffer.wrap(other));
    upload.commit(Digest.sha256(other), other.length);

    assertThat(committed.get()).isEqualTo(1244);
    assertThat(store.deleteUnlessUsedSince(Digest.sha256(other), now.get()))
        .isEqualTo(TrackedBlobStore.Deletion.KEPT);
  }
}
