package dev.hoist.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.oci.Digest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that speak HTTP/2 (Java's HttpClient upgrades plain connections with h2c by default) get
 * the same bytes as HTTP/1.1 clients, though HTTP/2 has no zero-copy file transfer.
 */
class Http2IT {
  @TempDir Path dir;

  @Test
  void blobsAreServedWholeAndByRangeOverHttp2() throws Exception {
    byte[] blob = new byte[3 * 1024 * 1024 + 17];
    new Random(3).nextBytes(blob);
    Digest digest = Digest.sha256(blob);
    try (HoistServer server =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(dir)
                .build())) {
      HttpClient http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpResponse<String> pushed =
          http1.send(
              HttpRequest.newBuilder(
                      URI.create(server.url() + "/v2/h2/blobs/uploads/?digest=" + digest))
                  .POST(HttpRequest.BodyPublishers.ofByteArray(blob))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(pushed.statusCode()).isEqualTo(201);

      HttpClient http2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
      URI uri = URI.create(server.url() + "/v2/h2/blobs/" + digest);
      // The first request upgrades the connection; the next ones run on HTTP/2 itself.
      for (int i = 0; i < 2; i++) {
        HttpResponse<byte[]> whole =
            http2.send(
                HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.body()).isEqualTo(blob);
      }
      HttpResponse<byte[]> range =
          http2.send(
              HttpRequest.newBuilder(uri).header("Range", "bytes=1000-1999").build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(range.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(range.statusCode()).isEqualTo(206);
      assertThat(range.body()).isEqualTo(Arrays.copyOfRange(blob, 1000, 2000));
    }
  }
}
