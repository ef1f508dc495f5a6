package dev.hoist.registry;

import static dev.hoist.registry.RegistryTestClient.header;
import static dev.hoist.registry.RegistryTestClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.oci.Digest;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.BlobUpload;
import dev.hoist.testkit.MemoryBlobStore;
import dev.hoist.testkit.MemoryMetadataStore;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How upload bodies flow into storage: backpressure, and clients that go away. */
class UploadStreamingTest {
  private static final String REPO = "stream/test";

  private final Vertx vertx = Vertx.vertx();
  private final GatedBlobStore blobs = new GatedBlobStore(new MemoryBlobStore());
  private final MemoryMetadataStore metadata = new MemoryMetadataStore();
  private TestRegistry registry;
  private RegistryTestClient client;

  @BeforeEach
  void start() {
    registry =
        TestRegistry.start(
            vertx, blobs, metadata, RegistryOptions.defaults(), InstantSource.system());
    client = registry.client();
  }

  @AfterEach
  void stop() throws Exception {
    blobs.open();
    registry.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void uploadBodyIsPausedWhileStorageIsBusy() throws Exception {
    long total = 64L * 1024 * 1024;
    String location = client.startUpload(REPO);
    blobs.close();
    CountingStream body = new CountingStream(total);
    CompletableFuture<HttpResponse<byte[]>> response =
        CompletableFuture.supplyAsync(
            () ->
                client.send(
                    client
                        .request(location)
                        .method("PATCH", HttpRequest.BodyPublishers.ofInputStream(() -> body)),
                    HttpResponse.BodyHandlers.ofByteArray()));

    assertThat(blobs.writeWaiting.await(10, TimeUnit.SECONDS)).isTrue();
    Thread.sleep(1500);
    long stalledAt = body.read.get();
    Thread.sleep(1000);
    // The client can only fill the socket buffers while storage does not take bytes.
    assertThat(body.read.get() - stalledAt).isLessThan(1024 * 1024);
    assertThat(stalledAt).isLessThan(total / 2);
    assertThat(response).isNotDone();

    blobs.open();
    HttpResponse<byte[]> r = response.get(60, TimeUnit.SECONDS);
    assertThat(r.statusCode()).as(text(r)).isEqualTo(202);
    assertThat(header(r, "Range")).isEqualTo("0-" + (total - 1));
  }

  @Test
  void clientThatDisconnectsMidChunkFreesTheSession() throws Exception {
    byte[] content = new byte[400_000];
    new java.util.Random(1).nextBytes(content);
    String location = client.startUpload(REPO);
    try (Socket socket = new Socket("127.0.0.1", registry.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("PATCH "
                  + location
                  + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                  + "Content-Length: 1000000\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(content, 0, 300_000);
      out.flush();
      Thread.sleep(300);
    }
    // The session answers again (it is not stuck behind the dead request) with what it kept.
    HttpResponse<byte[]> status = null;
    for (int i = 0; i < 50; i++) {
      status = client.get(location);
      if (status.statusCode() == 204) {
        break;
      }
      Thread.sleep(100);
    }
    assertThat(status.statusCode()).as(text(status)).isEqualTo(204);
    String range = header(status, "Range");
    long kept = range == null ? 0 : Long.parseLong(range.substring(2)) + 1;
    assertThat(kept).isBetween(0L, 300_000L);

    HttpResponse<byte[]> rest =
        client.patch(
            location,
            Arrays.copyOfRange(content, (int) kept, content.length),
            "Content-Range",
            kept + "-" + (content.length - 1));
    assertThat(rest.statusCode()).as(text(rest)).isEqualTo(202);
    HttpResponse<byte[]> put =
        client.put(RegistryTestClient.withDigest(location, Digest.sha256(content)), null);
    assertThat(put.statusCode()).as(text(put)).isEqualTo(201);
  }

  @Test
  void expectContinueIsAnsweredOnlyForAcceptedRequests() throws Exception {
    String location = client.startUpload(REPO);
    // Out of order: refused before the client sends its body.
    try (Socket socket = new Socket("127.0.0.1", registry.port())) {
      socket.setSoTimeout(5000);
      socket
          .getOutputStream()
          .write(
              ("PATCH "
                      + location
                      + " HTTP/1.1\r\nHost: x\r\nContent-Range: 10-19\r\nContent-Length: 10\r\n"
                      + "Expect: 100-continue\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String first = firstLine(socket.getInputStream());
      assertThat(first).startsWith("HTTP/1.1 416");
    }
    // In order: 100 Continue, then the body, then 202.
    try (Socket socket = new Socket("127.0.0.1", registry.port())) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("PATCH "
                  + location
                  + " HTTP/1.1\r\nHost: x\r\nContent-Range: 0-9\r\nContent-Length: 10\r\n"
                  + "Expect: 100-continue\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      assertThat(firstLine(in)).startsWith("HTTP/1.1 100");
      out.write(new byte[10]);
      String rest = readUntil(in, "\r\n\r\n", "HTTP/1.1 202");
      assertThat(rest).contains("HTTP/1.1 202");
    }
  }

  private static String firstLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int c; (c = in.read()) != -1 && c != '\n'; ) {
      sb.append((char) c);
    }
    return sb.toString().strip();
  }

  private static String readUntil(InputStream in, String end, String must) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int c; (c = in.read()) != -1; ) {
      sb.append((char) c);
      if (sb.indexOf(must) >= 0 && sb.lastIndexOf(end) > sb.indexOf(must)) {
        break;
      }
    }
    return sb.toString();
  }

  /** Produces {@code total} zero bytes, counting how many were read. */
  private static final class CountingStream extends InputStream {
    final AtomicLong read = new AtomicLong();
    private final long total;

    CountingStream(long total) {
      this.total = total;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0];
    }

    @Override
    public int read(byte[] b, int off, int len) {
      long left = total - read.get();
      if (left <= 0) {
        return -1;
      }
      int n = (int) Math.min(len, left);
      Arrays.fill(b, off, off + n, (byte) 0);
      read.addAndGet(n);
      return n;
    }
  }

