package dev.hoist.logging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.auth.AccessRule;
import dev.hoist.auth.AuthConfig;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.mirror.MirrorConfig;
import dev.hoist.mirror.Upstream;
import dev.hoist.oci.Digest;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access log of a real server, read from its file: one line per request with the fields each
 * kind of request should have, for local and mirrored content, pushes by skopeo, errors, clients
 * that leave early, and signed-in users; never a secret.
 */
class AccessLogIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PASSWORD = "correct-horse-battery-staple";

  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private DockerRegistryProcess upstream;
  private HoistServer hoist;

  @AfterEach
  void stop() {
    if (hoist != null) {
      hoist.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private Path accessLog() {
    return dir.resolve("logs/nested/access.log");
  }

  private HoistServer start(AccessLogConfig.Format format, MirrorConfig mirror, AuthConfig auth) {
    hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(dir.resolve("data"))
                .mirror(mirror)
                .auth(auth)
                .accessLog(AccessLogConfig.toFile(accessLog(), format))
                .build());
    return hoist;
  }

  private HttpResponse<byte[]> send(String method, String path, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(hoist.url() + path))
            .timeout(Duration.ofSeconds(60))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .header("User-Agent", "access-log-test/1.0");
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.setHeader(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** Every line, once the server has stopped (which writes what is queued). */
  private List<String> lines() throws Exception {
    hoist.close();
    return Files.readAllLines(accessLog());
  }

  private static List<JsonNode> parsed(List<String> lines) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : lines) {
      JsonNode json = JSON.readTree(line);
      assertThat(json.isObject()).as(line).isTrue();
      out.add(json);
    }
    return out;
  }

  private static List<JsonNode> matching(List<JsonNode> lines, String method, String path) {
    return lines.stream()
        .filter(l -> l.get("method").asText().equals(method) && l.get("path").asText().equals(path))
        .toList();
  }

  private static JsonNode only(List<JsonNode> lines, String method, String path) {
    List<JsonNode> found = matching(lines, method, path);
    assertThat(found).as("lines of %s %s in %s", method, path, lines).hasSize(1);
    return found.get(0);
  }

  private MirrorConfig mirrorOf(DockerRegistryProcess registry) {
    return MirrorConfig.of(
            List.of(Upstream.known("docker.io").orElseThrow().withUrl(URI.create(registry.url()))))
        .toBuilder()
        .hostedPrefixes(List.of("team"))
        .build();
  }

  @Test
  void everyRequestHasOneJsonLineWithItsFields() throws Exception {
    upstream = DockerRegistryProcess.builder().workDir(dir.resolve("up")).start();
    Skopeo skopeo = Skopeo.create(dir.resolve("skopeo"));
    RandomImages.ImageLayout mirrored =
        RandomImages.writeLayout(dir.resolve("mirrored"), "1", 3, 300_000);
    skopeo.copy(mirrored.ociReference(), "docker://" + upstream.hostPort() + "/library/app:1");
    start(AccessLogConfig.Format.JSON, mirrorOf(upstream), AuthConfig.disabled());

    RandomImages.ImageLayout pushed =
        RandomImages.writeLayout(dir.resolve("pushed"), "v1", 4, 200_000);
    skopeo.copy(pushed.ociReference(), "docker://127.0.0.1:" + hoist.port() + "/team/app:v1");
    Digest localLayer = pushed.layerDigests().get(0);
    Digest mirroredLayer = mirrored.layerDigests().get(0);
    String localBlob = "/v2/team/app/blobs/" + localLayer;
    String mirroredBlob = "/v2/library/app/blobs/" + mirroredLayer;
    String mirroredManifest = "/v2/library/app/manifests/1";

    HttpResponse<byte[]> localGet = send("GET", localBlob);
    assertThat(localGet.statusCode()).isEqualTo(200);
    assertThat(send("HEAD", "/v2/team/app/manifests/v1").statusCode()).isEqualTo(200);
    assertThat(send("GET", "/v2/team/nothing/manifests/v1").statusCode()).isEqualTo(404);
    assertThat(send("GET", mirroredManifest).statusCode()).isEqualTo(200);
    HttpResponse<byte[]> mirroredGet = send("GET", mirroredBlob);
    assertThat(mirroredGet.statusCode()).isEqualTo(200);
    assertThat(send("GET", mirroredBlob).statusCode()).isEqualTo(200);
    String secretQuery = "?_state=STATE-SECRET&n=5&token=TOKEN-SECRET&access_token=AT-SECRET";
    send("GET", "/v2/team/app/tags/list" + secretQuery);

    List<String> raw = lines();
    List<JsonNode> lines = parsed(raw);
    String all = String.join("\n", raw);
    assertThat(all).doesNotContain("STATE-SECRET", "TOKEN-SECRET", "AT-SECRET", "_state");

    JsonNode blob = only(lines, "GET", localBlob);
    assertThat(blob.get("status").asInt()).isEqualTo(200);
    assertThat(blob.get("bytes").asLong()).isEqualTo(localGet.body().length);
    assertThat(blob.get("client").asText()).isEqualTo("127.0.0.1");
    assertThat(blob.get("protocol").asText()).isEqualTo("HTTP/1.1");
    assertThat(blob.get("userAgent").asText()).isEqualTo("access-log-test/1.0");
    assertThat(blob.get("upstream").isNull()).isTrue();
    assertThat(blob.get("tenant").isNull()).isTrue();
    assertThat(blob.get("user").isNull()).isTrue();
    assertThat(blob.get("aborted").asBoolean()).isFalse();
    assertThat(blob.get("durationMs").isNumber()).isTrue();
    assertThat(Instant.parse(blob.get("time").asText())).isBefore(Instant.now());

    JsonNode head = only(lines, "HEAD", "/v2/team/app/manifests/v1");
    assertThat(head.get("status").asInt()).isEqualTo(200);
    assertThat(head.get("bytes").asLong()).isZero();

    JsonNode missing = only(lines, "GET", "/v2/team/nothing/manifests/v1");
    assertThat(missing.get("status").asInt()).isEqualTo(404);
    assertThat(missing.get("bytes").asLong()).as("the error body").isPositive();

    JsonNode manifest = only(lines, "GET", mirroredManifest);
    assertThat(manifest.get("cache").asText()).isEqualTo("MISS");
    assertThat(manifest.get("upstream").asText()).isEqualTo("docker.io");

    List<JsonNode> blobs = matching(lines, "GET", mirroredBlob);
    assertThat(blobs).hasSize(2);
    assertThat(blobs).extracting(l -> l.get("cache").asText()).containsExactly("MISS", "HIT");
    assertThat(blobs)
        .allSatisfy(l -> assertThat(l.get("upstream").asText()).isEqualTo("docker.io"));
    // The hit went out as file regions (zero-copy): counted all the same.
    assertThat(blobs)
        .allSatisfy(l -> assertThat(l.get("bytes").asLong()).isEqualTo(mirroredGet.body().length));

    JsonNode tags = only(lines, "GET", "/v2/team/app/tags/list?n=5");
    assertThat(tags.get("status").asInt()).isEqualTo(200);

    JsonNode push = only(lines, "PUT", "/v2/team/app/manifests/v1");
    assertThat(push.get("status").asInt()).isEqualTo(201);
    assertThat(push.get("userAgent").asText()).contains("skopeo");
    assertThat(lines)
        .filteredOn(l -> l.get("method").asText().equals("PUT"))
        .allSatisfy(l -> assertThat(l.get("path").asText()).doesNotContain("_state"));
  }

  @Test
  void commonLinesAreTheCommonLogFormatAndAClientThatLeavesEarlyIsFlagged() throws Exception {
    start(AccessLogConfig.Format.COMMON, MirrorConfig.disabled(), AuthConfig.disabled());
    Skopeo skopeo = Skopeo.create(dir.resolve("skopeo"));
    int size = 24 << 20;
    RandomImages.ImageLayout image = RandomImages.writeLayout(dir.resolve("big"), "v1", 5, size);
    skopeo.copy(image.ociReference(), "docker://127.0.0.1:" + hoist.port() + "/big:v1");
    String blob = "/v2/big/blobs/" + image.layerDigests().get(0);

    assertThat(send("GET", "/v2/big/manifests/v1", "User-Agent", "quote\" in agent").statusCode())
        .isEqualTo(200);
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), hoist.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET " + blob + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: leaver\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      assertThat(new String(in.readNBytes(12), StandardCharsets.US_ASCII))
          .isEqualTo("HTTP/1.1 200");
      in.readNBytes(64 * 1024);
      // Leaves with most of the 24 MiB unsent: RST rather than FIN, as a killed client would.
      socket.setSoLinger(true, 0);
    }
    Thread.sleep(500);

    List<String> lines = lines();
    assertThat(lines).noneMatch(l -> l.startsWith("{"));
    assertThat(lines)
        .filteredOn(l -> l.contains("\"GET /v2/big/manifests/v1 HTTP/1.1\""))
        .singleElement()
        .satisfies(
            l ->
                assertThat(l)
                    .matches(
                        "127\\.0\\.0\\.1 - - \\[\\d\\d/\\w\\w\\w/\\d{4}:\\d\\d:\\d\\d:\\d\\d"
                            + " \\+0000\\] \"GET /v2/big/manifests/v1 HTTP/1\\.1\" 200 \\d+"
                            + " ms=\\d+\\.\\d{3} cache=- upstream=- tenant=-"
                            + " agent=\"quote\\\\x22 in agent\""));
    assertThat(lines)
        .filteredOn(l -> l.contains("\"GET " + blob + " HTTP/1.1\""))
        .singleElement()
        .satisfies(
            l -> {
              assertThat(l).contains("\" 200 ").endsWith("agent=\"leaver\" aborted");
              java.util.regex.Matcher m =
                  java.util.regex.Pattern.compile("\" 200 (\\d+) ").matcher(l);
              assertThat(m.find()).isTrue();
              long bytes = Long.parseLong(m.group(1));
              assertThat(bytes).isLessThan(size);
            });
  }

  private Path htpasswd() throws Exception {
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    Path file = dir.resolve("users.htpasswd");
    Files.writeString(
        file, "alice:" + OpenBSDBCrypt.generate("2y", PASSWORD.toCharArray(), salt, 5) + "\n");
    return file;
  }

  @Test
  void aSignedInUserIsNamedButNoPasswordTokenOrAuthorizationHeaderIsWritten() throws Exception {
    start(
        AccessLogConfig.Format.JSON,
        MirrorConfig.disabled(),
        AuthConfig.builder()
            .enabled(true)
            .htpasswd(htpasswd())
            .rules(List.of(AccessRule.of("team/", List.of("alice"), List.of("pull", "push"))))
            .build());
    String basic =
        "Basic "
            + Base64.getEncoder()
                .encodeToString(("alice:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    String tokenPath = "/token?service=hoist&scope=repository:team/app:pull";
    HttpResponse<byte[]> tokenResponse = send("GET", tokenPath, "Authorization", basic);
    assertThat(tokenResponse.statusCode()).isEqualTo(200);
    String token = JSON.readTree(tokenResponse.body()).get("token").asText();
    assertThat(
            send("HEAD", "/v2/team/app/manifests/v1", "Authorization", "Bearer " + token)
                .statusCode())
        .isEqualTo(404);
    assertThat(send("GET", "/v2/", "Authorization", "Bearer not.a.token").statusCode())
        .isEqualTo(401);
    send("GET", "/token?service=hoist&password=" + PASSWORD + "&refresh_token=" + token);

    List<String> raw = lines();
    String all = String.join("\n", raw);
    assertThat(all)
        .doesNotContain(PASSWORD, token, token.substring(token.lastIndexOf('.') + 1))
        .doesNotContain("not.a.token", basic.substring(6))
        .doesNotContainIgnoringCase("authorization")
        .doesNotContain("Bearer", "Basic");
    List<JsonNode> lines = parsed(raw);
    assertThat(only(lines, "GET", tokenPath).get("user").asText()).isEqualTo("alice");
    JsonNode pull = only(lines, "HEAD", "/v2/team/app/manifests/v1");
    assertThat(pull.get("user").asText()).isEqualTo("alice");
    assertThat(pull.get("status").asInt()).isEqualTo(404);
    JsonNode refused = only(lines, "GET", "/v2/");
    assertThat(refused.get("status").asInt()).isEqualTo(401);
    assertThat(refused.get("user").isNull()).isTrue();
    assertThat(only(lines, "GET", "/token?service=hoist").get("status").asInt()).isNotZero();
    assertThat(Set.copyOf(raw)).hasSize(raw.size());
  }
}
