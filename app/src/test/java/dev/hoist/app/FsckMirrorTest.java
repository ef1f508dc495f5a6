package dev.hoist.app;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.mirror.MirrorConfig;
import dev.hoist.mirror.Upstream;
import dev.hoist.oci.Digest;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A blob of the mirror's cache rots on disk while the server is stopped: {@code fsck} reports and
 * quarantines it, and the restarted mirror fetches it from the upstream again. The upstream is a
 * second Hoist on loopback.
 */
class FsckMirrorTest {
  private static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";

  @TempDir Path dir;
  private HoistServer upstream;
  private HoistServer mirror;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stop() {
    if (mirror != null) {
      mirror.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  @Test
  void aRottenCachedBlobIsReportedByFsckAndFetchedAgainByTheMirror() throws Exception {
    upstream =
        HoistServer.start(
            ServerConfig.builder().listen("127.0.0.1", 0).dataDir(dir.resolve("up")).build());
    byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(UTF_8);
    byte[] layer = new byte[500_000];
    new Random(3).nextBytes(layer);
    push(config);
    Digest digest = push(layer);
    byte[] manifest = manifest(config, layer);
    HttpResponse<String> tagged =
        http.send(
            HttpRequest.newBuilder(URI.create(upstream.url() + "/v2/library/app/manifests/1"))
                .header("Content-Type", MANIFEST_TYPE)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(tagged.statusCode()).as(tagged.body()).isEqualTo(201);
    String upstreamSpec = "docker.io=" + upstream.url();
    Path data = dir.resolve("mirror");
    mirror = startMirror(data);
    assertThat(get("/manifests/1", MANIFEST_TYPE).body()).isEqualTo(manifest);
    assertThat(get("/blobs/" + digest, "*/*").body()).isEqualTo(layer);
    mirror.close();
    mirror = null;
    String hex = digest.encoded();
    Path file = data.resolve("blobs/sha256").resolve(hex.substring(0, 2)).resolve(hex);
    byte[] rotten = layer.clone();
    rotten[250_000] ^= 0x20;
    Files.write(file, rotten);

    StringWriter out = new StringWriter();
    int exit =
        new CommandLine(new FsckCommand())
            .setOut(new PrintWriter(out))
            .execute("--data-dir", data.toString(), "--mirror", upstreamSpec);

    assertThat(exit).isEqualTo(1);
    assertThat(out.toString())
        .contains(digest + ": bytes do not match the digest")
        .contains("moved to the quarantine, the mirror fetches it again on the next pull")
        .contains("  used by docker.io/library/app@" + Digest.sha256(manifest));
    mirror = startMirror(data);
    HttpResponse<byte[]> again = get("/blobs/" + digest, "*/*");
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.body()).isEqualTo(layer);
    assertThat(again.headers().firstValue("X-Hoist-Cache")).hasValue("MISS");
  }

  private HoistServer startMirror(Path data) {
    return HoistServer.start(
        ServerConfig.builder()
            .listen("127.0.0.1", 0)
            .dataDir(data)
            .mirror(
                MirrorConfig.of(
                    List.of(
                        Upstream.known("docker.io")
                            .orElseThrow()
                            .withUrl(URI.create(upstream.url())))))
            .build());
  }

  private HttpResponse<byte[]> get(String path, String accept) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(mirror.url() + "/v2/library/app" + path))
            .header("Accept", accept)
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static byte[] manifest(byte[] config, byte[] layer) {
    return ("{\"schemaVersion\":2,\"mediaType\":\""
            + MANIFEST_TYPE
            + "\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
            + "\"digest\":\""
            + Digest.sha256(config)
            + "\",\"size\":"
            + config.length
            + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
            + "\"digest\":\""
            + Digest.sha256(layer)
            + "\",\"size\":"
            + layer.length
            + "}]}")
        .getBytes(UTF_8);
  }

  /** Pushes a blob to the upstream's {@code library/app} in one POST. */
  private Digest push(byte[] bytes) throws Exception {
    Digest digest = Digest.sha256(bytes);
    HttpResponse<String> put =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(upstream.url() + "/v2/library/app/blobs/uploads/?digest=" + digest))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    return digest;
  }
}
