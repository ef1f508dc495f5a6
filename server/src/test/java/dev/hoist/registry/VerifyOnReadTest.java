package dev.hoist.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.fs.FileSystemBlobStore;
import dev.hoist.storage.sql.SqliteMetadataStore;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verifyOnRead} through a real HTTP server over real stores: rotten bytes on disk, of the
 * right size (which no size check sees), never reach a client as a complete 200.
 */
class VerifyOnReadTest {
  private static final String REPO = "team/app";
  private static final int HOLD_BACK = 64 * 1024;

  @TempDir Path dir;
  private final Vertx vertx = Vertx.vertx();
  private SqliteMetadataStore metadata;
  private TestRegistry registry;
  private RegistryTestClient client;

  private void start(boolean verifyOnRead) throws IOException {
    metadata = SqliteMetadataStore.open(dir);
    registry =
        TestRegistry.start(
            vertx,
            new FileSystemBlobStore(dir),
            metadata,
            RegistryOptions.defaults().withVerifyOnRead(verifyOnRead),
            InstantSource.system());
    client = registry.client();
  }

  @AfterEach
  void stop() throws Exception {
    if (registry != null) {
      registry.close();
    }
    if (metadata != null) {
      metadata.close();
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aRottenBlobIsCutBeforeItsLast64KiBAndGoesToTheQuarantine() throws Exception {
    start(true);
    byte[] content = random(1024 * 1024 + 1000, 1);
    Digest digest = client.pushBlob(REPO, content);
    flipAByte(digest, 10);

    Received got = rawGet("/v2/" + REPO + "/blobs/" + digest);

    assertThat(got.status()).isEqualTo(200);
    assertThat(got.contentLength()).isEqualTo(content.length);
    assertThat(got.body().length).isLessThanOrEqualTo(content.length - HOLD_BACK);
    assertThat(quarantined()).hasSize(1);
    HttpResponse<byte[]> again = client.get("/v2/" + REPO + "/blobs/" + digest);
    assertThat(again.statusCode()).isEqualTo(404);
    assertThat(RegistryTestClient.errorCode(again)).isEqualTo("BLOB_UNKNOWN");
    // The client pushes it again and gets it whole.
    client.pushBlob(REPO, content);
    assertThat(client.get("/v2/" + REPO + "/blobs/" + digest).body()).isEqualTo(content);
  }

  @Test
  void aRottenSmallBlobIsAnErrorNotA200() throws Exception {
    start(true);
    byte[] content = random(HOLD_BACK - 1, 2);
    Digest digest = client.pushBlob(REPO, content);
    flipAByte(digest, content.length - 1);

    Received got = rawGet("/v2/" + REPO + "/blobs/" + digest);

    // Nothing of it was written when the digest failed, so not even the head: an error instead.
    assertThat(got.status()).isEqualTo(500);
    assertThat(RegistryTestClient.errorCode(got.body())).isEqualTo("UNKNOWN");
    assertThat(quarantined()).hasSize(1);
  }

  @Test
  void aRottenManifestIsNotServed() throws Exception {
    start(true);
    RegistryTestClient.Image image = client.pushImage(REPO, "1", "seed");
    flipAByte(image.manifest(), 0);

    Received got = rawGet("/v2/" + REPO + "/manifests/1", "Accept: " + MediaTypes.OCI_MANIFEST);

    assertThat(got.status()).isEqualTo(500);
    assertThat(RegistryTestClient.errorCode(got.body())).isEqualTo("UNKNOWN");
    assertThat(quarantined()).hasSize(1);
    assertThat(client.get("/v2/" + REPO + "/manifests/1").statusCode()).isEqualTo(404);
  }

  @Test
  void goodBlobsOfEverySizeAroundTheChunkAndHoldBackEdgesAreServedWhole() throws Exception {
    start(true);
    int chunk = ContentSender.STREAM_CHUNK;
    for (int size :
        List.of(
            1,
            HOLD_BACK - 1,
            HOLD_BACK,
            HOLD_BACK + 1,
            chunk,
            chunk + 1,
            chunk + HOLD_BACK,
            chunk + HOLD_BACK + 1,
            3 * chunk + 5)) {
      byte[] content = random(size, size);
      Digest digest = client.pushBlob(REPO, content);

      HttpResponse<byte[]> got = client.get("/v2/" + REPO + "/blobs/" + digest);

      assertThat(got.statusCode()).as("size %d", size).isEqualTo(200);
      assertThat(got.body()).as("size %d", size).isEqualTo(content);
    }
  }

  @Test
  void aRangeOfARottenBlobIsServedUnverified() throws Exception {
    start(true);
    byte[] content = random(300_000, 3);
    Digest digest = client.pushBlob(REPO, content);
    flipAByte(digest, 10);

    HttpResponse<byte[]> got =
        client.get("/v2/" + REPO + "/blobs/" + digest, "Range", "bytes=0-99");

    // A part cannot be checked against the digest of the whole; the client checks what it
    // assembles.
    assertThat(got.statusCode()).isEqualTo(206);
    assertThat(got.body()).hasSize(100).isNotEqualTo(java.util.Arrays.copyOf(content, 100));
  }

  @Test
  void withoutVerifyOnReadRottenBytesOfTheRightSizeAreServedWhole() throws Exception {
    start(false);
    byte[] content = random(300_000, 4);
    Digest digest = client.pushBlob(REPO, content);
    flipAByte(digest, 10);

    HttpResponse<byte[]> got = client.get("/v2/" + REPO + "/blobs/" + digest);

    // The gap verifyOnRead closes (the scrub finds these bytes later): a complete 200 of wrong
    // bytes, sent zero-copy.
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(got.body()).hasSize(content.length);
    assertThat(Digest.sha256(got.body())).isNotEqualTo(digest);
  }

  /** What a client reading until the server closes or resets the connection received. */
  private record Received(int status, long contentLength, byte[] body) {}

  private Received rawGet(String path, String... headers) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", registry.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      for (String header : headers) {
        request.append(header).append("\r\n");
      }
      request.append("Connection: close\r\n\r\n");
      out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String head = readHead(in);
      int status = Integer.parseInt(head.substring(9, 12));
      long length =
          head.lines()
              .filter(l -> l.toLowerCase(Locale.ROOT).startsWith("content-length:"))
              .mapToLong(l -> Long.parseLong(l.substring(15).strip()))
              .findFirst()
              .orElse(-1);
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      try {
        for (int n; (n = in.read(buffer)) != -1; ) {
          body.write(buffer, 0, n);
        }
      } catch (IOException reset) {
        // Connection reset: what arrived before it is what the client got.
      }
      return new Received(status, length, body.toByteArray());
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < end.length) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed in the response head: " + head);
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  /** Flips one bit of a stored blob's file in place: same size, other bytes. */
  private void flipAByte(Digest digest, int at) throws IOException {
    Path file = ((BlobContent.LocalFile) registry.blobs.open(digest).orElseThrow()).path();
    byte[] bytes = Files.readAllBytes(file);
    bytes[at] ^= 0x01;
    Files.write(file, bytes);
  }

  private List<Path> quarantined() throws IOException {
    Path quarantine = dir.resolve("quarantine");
    if (!Files.isDirectory(quarantine)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(quarantine)) {
      return files.toList();
    }
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }
}
