package dev.hoist.registry;

import static dev.hoist.registry.RegistryTestClient.header;
import static dev.hoist.registry.RegistryTestClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.oci.Digest;
import dev.hoist.storage.fs.FileSystemBlobStore;
import dev.hoist.storage.sql.SqliteMetadataStore;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Upload sessions and content survive a restart of the registry over the same data directory. */
class UploadRestartIT {
  private static final String REPO = "restart/app";

  @TempDir Path dir;
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private TestRegistry open() throws IOException {
    return TestRegistry.start(
        vertx,
        new FileSystemBlobStore(dir),
        SqliteMetadataStore.open(dir),
        RegistryOptions.defaults(),
        InstantSource.system());
  }

  private static void stop(TestRegistry registry) {
    registry.close();
    registry.metadata.close();
  }

  @Test
  void uploadSessionContinuesAfterRestart() throws IOException {
    byte[] content = new byte[250_000];
    new Random(3).nextBytes(content);

    TestRegistry first = open();
    RegistryTestClient.Image image = first.client().pushImage(REPO, "v1", "restart");
    String location = first.client().startUpload(REPO);
    HttpResponse<byte[]> patch =
        first.client().patch(location, Arrays.copyOf(content, 100_000), "Content-Range", "0-99999");
    assertThat(patch.statusCode()).isEqualTo(202);
    stop(first);

    TestRegistry second = open();
    try {
      RegistryTestClient client = second.client();
      HttpResponse<byte[]> status = client.get(location);
      assertThat(status.statusCode()).as(text(status)).isEqualTo(204);
      assertThat(header(status, "Range")).isEqualTo("0-99999");
      HttpResponse<byte[]> rest =
          client.patch(
              location,
              Arrays.copyOfRange(content, 100_000, content.length),
              "Content-Range",
              "100000-249999");
      assertThat(rest.statusCode()).as(text(rest)).isEqualTo(202);
      HttpResponse<byte[]> put =
          client.put(RegistryTestClient.withDigest(location, Digest.sha256(content)), null);
      assertThat(put.statusCode()).as(text(put)).isEqualTo(201);
      assertThat(client.get("/v2/" + REPO + "/blobs/" + Digest.sha256(content)).body())
          .isEqualTo(content);
      assertThat(client.get("/v2/" + REPO + "/manifests/v1").body())
          .isEqualTo(image.manifestBytes());
    } finally {
      stop(second);
    }
  }
}
