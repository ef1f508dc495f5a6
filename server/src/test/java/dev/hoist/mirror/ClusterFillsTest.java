package dev.hoist.mirror;

import static java.net.http.HttpResponse.BodyHandlers.ofByteArray;
import static java.net.http.HttpResponse.BodyHandlers.ofString;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.cluster.Cluster;
import dev.hoist.cluster.ClusterConfig;
import dev.hoist.oci.Digest;
import dev.hoist.pipeline.Pipeline;
import dev.hoist.registry.PeerEndpoint;
import dev.hoist.storage.BlobContent;
import dev.hoist.testkit.MemoryBlobStore;
import dev.hoist.testkit.MemoryMetadataStore;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes of a cluster in one JVM, sharing one metadata store and one blob store, node A's
 * internal endpoint served by Vert.x: a blob both need crosses from the upstream once, and when A
 * dies in the middle of its fill, B takes the fill over with a Range at the bytes it has.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterFillsTest {
  private static final int SIZE = 3 * 1024 * 1024 + 77;
  private static final String SECRET = "a-cluster-secret-of-some-length";

  @TempDir Path dir;

  private final Vertx vertx = Vertx.vertx();
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final MemoryMetadataStore metadata = new MemoryMetadataStore();
  private final MemoryBlobStore blobs = new MemoryBlobStore();
  private final CountDownLatch endOfTest = new CountDownLatch(1);
  private Cluster nodeA;
  private Cluster nodeB;
  private HttpServer serverA;

  @AfterEach
  void stop() throws Exception {
    endOfTest.countDown();
    threads.shutdownNow();
    if (nodeA != null) {
      nodeA.close();
    }
    if (nodeB != null) {
      nodeB.close();
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aBlobBothNodesNeedCrossesFromTheUpstreamOnce() throws Exception {
    byte[] content = bytes(1);
    Digest digest = Digest.sha256(content);
    CountDownLatch release = new CountDownLatch(1);
    Upstream upstream = new Upstream(content, release);
    BlobFills fillsA = node("a", upstream);
    BlobFills fillsB = node("b", upstream);

    Future<byte[]> readA = threads.submit(() -> readAll(fillsA.serve(digest, -1, upstream)));
    awaitOpened(upstream);
    Future<byte[]> readB = threads.submit(() -> readAll(fillsB.serve(digest, -1, upstream)));
    Thread.sleep(300);
    release.countDown();

    assertThat(readA.get(20, TimeUnit.SECONDS)).isEqualTo(content);
    assertThat(readB.get(20, TimeUnit.SECONDS)).isEqualTo(content);
    assertThat(upstream.offsets)
        .as("one upstream fetch, by the lease's holder")
        .containsExactly(0L);
    awaitStored(digest);
    awaitLeaseReleased(digest);
  }

  @Test
  void whenTheFillingNodeDiesTheOtherTakesOverWithARange() throws Exception {
    byte[] content = bytes(2);
    Digest digest = Digest.sha256(content);
    // A's upstream sends a third of the blob, then hangs: A is alive but stuck, then dies.
    CountDownLatch never = new CountDownLatch(1);
    Upstream stuck = new Upstream(content, null, SIZE / 3, never);
    Upstream healthy = new Upstream(content, null);
    BlobFills fillsA = node("a", stuck);
    BlobFills fillsB = node("b", healthy);

    Future<byte[]> readA = threads.submit(() -> readAll(fillsA.serve(digest, -1, stuck)));
    awaitOpened(stuck);
    Future<byte[]> readB = threads.submit(() -> readAll(fillsB.serve(digest, -1, healthy)));
    Thread.sleep(500); // B streams A's first third
    // A dies: its endpoint goes away, its lease is no longer renewed.
    serverA.close().await(5, TimeUnit.SECONDS);
    nodeA.close();

    assertThat(readB.get(30, TimeUnit.SECONDS)).isEqualTo(content);
    assertThat(healthy.offsets)
        .as("B resumed from the upstream at the bytes it had streamed from A")
        .hasSize(1)
        .allSatisfy(offset -> assertThat(offset).isPositive());
    assertThat(stuck.sent.get() + healthy.sent.get())
        .as("upstream bytes")
        .isLessThanOrEqualTo(2L * SIZE);
    // Readers get verified bytes before the commit: the store has the blob a moment later.
    awaitStored(digest);
    readA.cancel(true);
  }

  @Test
  void theInternalEndpointAnswersOnlyTheClusterSecretAndNeverStartsAFill() throws Exception {
    byte[] content = bytes(3);
    Digest digest = Digest.sha256(content);
    Upstream upstream = new Upstream(content, null);
    BlobFills fillsA = node("a", upstream);
    assertThat(readAll(fillsA.serve(digest, -1, upstream))).isEqualTo(content);
    awaitStored(digest);
    HttpClient http = HttpClient.newHttpClient();
    URI blob = URI.create("http://127.0.0.1:" + serverA.actualPort() + Cluster.PEER_PATH + digest);

    List<String> wrong =
        List.of("", "wrong", SECRET + "x", SECRET.substring(0, SECRET.length() - 1));
    HttpResponse<byte[]> none = http.send(HttpRequest.newBuilder(blob).build(), ofByteArray());
    assertThat(none.statusCode()).as("no secret").isEqualTo(404);
    assertThat(none.body()).as("an error, not the blob").hasSizeLessThan(1024);
    for (String presented : wrong) {
      HttpResponse<byte[]> refused = http.send(withSecret(blob, presented), ofByteArray());
      assertThat(refused.statusCode()).as("secret '%s'", presented).isEqualTo(404);
      assertThat(refused.body()).as("an error, not the blob").hasSizeLessThan(1024);
    }

    HttpResponse<byte[]> served = http.send(withSecret(blob, SECRET), ofByteArray());
    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(served.body()).isEqualTo(content);

    Digest unknown = Digest.sha256(bytes(4));
    URI other =
        URI.create("http://127.0.0.1:" + serverA.actualPort() + Cluster.PEER_PATH + unknown);
    HttpResponse<String> missing = http.send(withSecret(other, SECRET), ofString());
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).contains("BLOB_UNKNOWN");
    assertThat(upstream.offsets).as("the endpoint never fetches from the upstream").hasSize(1);
  }

  private static HttpRequest withSecret(URI uri, String secret) {
    return HttpRequest.newBuilder(uri).header(Cluster.SECRET_HEADER, secret).build();
  }

  // Two nodes.

  private BlobFills node(String id, Upstream upstream) throws Exception {
    ClusterConfig config = new ClusterConfig(true, SECRET, null, id, Duration.ofSeconds(2));
    Cluster cluster = Cluster.create(config, metadata, java.time.InstantSource.system());
    BlobFills fills =
        BlobFills.create(
            blobs,
            dir.resolve("spool-" + id),
            threads,
            FillListener.NONE,
            new ClusterFills(cluster, blobs));
    if (id.equals("a")) {
      nodeA = cluster;
      PeerEndpoint peers =
          new PeerEndpoint(
              vertx, Cluster.PEER_PATH, Cluster.SECRET_HEADER, cluster::authorized, fills::local);
      Pipeline pipeline =
          Pipeline.builder()
              .stage("cluster", peers.stage())
              .endpoint("none", call -> call.response().setStatusCode(404).end());
      serverA =
          vertx
              .createHttpServer()
              .requestHandler(pipeline)
              .listen(0, "127.0.0.1")
              .await(10, TimeUnit.SECONDS);
      cluster.announce("127.0.0.1:" + serverA.actualPort());
    } else {
      nodeB = cluster;
      cluster.announce("127.0.0.1:1");
    }
    return fills;
  }

  private void awaitStored(Digest digest) throws Exception {
    for (int i = 0; i < 250 && blobs.size(digest).isEmpty(); i++) {
      Thread.sleep(20);
    }
    assertThat(blobs.size(digest)).as("the blob is stored").contains((long) SIZE);
  }

  private void awaitLeaseReleased(Digest digest) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      var lease = metadata.read(tx -> tx.cluster().lease("fill:" + digest));
      if (lease.isEmpty()) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the fill's lease was not released");
  }

  private static void awaitOpened(Upstream upstream) throws InterruptedException {
    for (int i = 0; i < 500 && upstream.offsets.isEmpty(); i++) {
      Thread.sleep(10);
    }
    assertThat(upstream.offsets).isNotEmpty();
  }

  /** A blob's bytes from an offset; waits on {@code release} first, stops at {@code hangAt}. */
  private final class Upstream implements BlobSource {
    final List<Long> offsets = new CopyOnWriteArrayList<>();
    final AtomicLong sent = new AtomicLong();
    private final byte[] content;
    private final CountDownLatch release;
    private final long hangAt;
    private final CountDownLatch hang;

    Upstream(byte[] content, CountDownLatch release) {
      this(content, release, Long.MAX_VALUE, null);
    }

    Upstream(byte[] content, CountDownLatch release, long hangAt, CountDownLatch hang) {
      this.content = content;
      this.release = release;
      this.hangAt = hangAt;
      this.hang = hang;
    }

    @Override
    public SourceStream open(long offset) {
      offsets.add(offset);
      InputStream body =
          new ByteArrayInputStream(content, (int) offset, content.length - (int) offset) {
            private long position = offset;

            @Override
            public synchronized int read(byte[] b, int off, int len) {
              try {
                if (release != null) {
                  release.await();
                }
                if (position >= hangAt && hang != null) {
                  // Stuck until the test ends: the node is as good as dead.
                  while (!endOfTest.await(50, TimeUnit.MILLISECONDS)) {
                    Thread.onSpinWait();
                  }
                  return -1;
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
              }
              int limit = (int) Math.min(len, Math.min(64 * 1024, hangAt - position));
              int n = super.read(b, off, Math.max(1, limit));
              if (n > 0) {
                position += n;
                sent.addAndGet(n);
              }
              return n;
            }
          };
      return new SourceStream(content.length, body);
    }
  }

  private static byte[] readAll(BlobContent content) throws IOException {
    try (InputStream in = content.openStream(0, content.size())) {
      return in.readAllBytes();
    }
  }

  private static byte[] bytes(long seed) {
    byte[] b = new byte[SIZE];
    new Random(seed).nextBytes(b);
    return b;
  }
}