  /** A blob store whose upload writes wait while the gate is closed. */
  private static final class GatedBlobStore implements BlobStore {
    private final BlobStore delegate;
    private volatile CountDownLatch gate = new CountDownLatch(0);
    final CountDownLatch writeWaiting = new CountDownLatch(1);

    GatedBlobStore(BlobStore delegate) {
      this.delegate = delegate;
    }

    void close() {
      gate = new CountDownLatch(1);
    }

    void open() {
      gate.countDown();
    }

    @Override
    public Optional<Long> size(Digest digest) throws IOException {
      return delegate.size(digest);
    }

    @Override
    public Optional<BlobContent> open(Digest digest) throws IOException {
      return delegate.open(digest);
    }

    @Override
    public BlobUpload startUpload(String id) throws IOException {
      return gated(delegate.startUpload(id));
    }

    @Override
    public Optional<BlobUpload> resumeUpload(String id) throws IOException {
      return delegate.resumeUpload(id).map(this::gated);
    }

    @Override
    public void cancelUpload(String id) throws IOException {
      delegate.cancelUpload(id);
    }

    @Override
    public boolean delete(Digest digest) throws IOException {
      return delegate.delete(digest);
    }

    @Override
    public boolean quarantine(Digest digest) throws IOException {
      return delegate.quarantine(digest);
    }

    @Override
    public java.util.stream.Stream<StoredFile> list() throws IOException {
      return delegate.list();
    }

    private BlobUpload gated(BlobUpload upload) {
      return new BlobUpload() {
        @Override
        public String id() {
          return upload.id();
        }

        @Override
        public long size() {
          return upload.size();
        }

        @Override
        public void write(ByteBuffer bytes) throws IOException {
          waitForGate();
          upload.write(bytes);
        }

        @Override
        public long write(InputStream in) throws IOException {
          waitForGate();
          return upload.write(in);
        }

        @Override
        public void commit(Digest expected, long expectedSize) throws IOException {
          upload.commit(expected, expectedSize);
        }

        @Override
        public void cancel() throws IOException {
          upload.cancel();
        }
      };
    }

    private void waitForGate() throws IOException {
      CountDownLatch g = gate;
      if (g.getCount() > 0) {
        writeWaiting.countDown();
      }
      try {
        if (!g.await(60, TimeUnit.SECONDS)) {
          throw new IOException("gate stayed closed");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
  }
}
