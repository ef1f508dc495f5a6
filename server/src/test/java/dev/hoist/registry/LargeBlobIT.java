package dev.hoist.registry;

import static dev.hoist.registry.RegistryTestClient.header;
import static dev.hoist.registry.RegistryTestClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.oci.Digest;
import dev.hoist.oci.Digester;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 2 GiB blob pushed (one streamed PATCH) and pulled (whole and by range) through a registry whose
 * JVM has a 128 MiB heap: uploads and downloads must stream, never buffer a blob.
 */
class LargeBlobIT {
  private static final long SIZE = 2L * 1024 * 1024 * 1024;
  private static final int BLOCK = 1024 * 1024;
  private static final String REPO = "large/blob";

  @TempDir Path dir;
  private Process server;
  private Path serverErr;
  private RegistryTestClient client;

  @BeforeEach
  void startServer() throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    serverErr = dir.resolve("server.err");
    Path data = Files.createDirectories(dir.resolve("data"));
    List<String> command = new ArrayList<>();
    command.add(java);
    command.add("-Xmx128m");
    command.add("-XX:+ExitOnOutOfMemoryError");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(LargeBlobServerMain.class.getName());
    command.add(data.toString());
    server =
        new ProcessBuilder(command)
            .redirectError(serverErr.toFile())
            .redirectInput(ProcessBuilder.Redirect.PIPE)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    assertThat(line).as("server output; stderr: " + stderr()).startsWith("PORT ");
    client = new RegistryTestClient(URI.create("http://127.0.0.1:" + line.substring(5).strip()));
  }

  @AfterEach
  void stopServer() throws Exception {
    server.getOutputStream().close();
    if (!server.waitFor(30, TimeUnit.SECONDS)) {
      server.destroyForcibly();
    }
  }

  private String stderr() {
    try {
      return Files.exists(serverErr) ? Files.readString(serverErr) : "";
    } catch (IOException e) {
      return e.toString();
    }
  }

  @Test
  void twoGibibyteBlobStreamsThroughASmallHeap() throws Exception {
    String location = client.startUpload(REPO);
    GeneratedContent body = new GeneratedContent(SIZE);
    HttpResponse<byte[]> patch =
        client.send(
            client
                .request(location)
                .header("Content-Type", "application/octet-stream")
                .method("PATCH", HttpRequest.BodyPublishers.ofInputStream(() -> body)),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(patch.statusCode()).as(text(patch) + stderr()).isEqualTo(202);
    assertThat(header(patch, "Range")).isEqualTo("0-" + (SIZE - 1));
    Digest digest = body.digester.digest();

    HttpResponse<byte[]> put =
        client.put(RegistryTestClient.withDigest(header(patch, "Location"), digest), null);
    assertThat(put.statusCode()).as(text(put) + stderr()).isEqualTo(201);

    String blob = "/v2/" + REPO + "/blobs/" + digest;
    HttpResponse<byte[]> head = client.head(blob);
    assertThat(header(head, "Content-Length")).isEqualTo(Long.toString(SIZE));

    HttpResponse<InputStream> get =
        client.send(client.request(blob).GET(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(get.statusCode()).isEqualTo(200);
    Digester pulled = Digester.of(digest);
    try (InputStream in = get.body()) {
      byte[] buf = new byte[BLOCK];
      for (int n; (n = in.read(buf)) != -1; ) {
        pulled.update(buf, 0, n);
      }
    }
    assertThat(pulled.bytes()).isEqualTo(SIZE);
    assertThat(pulled.digest()).isEqualTo(digest);

    HttpResponse<byte[]> tail = client.get(blob, "Range", "bytes=" + (SIZE - 10) + "-");
    assertThat(tail.statusCode()).isEqualTo(206);
    assertThat(header(tail, "Content-Range"))
        .isEqualTo("bytes " + (SIZE - 10) + "-" + (SIZE - 1) + "/" + SIZE);
    assertThat(tail.body()).isEqualTo(new GeneratedContent(SIZE).bytesAt(SIZE - 10, 10));

    assertThat(server.isAlive()).as(stderr()).isTrue();
    assertThat(stderr()).doesNotContain("OutOfMemoryError");
  }

  /**
   * {@code size} pseudo-random bytes made of one random 1 MiB block whose first 8 bytes carry the
   * block number; hashed as they are read.
   */
  private static final class GeneratedContent extends InputStream {
    private final byte[] block = new byte[BLOCK];
    private final long size;
    final Digester digester = Digester.forAlgorithm(Digest.SHA256);
    private long position;

    GeneratedContent(long size) {
      this.size = size;
      new Random(42).nextBytes(block);
    }

    byte byteAt(long offset) {
      long blockNumber = offset / BLOCK;
      int inBlock = (int) (offset % BLOCK);
      if (inBlock < 8) {
        return (byte) (blockNumber >>> (8 * inBlock));
      }
      return block[inBlock];
    }

    byte[] bytesAt(long offset, int length) {
      byte[] out = new byte[length];
      for (int i = 0; i < length; i++) {
        out[i] = byteAt(offset + i);
      }
      return out;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (position >= size) {
        return -1;
      }
      int inBlock = (int) (position % BLOCK);
      int n = (int) Math.min(Math.min(len, BLOCK - inBlock), size - position);
      if (inBlock < 8) {
        // Slow path for the block header bytes.
        n = Math.min(n, 8 - inBlock);
        for (int i = 0; i < n; i++) {
          b[off + i] = byteAt(position + i);
        }
      } else {
        System.arraycopy(block, inBlock, b, off, n);
      }
      digester.update(b, off, n);
      position += n;
      return n;
    }
  }
}
