package dev.hoist.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.oci.Digest;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping the server lets a download in flight finish within the grace period.
 *
 * <p>HTTP/1.1 only: over HTTP/2 the server also sends every byte and ends the stream before it
 * closes the connection, but Java's HttpClient then fails a finished stream whose bytes its caller
 * has not read yet, so it cannot check this.
 */
class GracefulShutdownIT {
  @TempDir Path dir;

  @Test
  void aDownloadInFlightWhenTheServerStopsGetsEveryByte() throws Exception {
    byte[] blob = new byte[64 * 1024 * 1024];
    new Random(5).nextBytes(blob);
    Digest digest = Digest.sha256(blob);
    HoistServer server =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(dir)
                .build());
    CompletableFuture<Void> closing = null;
    try {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpResponse<String> pushed =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(server.url() + "/v2/stop/blobs/uploads/?digest=" + digest))
                  .POST(HttpRequest.BodyPublishers.ofByteArray(blob))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(pushed.statusCode()).isEqualTo(201);

      URI uri = URI.create(server.url() + "/v2/stop/blobs/" + digest);
      HttpResponse<InputStream> download =
          http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofInputStream());
      assertThat(download.statusCode()).isEqualTo(200);
      try (InputStream in = download.body()) {
        byte[] first = in.readNBytes(1024 * 1024);
        closing = CompletableFuture.runAsync(server::close);
        Thread.sleep(300); // the server is stopping, the client has not read on
        byte[] rest = in.readAllBytes();
        byte[] whole = new byte[first.length + rest.length];
        System.arraycopy(first, 0, whole, 0, first.length);
        System.arraycopy(rest, 0, whole, first.length, rest.length);
        assertThat(whole.length).isEqualTo(blob.length);
        assertThat(Digest.sha256(whole)).isEqualTo(digest);
      }
    } finally {
      if (closing != null) {
        closing.join();
      }
      server.close();
    }
  }
}
