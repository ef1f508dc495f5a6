package dev.hoist.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hoist.oci.Digest;
import dev.hoist.testkit.DockerRegistryProcess.AccessLogEntry;
import dev.hoist.testkit.DockerRegistryProcess.LogLevel;
import dev.hoist.testkit.RandomImages.Blob;
import dev.hoist.testkit.RandomImages.ImageLayout;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerRegistryProcessIT {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();

  @TempDir Path tmp;

  @Test
  void startsOnLoopbackAndAnswersTheBaseEndpoint() throws Exception {
    try (DockerRegistryProcess registry = DockerRegistryProcess.start()) {
      assertThat(registry.url()).isEqualTo("http://127.0.0.1:" + registry.port());
      assertThat(registry.hostPort()).isEqualTo("127.0.0.1:" + registry.port());

      HttpResponse<String> response = get(registry.url() + "/v2/");

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Docker-Distribution-Api-Version"))
          .hasValue("registry/2.0");
      assertThat(registry.configFile()).content().contains("127.0.0.1:" + registry.port());
    }
  }

  @Test
  void closeStopsTheProcessAndFreesThePort() throws Exception {
    DockerRegistryProcess registry = DockerRegistryProcess.start();
    ProcessHandle handle = ProcessHandle.of(registry.pid()).orElseThrow();
    String url = registry.url();

    registry.close();

    assertThat(handle.onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
    assertThatThrownBy(() -> get(url + "/v2/")).isInstanceOf(ConnectException.class);
  }

  @Test
  void stopCutsTheRegistryOffAndRestartBringsItBackOnThePortWithItsImages() throws Exception {
    ImageLayout image = RandomImages.writeLayout(tmp.resolve("layout"), "v1", 2, 10_000);
    Skopeo skopeo = Skopeo.create(tmp.resolve("skopeo"));
    try (DockerRegistryProcess registry =
        DockerRegistryProcess.builder().workDir(tmp.resolve("registry")).start()) {
      String ref = "docker://" + registry.hostPort() + "/test/app:v1";
      skopeo.copy(image.ociReference(), ref);
      String url = registry.url();
      long firstPid = registry.pid();

      registry.stop();
      assertThatThrownBy(() -> get(url + "/v2/")).isInstanceOf(ConnectException.class);

      registry.restart();
      assertThat(registry.url()).isEqualTo(url);
      assertThat(registry.pid()).isNotEqualTo(firstPid);
      assertThat(get(url + "/v2/").statusCode()).isEqualTo(200);
      assertThat(skopeo.listTags("docker://" + registry.hostPort() + "/test/app"))
          .containsExactly("v1");
      registry.clearAccessLog();
      skopeo.inspectRaw(ref);
      assertThat(registry.requestCount("GET", "/v2/test/app/manifests/v1")).isEqualTo(1);
    }
  }

  @Test
  void accessLogShowsEveryBlobPulledWithTheBytesServed() throws Exception {
    ImageLayout image = RandomImages.writeLayout(tmp.resolve("layout"), "v1", 1, 300_000, 5_000);
    Skopeo skopeo = Skopeo.create(tmp.resolve("skopeo"));
    try (DockerRegistryProcess registry = DockerRegistryProcess.start()) {
      String ref = "docker://" + registry.hostPort() + "/test/app:v1";
      skopeo.copy(image.ociReference(), ref);
      assertThat(registry.requestCount("PUT", "/v2/test/app/manifests/v1")).isEqualTo(1);
      registry.clearAccessLog();

      skopeo.copy(ref, "oci:" + tmp.resolve("back") + ":v1");

      for (Blob layer : image.image().layers()) {
        assertThat(registry.bytesServedFor("/v2/test/app/blobs/" + layer.digest()))
            .as("bytes served for %s", layer.digest())
            .isEqualTo(layer.size());
      }
      assertThat(registry.requestCount("GET", "/v2/test/app/blobs/sha256:[0-9a-f]{64}"))
          .isEqualTo(3); // two layers and the config
      assertThat(registry.requestCount("GET", "/v2/test/app/manifests/v1")).isEqualTo(1);
      assertThat(registry.requestCount("PUT", ".*")).isZero();
      long layerBytes = image.image().layers().stream().mapToLong(Blob::size).sum();
      assertThat(registry.bytesServed())
          .isEqualTo(
              layerBytes + image.image().config().size() + image.image().manifest().size() + 2);
      assertThat(registry.accessLog())
          .allSatisfy(e -> assertThat(e.userAgent()).startsWith("skopeo/"));
      byte[] pulled = skopeo.inspectRaw("oci:" + tmp.resolve("back") + ":v1");
      assertThat(Digest.sha256(pulled)).isEqualTo(image.manifestDigest());
    }
  }

  @Test
  void accessLogWorksAtLogLevelError() {
    ImageLayout image = RandomImages.writeLayout(tmp.resolve("layout"), "v1", 2, 1_000);
    Skopeo skopeo = Skopeo.create(tmp.resolve("skopeo"));
    try (DockerRegistryProcess registry =
        DockerRegistryProcess.builder()
            .logLevel(LogLevel.ERROR)
            .workDir(tmp.resolve("r"))
            .start()) {
      skopeo.copy(image.ociReference(), "docker://" + registry.hostPort() + "/app:v1");

      skopeo.inspectRaw("docker://" + registry.hostPort() + "/app:v1");

      assertThat(registry.requestCount("GET", "/v2/app/manifests/v1")).isEqualTo(1);
      assertThat(registry.output()).doesNotContain("level=info");
      assertThat(registry.rootDirectory().resolve("docker/registry/v2/repositories/app"))
          .isDirectory();
    }
  }

  @Test
  void headRequestsAreCountedButServeNoBytes() throws Exception {
    try (DockerRegistryProcess registry = DockerRegistryProcess.start()) {
      HTTP.send(
          HttpRequest.newBuilder(URI.create(registry.url() + "/v2/"))
              .method("HEAD", HttpRequest.BodyPublishers.noBody())
              .build(),
          HttpResponse.BodyHandlers.discarding());

      assertThat(registry.requestCount("HEAD", "/v2/")).isEqualTo(1);
      assertThat(registry.accessLog()).hasSize(1);
      assertThat(registry.bytesServed()).isZero();
    }
  }

  @Test
  void deletesAreRefusedByDefaultAndAllowedWhenEnabled() {
    ImageLayout image = RandomImages.writeLayout(tmp.resolve("layout"), "v1", 3, 1_000);
    Skopeo skopeo = Skopeo.create(tmp.resolve("skopeo"));
    try (DockerRegistryProcess plain = DockerRegistryProcess.start();
        DockerRegistryProcess deleting =
            DockerRegistryProcess.builder().deleteEnabled(true).start()) {
      String refused = "docker://" + plain.hostPort() + "/app:v1";
      String allowed = "docker://" + deleting.hostPort() + "/app:v1";
      skopeo.copy(image.ociReference(), refused);
      skopeo.copy(image.ociReference(), allowed);

      assertThatThrownBy(() -> skopeo.delete(refused))
          .isInstanceOf(Skopeo.SkopeoException.class)
          .hasMessageContaining("exit code: 1")
          .hasMessageContaining("unsupported");
      skopeo.delete(allowed);

      assertThat(skopeo.run("inspect", "--tls-verify=false", allowed).exitCode()).isNotZero();
      assertThat(deleting.requestCount("DELETE", "/v2/app/manifests/sha256:.*")).isEqualTo(1);
    }
  }

  @Test
  void proxyModeFillsItsCacheFromUpstreamAndThenServesFromIt() {
    ImageLayout image = RandomImages.writeLayout(tmp.resolve("layout"), "v1", 4, 100_000);
    Skopeo skopeo = Skopeo.create(tmp.resolve("skopeo"));
    try (DockerRegistryProcess upstream = DockerRegistryProcess.start()) {
      skopeo.copy(image.ociReference(), "docker://" + upstream.hostPort() + "/library/app:v1");
      upstream.clearAccessLog();
      try (DockerRegistryProcess proxy =
          DockerRegistryProcess.builder().proxy(upstream.url(), "user", "secret").start()) {
        String ref = "docker://" + proxy.hostPort() + "/library/app:v1";
        Digest layer = image.layerDigests().get(0);
        long layerSize = image.image().layers().get(0).size();

        skopeo.copy(ref, "oci:" + tmp.resolve("first") + ":v1");

        // Distribution 2.8 fetches a missed blob twice: once to stream it to the client, once
        // more (storeLocal) to write its cache.
        assertThat(upstream.requestCount("GET", "/v2/library/app/blobs/" + layer)).isEqualTo(2);
        assertThat(upstream.bytesServedFor("/blobs/" + layer)).isEqualTo(2 * layerSize);
        assertThat(upstream.accessLog())
            .allSatisfy(e -> assertThat(e.userAgent()).startsWith("Go-http-client/"));
        upstream.clearAccessLog();

        skopeo.copy(ref, "oci:" + tmp.resolve("second") + ":v1");

        assertThat(upstream.requestCount("GET", "/v2/library/app/blobs/.*")).isZero();
        assertThat(proxy.requestCount("GET", "/v2/library/app/blobs/" + layer)).isEqualTo(2);
        assertThat(proxy.bytesServedFor("/blobs/" + layer)).isEqualTo(2 * layerSize);
        assertThat(proxy.configFile())
            .content()
            .contains("remoteurl: \"" + upstream.url() + "\"")
            .contains("username: \"user\"");
      }
    }
  }

  @Test
  void tokenAuthChallengesClientsWithTheConfiguredRealmAndService() throws Exception {
    Path cert = selfSignedCertificate(tmp);
    try (DockerRegistryProcess registry =
        DockerRegistryProcess.builder()
            .tokenAuth("http://127.0.0.1:9/token", "hoist-test", "hoist-issuer", cert)
            .start()) {
      HttpResponse<String> response = get(registry.url() + "/v2/");

      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate"))
          .hasValue("Bearer realm=\"http://127.0.0.1:9/token\",service=\"hoist-test\"");
      assertThat(registry.requestCount("GET", "/v2/")).isEqualTo(1);
    }
  }

  @Test
  void failureToStartReportsTheRegistryOutput() {
    Path missing = tmp.resolve("no-such-bundle.pem");

    assertThatThrownBy(
            () ->
                DockerRegistryProcess.builder()
                    .tokenAuth("http://127.0.0.1:9/token", "s", "i", missing)
                    .startTimeout(Duration.ofSeconds(20))
                    .start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("docker-registry exited with code")
        .hasMessageContaining("no-such-bundle.pem")
        .hasMessageContaining("--- config ---");
  }

  @Test
  void skopeoCheckedRunsFailWithTheCommandAndBothOutputs() {
    Skopeo skopeo = Skopeo.create(tmp.resolve("skopeo"));
    try (DockerRegistryProcess registry = DockerRegistryProcess.start()) {
      String ref = "docker://" + registry.hostPort() + "/nothing:here";

      assertThatThrownBy(() -> skopeo.inspect(ref))
          .isInstanceOf(Skopeo.SkopeoException.class)
          .hasMessageContaining("skopeo")
          .hasMessageContaining("inspect --tls-verify=false " + ref)
          .hasMessageContaining("--- stderr ---")
          .hasMessageContaining("manifest unknown");
    }
  }

  @Test
  void skopeoListsTagsAndInspectsImages() {
    ImageLayout image = RandomImages.writeLayout(tmp.resolve("layout"), "v1", 5, 2_000);
    RandomImages.writeLayout(tmp.resolve("layout"), "v2", 6, 2_000);
    Skopeo skopeo = Skopeo.create(tmp.resolve("skopeo"));
    try (DockerRegistryProcess registry = DockerRegistryProcess.start()) {
      String repo = "docker://" + registry.hostPort() + "/app";
      skopeo.copy(image.ociReference(), repo + ":v1");
      skopeo.copy("oci:" + tmp.resolve("layout") + ":v2", repo + ":v2");

      JsonNode inspected = skopeo.inspect(repo + ":v1");

      assertThat(skopeo.listTags(repo)).containsExactlyInAnyOrder("v1", "v2");
      assertThat(inspected.path("Digest").asText()).isEqualTo(image.manifestDigest().toString());
      assertThat(inspected.path("Architecture").asText()).isEqualTo("amd64");
      assertThat(inspected.path("Layers").get(0).asText())
          .isEqualTo(image.layerDigests().get(0).toString());
    }
  }

  @Test
  void accessLogLinesAreParsedWithQueriesAndEscapedQuotes() {
    String output =
        String.join(
            "\n",
            "time=\"2026-11-30T14:07:50Z\" level=info msg=\"response completed\"",
            "127.0.0.1 - - [30/Nov/2026:14:07:50 +0000] \"GET /v2/ HTTP/1.1\" 200 2 \"\""
                + " \"curl/7.88.1\"",
            "127.0.0.1 - - [30/Nov/2026:14:07:51 +0000] \"PUT"
                + " /v2/app/blobs/uploads/abc?_state=x&digest=sha256%3A00 HTTP/1.1\" 201 0 \"\""
                + " \"a \\\"quoted\\\" agent\"",
            "127.0.0.1 - - [30/Nov/2026:14:07:52 +0000] \"HEAD /v2/app/manifests/v1 HTTP/1.1\""
                + " 404 96 \"\" \"skopeo/1.9.3\"",
            "127.0.0.1 - - [30/Nov/2026:14:07:53 +0000] \"GET /v2/incomplete HTTP/1.1\" 200");

    List<AccessLogEntry> entries = DockerRegistryProcess.parseAccessLog(output);

    assertThat(entries)
        .containsExactly(
            new AccessLogEntry("GET", "/v2/", 200, 2, "curl/7.88.1"),
            new AccessLogEntry(
                "PUT",
                "/v2/app/blobs/uploads/abc?_state=x&digest=sha256%3A00",
                201,
                0,
                "a \"quoted\" agent"),
            new AccessLogEntry("HEAD", "/v2/app/manifests/v1", 404, 96, "skopeo/1.9.3"));
    assertThat(entries.get(1).pathWithoutQuery()).isEqualTo("/v2/app/blobs/uploads/abc");
  }

  private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A PEM certificate of a fresh EC P-256 key, made with the JDK's keytool. */
  private static Path selfSignedCertificate(Path dir) throws Exception {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Path store = dir.resolve("token.p12");
    Path cert = dir.resolve("token.pem");
    run(
        keytool.toString(),
        "-genkeypair",
        "-alias",
        "token",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=hoist-test-token",
        "-validity",
        "2",
        "-storetype",
        "PKCS12",
        "-keystore",
        store.toString(),
        "-storepass",
        "changeit",
        "-keypass",
        "changeit");
    run(
        keytool.toString(),
        "-exportcert",
        "-rfc",
        "-alias",
        "token",
        "-keystore",
        store.toString(),
        "-storepass",
        "changeit",
        "-file",
        cert.toString());
    assertThat(Files.readString(cert)).startsWith("-----BEGIN CERTIFICATE-----");
    return cert;
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s\n%s", String.join(" ", command), out).isZero();
  }
}
