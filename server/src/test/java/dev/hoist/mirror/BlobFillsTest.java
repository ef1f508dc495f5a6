package dev.hoist.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.hoist.client.RegistryClient;
import dev.hoist.client.RegistryEndpoint;
import dev.hoist.client.RegistryException;
import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestMismatchException;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.RepositoryName;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.BlobUpload;
import dev.hoist.storage.GrowingFile;
import dev.hoist.storage.fs.FileSystemBlobStore;
import dev.hoist.testkit.MemoryBlobStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BlobFillsTest {
  private static final int SIZE = 1024 * 1024 + 123;

  @TempDir Path dataDir;

  private final ExecutorService fillThreads = Executors.newVirtualThreadPerTaskExecutor();
  private final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
  private final MemoryBlobStore memory = new MemoryBlobStore();

  /** Released at the end of every test, so that no paused upstream outlives it. */
  private final CountDownLatch endOfTest = new CountDownLatch(1);

  @AfterEach
  void stopThreads() throws InterruptedException {
    endOfTest.countDown();
    clients.shutdownNow();
    fillThreads.shutdownNow();
    // Fills end before the temporary directory is removed.
    assertThat(fillThreads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  // Sharing one fetch.

  @Test
  void sixteenConcurrentServesOpenTheUpstreamOnceAndReadIdenticalCorrectBytes() throws Exception {
    FileSystemBlobStore store = new FileSystemBlobStore(dataDir);
    BlobFills fills = fills(store);
    byte[] content = bytes(SIZE, 1);
    Digest digest = Digest.sha256(content);
    CountDownLatch resume = new CountDownLatch(1);
    FakeUpstream upstream =
        new FakeUpstream((call, offset) -> answer(content, pausing(content, 0, 300_000, resume)));

    int clientCount = 16;
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch served = new CountDownLatch(clientCount);
    List<Future<byte[]>> reads = new ArrayList<>();
    for (int i = 0; i < clientCount; i++) {
      reads.add(
          clients.submit(
              () -> {
                go.await();
                BlobContent view = fills.serve(digest, SIZE, upstream);
                served.countDown();
                return readAll(view);
              }));
    }
    go.countDown();
    assertThat(served.await(10, TimeUnit.SECONDS))
        .as("every serve returned before the end")
        .isTrue();
    assertThat(fills.inFlight(digest)).isTrue();
    resume.countDown();

    for (Future<byte[]> read : reads) {
      assertThat(read.get(20, TimeUnit.SECONDS)).isEqualTo(content);
    }
    assertThat(upstream.offsets).containsExactly(0L);
    awaitCommitted(fills, store, digest);
    assertThat(Files.readAllBytes(localFile(store, digest).path())).isEqualTo(content);
    assertThat(spoolFiles()).isEmpty();
  }

  @Test
  void readersGetBytesWhileTheFillIsPausedButNeverTheHeldBackTail() throws Exception {
    BlobFills fills = fills(memory);
    byte[] content = bytes(SIZE, 2);
    Digest digest = Digest.sha256(content);
    CountDownLatch resume = new CountDownLatch(1);
    // The upstream pauses 10 bytes before the end: everything but those 10 bytes is spooled.
    FakeUpstream upstream =
        new FakeUpstream((call, offset) -> answer(content, pausing(content, 0, SIZE - 10, resume)));

    BlobContent view = fills.serve(digest, SIZE, upstream);
    assertThat(view.size()).isEqualTo(SIZE);
    InputStream in = view.openStream(0, SIZE);
    byte[] head = in.readNBytes(SIZE - BlobFills.HOLD_BACK);
    assertThat(head).isEqualTo(Arrays.copyOf(content, SIZE - BlobFills.HOLD_BACK));

    Future<byte[]> tail = clients.submit(() -> in.readAllBytes());
    assertThatThrownBy(() -> tail.get(300, TimeUnit.MILLISECONDS))
        .as("the tail is held back while the fill is unverified")
        .isInstanceOf(TimeoutException.class);
    assertThat(in.available()).isZero();
    assertThat(fills.inFlight(digest)).isTrue();
    assertThat(fills.inFlightCount()).isEqualTo(1);

    resume.countDown();
    assertThat(tail.get(10, TimeUnit.SECONDS))
        .isEqualTo(Arrays.copyOfRange(content, SIZE - BlobFills.HOLD_BACK, SIZE));
    in.close();
    awaitCommitted(fills, memory, digest);
    assertThat(fills.inFlightCount()).isZero();
  }

  @Test
  void aBlobSmallerThanTheHoldBackIsReleasedOnlyWhenCommitted() throws Exception {
    BlobFills fills = fills(memory);
    byte[] content = bytes(1000, 3);
    Digest digest = Digest.sha256(content);
    CountDownLatch resume = new CountDownLatch(1);
    FakeUpstream upstream =
        new FakeUpstream((call, offset) -> answer(content, pausing(content, 0, 999, resume)));

    BlobContent view = fills.serve(digest, 1000, upstream);
    Future<byte[]> read = clients.submit(() -> readAll(view));
    assertThatThrownBy(() -> read.get(300, TimeUnit.MILLISECONDS))
        .isInstanceOf(TimeoutException.class);

    resume.countDown();
    assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo(content);
  }

  // Wrong bytes.

  @Test
  void aFlippedByteFailsEveryReaderBeforeTheEndAndStoresNothing() throws Exception {
    BlobFills fills = fills(memory);
    byte[] content = bytes(SIZE, 4);
    Digest digest = Digest.sha256(content);
    byte[] tampered = content.clone();
    tampered[5000] ^= 0x01;
    CountDownLatch resume = new CountDownLatch(1);
    FakeUpstream upstream =
        new FakeUpstream((call, offset) -> answer(tampered, pausing(tampered, 0, 500_000, resume)));

    List<Future<Outcome>> readers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      BlobContent view = fills.serve(digest, SIZE, upstream);
      readers.add(clients.submit(() -> readOutcome(view)));
    }
    resume.countDown();

    for (Future<Outcome> reader : readers) {
      Outcome outcome = reader.get(10, TimeUnit.SECONDS);
      assertThat(outcome.failure()).isInstanceOf(IOException.class);
      assertThat(outcome.failure()).hasRootCauseInstanceOf(DigestMismatchException.class);
      assertThat(outcome.bytes().length).isLessThanOrEqualTo(SIZE - BlobFills.HOLD_BACK);
    }
    assertThat(upstream.offsets).containsExactly(0L);
    assertThat(memory.digests()).isEmpty();
    assertThat(memory.uploadIds()).isEmpty();
    assertThat(fills.inFlight(digest)).isFalse();
    assertThat(spoolFiles()).isEmpty();

    FakeUpstream honest =
        new FakeUpstream((call, offset) -> answer(content, slice(content, 0, SIZE)));
    assertThat(readAll(fills.serve(digest, SIZE, honest))).isEqualTo(content);
    assertThat(honest.offsets).as("the next serve starts a new fill").containsExactly(0L);
    awaitCommitted(fills, memory, digest);
  }

  @Test
  void anUpstreamThatSendsMoreBytesThanTheDescriptorSaysFails() throws Exception {
    BlobFills fills = fills(memory);
    byte[] content = bytes(200_000, 5);
    Digest digest = Digest.sha256(content);
    byte[] longer = Arrays.copyOf(content, content.length + 10);
    FakeUpstream upstream =
        new FakeUpstream((call, offset) -> answer(-1, slice(longer, 0, longer.length)));

    Outcome outcome = serveAndRead(fills, digest, content.length, upstream);

    assertThat(outcome.failure()).isInstanceOf(IOException.class);
    assertThat(outcome.failure())
        .satisfiesAnyOf(
            e -> assertThat(e).isInstanceOf(DigestMismatchException.class),
            e -> assertThat(e).hasRootCauseInstanceOf(DigestMismatchException.class));
    assertThat(outcome.failure()).hasMessageContaining("longer than the expected 200000 bytes");
    assertThat(memory.digests()).isEmpty();
  }

  @Test
  void anUpstreamSizeThatContradictsTheDescriptorFailsTheServe() throws Exception {
    BlobFills fills = fills(memory);
    byte[] content = bytes(200_000, 6);
    Digest digest = Digest.sha256(content);
    FakeUpstream upstream =
        new FakeUpstream((call, offset) -> answer(content.length + 1, slice(content, 0, 10)));

    assertThatThrownBy(() -> fills.serve(digest, content.length, upstream))
        .isInstanceOf(DigestMismatchException.class);
    assertThat(memory.digests()).isEmpty();
    assertThat(fills.inFlightCount()).isZero();
  }

  // Truncation and resume.

  @Test
  void aTruncatedTransferResumesAtTheBytesItHasAndCompletes() throws Exception {
    BlobFills fills = fills(memory);
    byte[] content = bytes(SIZE, 7);
    Digest digest = Digest.sha256(content);
    FakeUpstream upstream =
        new FakeUpstream(
            (call, offset) ->
                switch (call) {
                  case 0 -> answer(content, slice(content, 0, 100_000)); // ends early
                  case 1 -> answer(content, breaking(content, offset, 250_000)); // resets
                  default -> answer(content, slice(content, offset, SIZE));
                });

    assertThat(readAll(fills.serve(digest, SIZE, upstream))).isEqualTo(content);

    assertThat(upstream.offsets).containsExactly(0L, 100_000L, 250_000L);
    awaitCommitted(fills, memory, digest);
    assertThat(readAll(memory.open(digest).orElseThrow())).isEqualTo(content);
  }

  @Test
  void aFailingResumeRequestCountsAsAResumeAndTheNextOneContinues() throws Exception {
    BlobFills fills = fills(memory);
    byte[] content = bytes(300_000, 8);
    Digest digest = Digest.sha256(content);
    FakeUpstream upstream =
        new FakeUpstream(
            (call, offset) -> {
              if (call == 0) {
                return answer(content, slice(content, 0, 120_000));
              }
              if (call == 1) {
                throw new IOException("connection refused");
              }
              return answer(content, slice(content, offset, content.length));
            });

    assertThat(readAll(fills.serve(digest, content.length, upstream))).isEqualTo(content);
    assertThat(upstream.offsets).containsExactly(0L, 120_000L, 120_000L);
  }

  @Test
  void truncationBeyondMaxResumesFailsAndStoresNothing() throws Exception {
    BlobFills fills =
        new BlobFills(memory, spoolDir(), fillThreads, 2, FillListener.NONE, Duration.ofMinutes(1));
    byte[] content = bytes(500_000, 9);
    Digest digest = Digest.sha256(content);
    // Every answer ends after 50,000 more bytes.
    FakeUpstream upstream =
        new FakeUpstream(
            (call, offset) -> answer(content, slice(content, offset, offset + 50_000)));

    Outcome outcome = serveAndRead(fills, digest, content.length, upstream);

    assertThat(outcome.failure())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("ended after 150000 of the expected 500000 bytes");
    assertThat(upstream.offsets).containsExactly(0L, 50_000L, 100_000L);
    assertThat(memory.digests()).isEmpty();
    assertThat(fills.inFlight(digest)).isFalse();
    assertThat(spoolFiles()).isEmpty();
  }

  @Test
  void aBlobOfUnknownSizeIsServedOnceVerified() throws Exception {
    BlobFills fills = fills(memory);
    byte[] content = bytes(100_000, 10);
    Digest digest = Digest.sha256(content);
    FakeUpstream upstream =
        new FakeUpstream(
            (call, offset) ->
                call == 0
                    ? answer(-1, breaking(content, 0, 40_000))
                    : answer(-1, slice(content, offset, content.length)));

    BlobContent served = fills.serve(digest, -1, upstream);

    assertThat(served.size()).isEqualTo(content.length);
    assertThat(readAll(served)).isEqualTo(content);
    assertThat(upstream.offsets).containsExactly(0L, 40_000L);
    awaitCommitted(fills, memory, digest);
    assertThat(memory.digests()).containsExactly(digest);
  }

  // Readers are independent of the fill.

  @Test
  void aReaderThatClosesEarlyDoesNotStopTheFill() throws Exception {
    BlobFills fills = fills(memory);
    byte[] content = bytes(SIZE, 11);
    Digest digest = Digest.sha256(content);
    CountDownLatch resume = new CountDownLatch(1);
    FakeUpstream upstream =
        new FakeUpstream((call, offset) -> answer(content, pausing(content, 0, 400_000, resume)));

    BlobContent view = fills.serve(digest, SIZE, upstream);
    try (InputStream in = view.openStream(0, SIZE)) {
      assertThat(in.readNBytes(1000)).isEqualTo(Arrays.copyOf(content, 1000));
    }
    resume.countDown();

    awaitCommitted(fills, memory, digest);
    assertThat(readAll(memory.open(digest).orElseThrow())).isEqualTo(content);
    assertThat(upstream.offsets).containsExactly(0L);
  }

  @Test
  void aRangeReadInTheMiddleOfAnOngoingFillGetsItsBytesAndWaitsForLaterOnes() throws Exception {
    BlobFills fills = fills(memory);
    byte[] content = bytes(SIZE, 12);
    Digest digest = Digest.sha256(content);
    CountDownLatch resume = new CountDownLatch(1);
    FakeUpstream upstream =
        new FakeUpstream((call, offset) -> answer(content, pausing(content, 0, 600_000, resume)));

    BlobContent view = fills.serve(digest, SIZE, upstream);
    try (InputStream middle = view.openStream(200_000, 100_000)) {
      assertThat(middle.readAllBytes()).isEqualTo(Arrays.copyOfRange(content, 200_000, 300_000));
    }
    Future<byte[]> later =
        clients.submit(
            () -> {
              try (InputStream in = view.openStream(700_000, 100_000)) {
                return in.readAllBytes();
              }
            });
    assertThatThrownBy(() -> later.get(300, TimeUnit.MILLISECONDS))
        .isInstanceOf(TimeoutException.class);
    assertThat(fills.inFlight(digest)).isTrue();

    resume.countDown();
    assertThat(later.get(10, TimeUnit.SECONDS))
        .isEqualTo(Arrays.copyOfRange(content, 700_000, 800_000));
    try (InputStream end = view.openStream(SIZE - 100, 100)) {
      assertThat(end.readAllBytes()).isEqualTo(Arrays.copyOfRange(content, SIZE - 100, SIZE));
    }
  }

  @Test
  void aViewOpenedAfterTheCommitReadsTheStoredBlob() throws Exception {
    FileSystemBlobStore store = new FileSystemBlobStore(dataDir);
    BlobFills fills = fills(store);
    byte[] content = bytes(300_000, 13);
    Digest digest = Digest.sha256(content);
    CountDownLatch resume = new CountDownLatch(1);
    FakeUpstream upstream =
        new FakeUpstream((call, offset) -> answer(content, pausing(content, 0, 1000, resume)));

    BlobContent view = fills.serve(digest, content.length, upstream);
    resume.countDown();
    awaitCommitted(fills, store, digest);

    try (InputStream in = view.openStream(1000, 200_000)) {
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(content, 1000, 201_000));
    }
  }

  @Test
  void aReaderOfAStalledFillFailsAfterTheStallTimeout() throws Exception {
    BlobFills fills =
        new BlobFills(
            memory, spoolDir(), fillThreads, 3, FillListener.NONE, Duration.ofMillis(500));
    byte[] content = bytes(SIZE, 14);
    Digest digest = Digest.sha256(content);
    FakeUpstream upstream =
        new FakeUpstream(
            (call, offset) -> answer(content, pausing(content, 0, 100_000, endOfTest)));

    Outcome outcome = serveAndRead(fills, digest, SIZE, upstream);

    assertThat(outcome.failure()).hasMessageContaining("made no progress");
    assertThat(outcome.bytes().length).isLessThanOrEqualTo(100_000);
    assertThat(fills.inFlight(digest)).as("the fill itself goes on").isTrue();
  }

  // Upstream errors.

  @Test
  void anUpstream404SurfacesToEveryServeCallerOfThatFill() throws Exception {
    BlobFills fills = fills(memory);
    Digest digest = Digest.sha256(bytes(10, 15));
    UpstreamException notFound = new UpstreamException(blobUnknownFromARealClient(digest));
    CountDownLatch answer = new CountDownLatch(1);
    FakeUpstream upstream =
        new FakeUpstream(
            (call, offset) -> {
              await(answer);
              throw notFound;
            });

    List<Thread> callerThreads = new CopyOnWriteArrayList<>();
    ExecutorService callerPool =
        Executors.newFixedThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, "caller");
              callerThreads.add(t);
              return t;
            });
    List<Future<Throwable>> callers = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        callers.add(
            callerPool.submit(
                () -> {
                  try {
                    fills.serve(digest, 10, upstream);
                    return null;
                  } catch (IOException e) {
                    return e;
                  }
                }));
      }
      // Every caller is waiting for the upstream's answer to the one fill.
      awaitTrue(
          () ->
              upstream.offsets.size() == 1
                  && callerThreads.size() == 4
                  && callerThreads.stream()
                      .allMatch(t -> t.getState() == Thread.State.TIMED_WAITING));
      assertThat(upstream.offsets).containsExactly(0L);
      answer.countDown();
    } finally {
      callerPool.shutdown();
    }

    for (Future<Throwable> caller : callers) {
      assertThat(caller.get(10, TimeUnit.SECONDS)).isSameAs(notFound);
    }
    assertThat(notFound.code()).isEqualTo(ErrorCode.BLOB_UNKNOWN);
    assertThat(notFound.failure().httpStatus()).isEqualTo(404);
    assertThat(notFound.retryable()).isFalse();
    assertThat(upstream.offsets).containsExactly(0L);
    assertThat(memory.digests()).isEmpty();
    assertThat(fills.inFlightCount()).isZero();
    assertThat(spoolFiles()).isEmpty();
  }

  // Spool and store.

  @Test
  void spoolLeftoversOfAnEarlierRunAreDeletedOnConstruction() throws Exception {
    Path spool = spoolDir();
    Files.createDirectories(spool.resolve("stray"));
    Files.write(spool.resolve("ab12.1"), new byte[] {1, 2, 3});
    Files.write(spool.resolve("stray").resolve("x"), new byte[] {4});

    fills(memory);

    assertThat(spool).isEmptyDirectory();
  }

  @Test
  void afterTheCommitServeReturnsTheStoredFileWithoutAskingTheUpstream() throws Exception {
    FileSystemBlobStore store = new FileSystemBlobStore(dataDir);
    AtomicLong spooled = new AtomicLong();
    AtomicInteger committed = new AtomicInteger();
    FillListener listener =
        new FillListener() {
          @Override
          public void fillBytes(Digest digest, long bytes) {
            spooled.addAndGet(bytes);
          }

          @Override
          public void fillCommitted(Digest digest, long size) {
            committed.incrementAndGet();
          }
        };
    BlobFills fills = new BlobFills(store, spoolDir(), fillThreads, 3, listener);
    byte[] content = bytes(SIZE, 16);
    Digest digest = Digest.sha256(content);
    FakeUpstream upstream =
        new FakeUpstream((call, offset) -> answer(content, slice(content, 0, SIZE)));
    assertThat(readAll(fills.serve(digest, SIZE, upstream))).isEqualTo(content);
    awaitCommitted(fills, store, digest);

    BlobContent again =
        fills.serve(
            digest,
            SIZE,
            offset -> {
              throw new AssertionError("the upstream must not be asked again");
            });

    assertThat(again).isInstanceOf(BlobContent.LocalFile.class);
    assertThat(((BlobContent.LocalFile) again).path()).hasBinaryContent(content);
    assertThat(spooled.get()).isEqualTo(SIZE);
    assertThat(committed.get()).isEqualTo(1);
    assertThat(spoolFiles()).isEmpty();
  }

  @Test
  void verifiedBytesReachReadersWhileTheCommitIsStillMakingThemDurable() throws Exception {
    CountDownLatch commitMayEnd = new CountDownLatch(1);
    CommitGate store = new CommitGate(new FileSystemBlobStore(dataDir), commitMayEnd, null);
    BlobFills fills = fills(store);
    byte[] content = bytes(SIZE, 18);
    Digest digest = Digest.sha256(content);
    FakeUpstream upstream =
        new FakeUpstream((call, offset) -> answer(content, slice(content, 0, SIZE)));

    assertThat(readAll(fills.serve(digest, SIZE, upstream)))
        .as("the whole blob, tail included, while the commit waits")
        .isEqualTo(content);
    assertThat(store.commitStarted.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(fills.inFlight(digest)).isTrue();
    assertThat(fills.verified(digest)).isTrue();
    assertThat(store.size(digest)).isEmpty();
    assertThat(readAll(fills.serve(digest, SIZE, upstream)))
        .as("a reader arriving during the commit")
        .isEqualTo(content);

    commitMayEnd.countDown();
    awaitCommitted(fills, store, digest);
    assertThat(readAll(store.open(digest).orElseThrow())).isEqualTo(content);
    assertThat(upstream.offsets).containsExactly(0L);
    assertThat(spoolFiles()).isEmpty();
  }

  @Test
  void aCommitThatFailsAfterVerificationStoresNothingAndTheNextServeFetchesAgain()
      throws Exception {
    CountDownLatch commitMayEnd = new CountDownLatch(1);
    commitMayEnd.countDown();
    CommitGate store =
        new CommitGate(new FileSystemBlobStore(dataDir), commitMayEnd, "disk full (simulated)");
    BlobFills fills = fills(store);
    byte[] content = bytes(SIZE, 19);
    Digest digest = Digest.sha256(content);
    FakeUpstream upstream =
        new FakeUpstream((call, offset) -> answer(content, slice(content, 0, SIZE)));

    try {
      assertThat(readAll(fills.serve(digest, SIZE, upstream)))
          .as("verified bytes are right bytes")
          .isEqualTo(content);
    } catch (IOException e) {
      // Also fine: this reader was still reading, or had not begun, when the commit failed.
      assertThat(e).hasStackTraceContaining("disk full (simulated)");
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (fills.inFlight(digest) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(fills.inFlight(digest)).isFalse();
    assertThat(store.size(digest)).isEmpty();
    assertThat(spoolFiles()).isEmpty();

    store.failure = null;
    assertThat(readAll(fills.serve(digest, SIZE, upstream))).isEqualTo(content);
    awaitCommitted(fills, store, digest);
    assertThat(upstream.offsets).containsExactly(0L, 0L);
  }

  @Test
  void awaitStoredReturnsOnceTheFillHasCommittedWhatItsReadersAlreadyGot() throws Exception {
    CountDownLatch commitMayEnd = new CountDownLatch(1);
    CommitGate store = new CommitGate(new FileSystemBlobStore(dataDir), commitMayEnd, null);
    BlobFills fills = fills(store);
    byte[] content = bytes(SIZE, 21);
    Digest digest = Digest.sha256(content);
    FakeUpstream upstream =
        new FakeUpstream((call, offset) -> answer(content, slice(content, 0, SIZE)));

    assertThat(readAll(fills.serve(digest, SIZE, upstream))).isEqualTo(content);
    assertThat(store.commitStarted.await(10, TimeUnit.SECONDS)).isTrue();
    Future<Boolean> stored = clients.submit(() -> fills.awaitStored(digest));
    Thread.sleep(100);
    assertThat(stored).as("still committing").isNotDone();

    commitMayEnd.countDown();
    assertThat(stored.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(store.size(digest)).hasValue((long) SIZE);
    assertThat(fills.awaitStored(digest)).as("no fill: the store answers").isTrue();
  }

  @Test
  void awaitStoredSaysFalseWhenTheCommitFailed() throws Exception {
    CountDownLatch commitMayEnd = new CountDownLatch(1);
    CommitGate store =
        new CommitGate(new FileSystemBlobStore(dataDir), commitMayEnd, "disk full (simulated)");
    BlobFills fills = fills(store);
    byte[] content = bytes(SIZE, 22);
    Digest digest = Digest.sha256(content);
    FakeUpstream upstream =
        new FakeUpstream((call, offset) -> answer(content, slice(content, 0, SIZE)));

    assertThat(readAll(fills.serve(digest, SIZE, upstream))).isEqualTo(content);
    Future<Boolean> stored = clients.submit(() -> fills.awaitStored(digest));
    commitMayEnd.countDown();
    assertThat(stored.get(10, TimeUnit.SECONDS)).isFalse();
    assertThat(store.size(digest)).isEmpty();
  }

  /** A blob store whose commits of spooled files wait for a latch, and may fail. */
  private static final class CommitGate implements BlobStore {
    private final BlobStore store;
    private final CountDownLatch commitMayEnd;
    final CountDownLatch commitStarted = new CountDownLatch(1);
    volatile String failure;

    CommitGate(BlobStore store, CountDownLatch commitMayEnd, String failure) {
      this.store = store;
      this.commitMayEnd = commitMayEnd;
      this.failure = failure;
    }

    @Override
    public void importFile(Digest digest, long size, Path file) throws IOException {
      commitStarted.countDown();
      try {
        commitMayEnd.await();
      } catch (InterruptedException e) {
        throw new InterruptedIOException();
      }
      if (failure != null) {
        throw new IOException(failure);
      }
      store.importFile(digest, size, file);
    }

    @Override
    public Optional<Long> size(Digest digest) throws IOException {
      return store.size(digest);
    }

    @Override
    public Optional<BlobContent> open(Digest digest) throws IOException {
      return store.open(digest);
    }

    @Override
    public BlobUpload startUpload(String id) throws IOException {
      return store.startUpload(id);
    }

    @Override
    public Optional<BlobUpload> resumeUpload(String id) throws IOException {
      return store.resumeUpload(id);
    }

    @Override
    public void cancelUpload(String id) throws IOException {
      store.cancelUpload(id);
    }

    @Override
    public boolean delete(Digest digest) throws IOException {
      return store.delete(digest);
    }

    @Override
    public boolean quarantine(Digest digest) throws IOException {
      return store.quarantine(digest);
    }

    @Override
    public java.util.stream.Stream<StoredFile> list() throws IOException {
      return store.list();
    }
  }

  @Test
  void aLiveViewReadsAsAChannelIntoDirectMemoryWithTheTailHeldBackUntilVerified() throws Exception {
    BlobFills fills = fills(memory);
    byte[] content = bytes(SIZE, 20);
    Digest digest = Digest.sha256(content);
    CountDownLatch resume = new CountDownLatch(1);
    FakeUpstream upstream =
        new FakeUpstream((call, offset) -> answer(content, pausing(content, 0, SIZE - 10, resume)));
    BlobContent.Growing view = (BlobContent.Growing) fills.serve(digest, SIZE, upstream);
    long from = 1000;
    GrowingFile channel = view.open(from, SIZE - from);
    assertThat(channel.file()).as("the spool file, for zero-copy transfer").isPresent();
    java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(SIZE);

    int headLength = SIZE - BlobFills.HOLD_BACK - (int) from;
    direct.limit(headLength);
    while (direct.hasRemaining()) {
      assertThat(channel.read(direct)).isPositive();
    }
    direct.limit(direct.capacity());
    Future<Integer> tail = clients.submit(() -> channel.read(direct));
    assertThatThrownBy(() -> tail.get(300, TimeUnit.MILLISECONDS))
        .as("the tail is held back while the fill is unverified")
        .isInstanceOf(TimeoutException.class);

    resume.countDown();
    assertThat(tail.get(10, TimeUnit.SECONDS)).isPositive();
    while (channel.read(direct) >= 0) {
      // the rest
    }
    direct.flip();
    byte[] got = new byte[direct.remaining()];
    direct.get(got);
    assertThat(got).isEqualTo(Arrays.copyOfRange(content, (int) from, SIZE));
    channel.close();
    awaitCommitted(fills, memory, digest);
  }

  @Test
  void aBlobAlreadyInTheStoreIsNeverFetched() throws Exception {
    BlobFills fills = fills(memory);
    byte[] content = bytes(1000, 17);
    Digest digest = Digest.sha256(content);
    memory.put(digest, content);

    BlobContent served =
        fills.serve(
            digest,
            1000,
            offset -> {
              throw new AssertionError("the upstream must not be asked");
            });

    assertThat(readAll(served)).isEqualTo(content);
    assertThat(fills.inFlightCount()).isZero();
  }

  // Helpers.

  private BlobFills fills(BlobStore store) throws IOException {
    return new BlobFills(store, spoolDir(), fillThreads);
  }

  private Path spoolDir() {
    return dataDir.resolve("spool");
  }

  private List<Path> spoolFiles() throws IOException {
    try (Stream<Path> files = Files.list(spoolDir())) {
      return files.toList();
    }
  }

  private static BlobContent.LocalFile localFile(BlobStore store, Digest digest)
      throws IOException {
    return (BlobContent.LocalFile) store.open(digest).orElseThrow();
  }

  private static void awaitCommitted(BlobFills fills, BlobStore store, Digest digest)
      throws Exception {
    awaitTrue(() -> !fills.inFlight(digest) && store.size(digest).isPresent());
  }

  private interface Condition {
    boolean holds() throws Exception;
  }

  private static void awaitTrue(Condition condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      Thread.sleep(5);
    }
  }

  private static void await(CountDownLatch latch) throws InterruptedIOException {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException();
    }
  }

  private static byte[] bytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** All of a blob's bytes, whichever way it is offered. */
  private static byte[] readAll(BlobContent content) throws IOException {
    try (InputStream in = content.openStream(0, content.size())) {
      return in.readAllBytes();
    }
  }

  /** What a client got: the bytes before a failure, and the failure (null at a clean end). */
  private record Outcome(byte[] bytes, IOException failure) {}

  /**
   * Serves and reads the blob; a fill that fails fast fails {@code serve} itself, a slower one the
   * reads, and either way the client gets no complete blob.
   */
  private static Outcome serveAndRead(BlobFills fills, Digest digest, long size, BlobSource source)
      throws IOException {
    BlobContent content;
    try {
      content = fills.serve(digest, size, source);
    } catch (IOException e) {
      return new Outcome(new byte[0], e);
    }
    return readOutcome(content);
  }

  private static Outcome readOutcome(BlobContent content) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    try (InputStream in = content.openStream(0, content.size())) {
      byte[] buffer = new byte[8192];
      for (int n; (n = in.read(buffer)) != -1; ) {
        got.write(buffer, 0, n);
      }
    } catch (IOException e) {
      return new Outcome(got.toByteArray(), e);
    }
    return new Outcome(got.toByteArray(), null);
  }

  /** A 404 {@code BLOB_UNKNOWN} as the registry client reports it, from a loopback server. */
  private static RegistryException blobUnknownFromARealClient(Digest digest) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          byte[] body =
              "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown to registry\"}]}"
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(404, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    try (RegistryClient client =
        RegistryClient.builder(
                RegistryEndpoint.of("http://127.0.0.1:" + server.getAddress().getPort()))
            .build()) {
      client.getBlob(RepositoryName.of("library/app"), digest, 0).close();
      throw new AssertionError("the fake upstream should have answered 404");
    } catch (RegistryException e) {
      return e;
    } finally {
      server.stop(0);
    }
  }

  // A fake upstream.

  /** How a fake upstream answers its {@code call}-th request (0 first). */
  private interface Script {
    BlobSource.SourceStream answer(int call, long offset) throws IOException;
  }

  /** Answers every open by its script and records the offsets asked for. */
  private static final class FakeUpstream implements BlobSource {
    final List<Long> offsets = new CopyOnWriteArrayList<>();
    private final Script script;
    private final AtomicInteger calls = new AtomicInteger();

    FakeUpstream(Script script) {
      this.script = script;
    }

    @Override
    public SourceStream open(long offset) throws IOException {
      offsets.add(offset);
      return script.answer(calls.getAndIncrement(), offset);
    }
  }

  private static BlobSource.SourceStream answer(byte[] whole, InputStream body) {
    return new BlobSource.SourceStream(whole.length, body);
  }

  private static BlobSource.SourceStream answer(long totalSize, InputStream body) {
    return new BlobSource.SourceStream(totalSize, body);
  }

  /** Bytes {@code [from, to)}, then a clean end: a truncation when {@code to} is short. */
  private static InputStream slice(byte[] content, long from, long to) {
    int end = (int) Math.min(to, content.length);
    return new ByteArrayInputStream(content, (int) from, end - (int) from);
  }

  /** Bytes {@code [from, to)}, then a connection reset. */
  private static InputStream breaking(byte[] content, long from, long to) {
    InputStream delegate = slice(content, from, to);
    return new InputStream() {
      @Override
      public int read() throws IOException {
        int b = delegate.read();
        if (b == -1) {
          throw new IOException("connection reset");
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = delegate.read(b, off, len);
        if (n == -1) {
          throw new IOException("connection reset");
        }
        return n;
      }
    };
  }

  /** The bytes from {@code from} on, stopping at {@code pauseAt} until {@code resume} opens. */
  private static InputStream pausing(
      byte[] content, long from, long pauseAt, CountDownLatch resume) {
    return new InputStream() {
      private int position = (int) from;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (position == pauseAt) {
          await(resume);
        }
        if (position >= content.length) {
          return -1;
        }
        int limit = position < pauseAt ? (int) pauseAt : content.length;
        int n = Math.min(len, limit - position);
        System.arraycopy(content, position, b, off, n);
        position += n;
        return n;
      }
    };
  }
}
