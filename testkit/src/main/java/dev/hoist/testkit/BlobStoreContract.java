package dev.hoist.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestMismatchException;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.BlobUpload;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link BlobStore} must do. Extend it, implement {@link #newStore(Path)}, and the tests
 * run against the implementation.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class BlobStoreContract {

  @TempDir protected Path dataDir;

  protected BlobStore store;

  /**
   * A store keeping its data under {@code dataDir}. Called again with the same directory to
   * simulate a restart: the new instance must see what the earlier one committed and the uploads it
   * left in progress.
   */
  protected abstract BlobStore newStore(Path dataDir) throws IOException;

  /**
   * Replaces the bytes of a committed blob of {@link #store} behind its back, as a disk fault would
   * (flipped bits, a truncated file), so that quarantines can be tested.
   */
  protected abstract void corrupt(Digest digest, byte[] bytes) throws IOException;

  @BeforeEach
  void createStore() throws IOException {
    store = newStore(dataDir);
  }

  // Committing.

  @Test
  void committedBlobIsReadableWithItsSizeAndBytes() throws IOException {
    byte[] content = bytes(10_000, 1);
    Digest digest = Digest.sha256(content);

    BlobUpload upload = store.startUpload(newId());
    upload.write(ByteBuffer.wrap(content));
    upload.commit(digest, content.length);

    assertThat(store.size(digest)).contains((long) content.length);
    Optional<BlobContent> opened = store.open(digest);
    assertThat(opened).isPresent();
    assertThat(opened.get().size()).isEqualTo(content.length);
    assertThat(read(opened.get())).isEqualTo(content);
  }

  @Test
  void blobIsInvisibleBeforeCommit() throws IOException {
    byte[] content = bytes(1000, 2);
    Digest digest = Digest.sha256(content);

    BlobUpload upload = store.startUpload(newId());
    upload.write(ByteBuffer.wrap(content));

    assertThat(store.size(digest)).isEmpty();
    assertThat(store.open(digest)).isEmpty();
  }

  @Test
  void commitWithWrongDigestFailsAndDiscardsTheUpload() throws IOException {
    byte[] content = bytes(5000, 3);
    Digest wrong = Digest.sha256(bytes(5000, 4));
    String id = newId();

    BlobUpload upload = store.startUpload(id);
    upload.write(ByteBuffer.wrap(content));

    assertThatThrownBy(() -> upload.commit(wrong, content.length))
        .isInstanceOfSatisfying(
            DigestMismatchException.class,
            e -> {
              assertThat(e.expected()).isEqualTo(wrong);
              assertThat(e.actual()).contains(Digest.sha256(content));
              assertThat(e.sizeMismatch()).isFalse();
            });
    assertThat(store.size(wrong)).isEmpty();
    assertThat(store.size(Digest.sha256(content))).isEmpty();
    assertThat(store.resumeUpload(id)).isEmpty();
  }

  @Test
  void commitWithWrongSizeFailsAndDiscardsTheUpload() throws IOException {
    byte[] content = bytes(5000, 5);
    Digest digest = Digest.sha256(content);
    String id = newId();

    BlobUpload upload = store.startUpload(id);
    upload.write(ByteBuffer.wrap(content));

    assertThatThrownBy(() -> upload.commit(digest, content.length + 1))
        .isInstanceOfSatisfying(
            DigestMismatchException.class,
            e -> {
              assertThat(e.sizeMismatch()).isTrue();
              assertThat(e.expectedSize()).isEqualTo(content.length + 1);
              assertThat(e.actualSize()).isEqualTo(content.length);
            });
    assertThat(store.size(digest)).isEmpty();
    assertThat(store.resumeUpload(id)).isEmpty();
  }

  @Test
  void commitWithUnknownSizeChecksOnlyTheDigest() throws IOException {
    byte[] content = bytes(300, 6);
    Digest digest = Digest.sha256(content);

    BlobUpload upload = store.startUpload(newId());
    upload.write(ByteBuffer.wrap(content));
    upload.commit(digest, -1);

    assertThat(store.size(digest)).contains(300L);
  }

  @Test
  void emptyBlobCanBeCommitted() throws IOException {
    Digest digest = Digest.sha256(new byte[0]);

    store.startUpload(newId()).commit(digest, 0);

    assertThat(store.size(digest)).contains(0L);
    assertThat(read(store.open(digest).orElseThrow())).isEmpty();
  }

  @Test
  void sha512BlobsAreVerifiedAndStored() throws IOException {
    byte[] content = bytes(70_000, 7);
    Digest digest = Digest.sha512(content);

    BlobUpload upload = store.startUpload(newId());
    upload.write(ByteBuffer.wrap(content, 0, 1000));
    upload.write(new ByteArrayInputStream(content, 1000, content.length - 1000));
    upload.commit(digest, content.length);

    assertThat(store.size(digest)).contains((long) content.length);
    assertThat(read(store.open(digest).orElseThrow())).isEqualTo(content);
    assertThat(store.size(Digest.sha256(content))).isEmpty();
  }

  @Test
  void sha512MismatchIsRefused() throws IOException {
    byte[] content = bytes(100, 8);
    Digest wrong = Digest.sha512(bytes(100, 9));
    BlobUpload upload = store.startUpload(newId());
    upload.write(ByteBuffer.wrap(content));

    assertThatThrownBy(() -> upload.commit(wrong, 100)).isInstanceOf(DigestMismatchException.class);
    assertThat(store.size(wrong)).isEmpty();
  }

  @Test
  void committingContentThatIsAlreadyStoredSucceedsAndDiscardsTheUpload() throws IOException {
    byte[] content = bytes(2000, 10);
    Digest digest = Digest.sha256(content);
    store.put(digest, content);
    String id = newId();

    BlobUpload upload = store.startUpload(id);
    upload.write(ByteBuffer.wrap(content));
    upload.commit(digest, content.length);

    assertThat(read(store.open(digest).orElseThrow())).isEqualTo(content);
    assertThat(store.resumeUpload(id)).isEmpty();
  }

  @Test
  void putStoresAWholeBlobAndRefusesAWrongDigest() throws IOException {
    byte[] content = bytes(123, 11);
    Digest digest = Digest.sha256(content);
    Digest wrong = Digest.sha256(bytes(123, 12));

    store.put(digest, content);

    assertThat(read(store.open(digest).orElseThrow())).isEqualTo(content);
    assertThatThrownBy(() -> store.put(wrong, content)).isInstanceOf(DigestMismatchException.class);
    assertThat(store.size(wrong)).isEmpty();
  }

  @Test
  void importFileMakesTheBlobVisibleAndTheFileGoes() throws IOException {
    byte[] content = bytes(150_000, 27);
    Digest digest = Digest.sha256(content);
    Path file = Files.write(dataDir.resolve("import-" + newId()), content);

    store.importFile(digest, content.length, file);

    assertThat(store.size(digest)).contains((long) content.length);
    assertThat(read(store.open(digest).orElseThrow())).isEqualTo(content);
    assertThat(file).doesNotExist();
  }

  @Test
  void importingABlobThatIsAlreadyStoredKeepsItAndDeletesTheFile() throws IOException {
    byte[] content = bytes(3000, 28);
    Digest digest = Digest.sha256(content);
    store.put(digest, content);
    Path file = Files.write(dataDir.resolve("import-" + newId()), content);

    store.importFile(digest, content.length, file);

    assertThat(read(store.open(digest).orElseThrow())).isEqualTo(content);
    assertThat(file).doesNotExist();
  }

  // Writing in chunks and resuming.

  @Test
  void buffersAndStreamsAreAppendedInOrder() throws IOException {
    byte[] content = bytes(300_000, 13);
    Digest digest = Digest.sha256(content);

    BlobUpload upload = store.startUpload(newId());
    assertThat(upload.size()).isZero();
    upload.write(ByteBuffer.wrap(content, 0, 10));
    assertThat(upload.size()).isEqualTo(10);
    long streamed = upload.write(new ByteArrayInputStream(content, 10, 200_000));
    assertThat(streamed).isEqualTo(200_000);
    assertThat(upload.size()).isEqualTo(200_010);
    ByteBuffer direct = ByteBuffer.allocateDirect(content.length - 200_010);
    direct.put(content, 200_010, content.length - 200_010).flip();
    upload.write(direct);
    assertThat(direct.hasRemaining()).isFalse();
    assertThat(upload.size()).isEqualTo(content.length);
    upload.commit(digest, content.length);

    assertThat(read(store.open(digest).orElseThrow())).isEqualTo(content);
  }

  @Test
  void writeOfABufferConsumesOnlyItsRemainingBytes() throws IOException {
    byte[] content = bytes(100, 14);
    ByteBuffer buffer = ByteBuffer.wrap(content);
    buffer.position(40).limit(60);

    BlobUpload upload = store.startUpload(newId());
    upload.write(buffer);
    upload.commit(Digest.sha256(Arrays.copyOfRange(content, 40, 60)), 20);

    assertThat(buffer.position()).isEqualTo(60);
  }

  @Test
  void largeStreamIsStoredIntact() throws IOException {
    int size = 8 * 1024 * 1024 + 17;
    byte[] content = bytes(size, 15);
    Digest digest = Digest.sha256(content);

    BlobUpload upload = store.startUpload(newId());
    // A stream that returns short reads, as a network stream does.
    long written = upload.write(new TrickleInputStream(content));
    upload.commit(digest, size);

    assertThat(written).isEqualTo(size);
    assertThat(read(store.open(digest).orElseThrow())).isEqualTo(content);
  }

  @Test
  void streamThatBreaksKeepsWhatItDeliveredSoTheUploadCanContinue() throws IOException {
    byte[] content = bytes(300_000, 26);
    Digest digest = Digest.sha256(content);
    BlobUpload upload = store.startUpload(newId());
    InputStream breaking =
        new InputStream() {
          private final InputStream delegate = new ByteArrayInputStream(content, 0, 200_000);

          @Override
          public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            int n = delegate.read(b, off, Math.min(len, 10_000));
            if (n == -1) {
              throw new IOException("connection reset");
            }
            return n;
          }
        };

    assertThatThrownBy(() -> upload.write(breaking)).hasMessageContaining("connection reset");
    assertThat(upload.size()).isEqualTo(200_000);

    upload.write(new ByteArrayInputStream(content, 200_000, 100_000));
    upload.commit(digest, content.length);
    assertThat(read(store.open(digest).orElseThrow())).isEqualTo(content);
  }

  @Test
  void resumedUploadContinuesAtItsSize() throws IOException {
    byte[] content = bytes(50_000, 16);
    Digest digest = Digest.sha256(content);
    String id = newId();

    store.startUpload(id).write(ByteBuffer.wrap(content, 0, 20_000));
    BlobUpload resumed = store.resumeUpload(id).orElseThrow();
    assertThat(resumed.id()).isEqualTo(id);
    assertThat(resumed.size()).isEqualTo(20_000);
    resumed.write(new ByteArrayInputStream(content, 20_000, 30_000));
    store.resumeUpload(id).orElseThrow().commit(digest, content.length);

    assertThat(read(store.open(digest).orElseThrow())).isEqualTo(content);
  }

  @Test
  void uploadSurvivesARestart() throws IOException {
    byte[] content = bytes(150_000, 17);
    Digest digest = Digest.sha256(content);
    String id = newId();
    store.startUpload(id).write(ByteBuffer.wrap(content, 0, 100_000));

    BlobStore restarted = newStore(dataDir);
    BlobUpload resumed = restarted.resumeUpload(id).orElseThrow();
    assertThat(resumed.size()).isEqualTo(100_000);
    resumed.write(ByteBuffer.wrap(content, 100_000, 50_000));
    assertThat(resumed.size()).isEqualTo(content.length);
    resumed.commit(digest, content.length);

    assertThat(read(restarted.open(digest).orElseThrow())).isEqualTo(content);
    assertThat(newStore(dataDir).size(digest)).contains((long) content.length);
  }

  @Test
  void uploadResumedAfterARestartStillDetectsAMismatch() throws IOException {
    byte[] content = bytes(10_000, 18);
    String id = newId();
    store.startUpload(id).write(ByteBuffer.wrap(content, 0, 5000));

    BlobStore restarted = newStore(dataDir);
    BlobUpload resumed = restarted.resumeUpload(id).orElseThrow();
    resumed.write(ByteBuffer.wrap(bytes(5000, 19)));

    assertThatThrownBy(() -> resumed.commit(Digest.sha256(content), content.length))
        .isInstanceOf(DigestMismatchException.class);
    assertThat(restarted.resumeUpload(id)).isEmpty();
  }

  @Test
  void committedBlobsSurviveARestart() throws IOException {
    byte[] content = bytes(4096, 20);
    Digest digest = Digest.sha256(content);
    store.put(digest, content);

    BlobStore restarted = newStore(dataDir);

    assertThat(read(restarted.open(digest).orElseThrow())).isEqualTo(content);
  }

  @Test
  void resumingAnUnknownUploadIsEmpty() throws IOException {
    assertThat(store.resumeUpload(newId())).isEmpty();
  }

  @Test
  void startingAnUploadWithAnIdInUseFails() throws IOException {
    String id = newId();
    store.startUpload(id).write(ByteBuffer.wrap(new byte[] {1, 2, 3}));

    assertThatThrownBy(() -> store.startUpload(id)).isInstanceOf(FileAlreadyExistsException.class);
    assertThat(store.resumeUpload(id).orElseThrow().size()).isEqualTo(3);
  }

  @Test
  void invalidUploadIdsAreRefused() throws IOException {
    for (String id : List.of("../x", "a/b", "", "x".repeat(65), "a.b", "a b", "..")) {
      assertThatThrownBy(() -> store.startUpload(id))
          .as("startUpload(%s)", id)
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(store.resumeUpload(id)).as("resumeUpload(%s)", id).isEmpty();
      assertThatCode(() -> store.cancelUpload(id)).doesNotThrowAnyException();
    }
    assertThat(store.startUpload("A-z-0-9").id()).isEqualTo("A-z-0-9");
    assertThat(store.startUpload("x".repeat(64)).size()).isZero();
  }

  @Test
  void writingAfterCommitFails() throws IOException {
    byte[] content = bytes(10, 21);
    BlobUpload upload = store.startUpload(newId());
    upload.write(ByteBuffer.wrap(content));
    upload.commit(Digest.sha256(content), 10);

    assertThatThrownBy(() -> upload.write(ByteBuffer.wrap(content)))
        .isInstanceOf(IllegalStateException.class);
  }

  // Cancelling and deleting.

  @Test
  void cancelDiscardsTheUpload() throws IOException {
    byte[] content = bytes(1000, 22);
    String id = newId();
    BlobUpload upload = store.startUpload(id);
    upload.write(ByteBuffer.wrap(content));

    upload.cancel();

    assertThat(store.resumeUpload(id)).isEmpty();
    assertThat(store.size(Digest.sha256(content))).isEmpty();
    assertThatThrownBy(() -> upload.write(ByteBuffer.wrap(content)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void cancelUploadByIdDiscardsItAndToleratesAGoneUpload() throws IOException {
    String id = newId();
    store.startUpload(id).write(ByteBuffer.wrap(new byte[] {1}));

    store.cancelUpload(id);
    assertThat(store.resumeUpload(id)).isEmpty();
    assertThatCode(() -> store.cancelUpload(id)).doesNotThrowAnyException();
    assertThatCode(() -> store.cancelUpload(newId())).doesNotThrowAnyException();
    assertThat(store.startUpload(id).size()).as("the id can be used again").isZero();
  }

  @Test
  void deleteRemovesABlobAndSaysWhetherItExisted() throws IOException {
    byte[] content = bytes(64, 23);
    Digest digest = Digest.sha256(content);
    store.put(digest, content);

    assertThat(store.delete(digest)).isTrue();
    assertThat(store.size(digest)).isEmpty();
    assertThat(store.open(digest)).isEmpty();
    assertThat(store.delete(digest)).isFalse();

    store.put(digest, content);
    assertThat(read(store.open(digest).orElseThrow())).isEqualTo(content);
  }

  @Test
  void unknownBlobHasNoSizeAndCannotBeOpened() throws IOException {
    Digest digest = Digest.sha256(bytes(10, 24));

    assertThat(store.size(digest)).isEmpty();
    assertThat(store.open(digest)).isEmpty();
  }

  // Quarantine.

  @Test
  void quarantineTakesBytesThatDoNotMatchOutOfService() throws IOException {
    byte[] content = bytes(100_000, 26);
    Digest digest = Digest.sha256(content);
    store.put(digest, content);
    byte[] flipped = content.clone();
    flipped[5000] ^= 1;
    corrupt(digest, flipped);

    assertThat(store.quarantine(digest)).isTrue();

    assertThat(store.size(digest)).isEmpty();
    assertThat(store.open(digest)).isEmpty();
    assertThat(store.quarantine(digest)).as("nothing left to quarantine").isFalse();
    store.put(digest, content);
    assertThat(read(store.open(digest).orElseThrow()))
        .as("the blob can be stored again")
        .isEqualTo(content);
  }

  @Test
  void quarantineTakesATruncatedBlobOutOfService() throws IOException {
    byte[] content = bytes(100_000, 27);
    Digest digest = Digest.sha256(content);
    store.put(digest, content);
    corrupt(digest, Arrays.copyOf(content, 60_000));

    assertThat(store.quarantine(digest)).isTrue();
    assertThat(store.size(digest)).isEmpty();
  }

  @Test
  void quarantineKeepsBytesThatMatchTheirDigest() throws IOException {
    byte[] content = bytes(10_000, 28);
    Digest digest = Digest.sha256(content);
    store.put(digest, content);

    assertThat(store.quarantine(digest)).isFalse();

    assertThat(store.size(digest)).contains((long) content.length);
    assertThat(read(store.open(digest).orElseThrow())).isEqualTo(content);
  }

  @Test
  void quarantineOfAnUnknownBlobIsFalse() throws IOException {
    assertThat(store.quarantine(Digest.sha256(bytes(10, 29)))).isFalse();
  }

  @Test
  void quarantineChecksSha512BlobsWithTheirOwnAlgorithm() throws IOException {
    byte[] content = bytes(1000, 30);
    Digest digest = Digest.sha512(content);
    store.put(digest, content);
    assertThat(store.quarantine(digest)).isFalse();

    corrupt(digest, bytes(1000, 31));
    assertThat(store.quarantine(digest)).isTrue();
    assertThat(store.size(digest)).isEmpty();
  }

  // Concurrency.

  @Test
  void concurrentCommitsOfTheSameContentAllSucceedAndLeaveOneBlob() throws Exception {
    byte[] content = bytes(200_000, 25);
    Digest digest = Digest.sha256(content);
    int threads = 8;
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        results.add(
            pool.submit(
                () -> {
                  BlobUpload upload = store.startUpload(newId());
                  upload.write(ByteBuffer.wrap(content));
                  ready.countDown();
                  go.await();
                  upload.commit(digest, content.length);
                  return null;
                }));
      }
      ready.await();
      go.countDown();
      for (Future<?> result : results) {
        result.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(store.size(digest)).contains((long) content.length);
    assertThat(read(store.open(digest).orElseThrow())).isEqualTo(content);
  }

  @Test
  void concurrentUploadsOfDifferentContentDoNotMix() throws Exception {
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<byte[]> contents = new ArrayList<>();
    try {
      List<Future<?>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        byte[] content = bytes(100_000 + i, 100 + i);
        contents.add(content);
        results.add(
            pool.submit(
                () -> {
                  BlobUpload upload = store.startUpload(newId());
                  for (int off = 0; off < content.length; off += 7000) {
                    upload.write(
                        ByteBuffer.wrap(content, off, Math.min(7000, content.length - off)));
                  }
                  upload.commit(Digest.sha256(content), content.length);
                  return null;
                }));
      }
      for (Future<?> result : results) {
        result.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    for (byte[] content : contents) {
      assertThat(read(store.open(Digest.sha256(content)).orElseThrow())).isEqualTo(content);
    }
  }

  // Helpers, usable by subclasses.

  /** A fresh upload id. */
  protected static String newId() {
    return UUID.randomUUID().toString();
  }

  /** Deterministic pseudo-random bytes. */
  protected static byte[] bytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Reads all of a blob's content, whichever way the store offers it. */
  protected static byte[] read(BlobContent content) throws IOException {
    if (content instanceof BlobContent.LocalFile file) {
      assertThat(Files.size(file.path())).isEqualTo(file.size());
      return Files.readAllBytes(file.path());
    }
    if (content instanceof BlobContent.Streamed streamed) {
      try (InputStream in = streamed.open(0, streamed.size())) {
        return in.readAllBytes();
      }
    }
    if (content instanceof BlobContent.Redirect redirect) {
      try (InputStream in = redirect.location().toURL().openStream()) {
        return in.readAllBytes();
      }
    }
    throw new AssertionError("unknown content kind: " + content);
  }

  /** Yields at most a few bytes per read, like a slow network stream. */
  private static final class TrickleInputStream extends InputStream {
    private final byte[] content;
    private int position;

    TrickleInputStream(byte[] content) {
      this.content = content;
    }

    @Override
    public int read() {
      return position < content.length ? content[position++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      if (position >= content.length) {
        return -1;
      }
      int n = Math.min(Math.min(len, content.length - position), 1 + position % 50_000);
      System.arraycopy(content, position, b, off, n);
      position += n;
      return n;
    }
  }
}
