package dev.hoist.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.testkit.RandomImages.Blob;
import dev.hoist.testkit.RandomImages.ImageLayout;
import dev.hoist.testkit.TamperingProxy.Exchange;
import dev.hoist.testkit.TamperingProxy.Rule;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link TamperingProxy} in front of a real {@code docker-registry}. */
class TamperingProxyIT {
  private static final String BLOBS = "/v2/.+/blobs/sha256:.*";
  private static final String MANIFESTS = "/v2/.+/manifests/.*";

  @TempDir static Path shared;
  @TempDir Path tmp;

  private static DockerRegistryProcess registry;
  private static ImageLayout image;
  private static Blob layer; // the 200 000-byte layer

  private TamperingProxy proxy;
  private HttpClient http;

  @BeforeAll
  static void pushAnImage() {
    registry = DockerRegistryProcess.builder().workDir(shared.resolve("registry")).start();
    image = RandomImages.writeLayout(shared.resolve("layout"), "v1", 11, 200_000, 3_000);
    Skopeo.create(shared.resolve("skopeo"))
        .copy(image.ociReference(), "docker://" + registry.hostPort() + "/test/app:v1");
    layer = image.image().layers().get(0);
    assertThat(layer.size()).isGreaterThan(200_000);
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  @BeforeEach
  void startProxy() {
    proxy = TamperingProxy.start(registry.url());
    // A fresh client per test: no pooled connection that the JDK would silently retry on.
    http =
        HttpClient.newBuilder()
            .proxy(HttpClient.Builder.NO_PROXY)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    registry.clearAccessLog();
  }

  @AfterEach
  void stopProxy() {
    proxy.close();
    http.close();
  }

  private URI layerUri() {
    return URI.create(proxy.url() + "/v2/test/app/blobs/" + layer.digest());
  }

  private HttpResponse<byte[]> get(URI uri) throws IOException, InterruptedException {
    return http.send(request(uri), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** A GET that accepts OCI manifests (Distribution answers 404 to one that does not). */
  private static HttpRequest request(URI uri) {
    return HttpRequest.newBuilder(uri).header("Accept", MediaTypes.OCI_MANIFEST).build();
  }

  private HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
    return get(URI.create(proxy.url() + path));
  }

  @Test
  void skopeoCopiesAnImageThroughTheProxyBothWays() throws Exception {
    Skopeo skopeo = Skopeo.create(tmp.resolve("skopeo"));
    ImageLayout other = RandomImages.writeLayout(tmp.resolve("layout"), "v2", 12, 150_000);

    skopeo.copy(other.ociReference(), "docker://" + proxy.hostPort() + "/through/app:v2");
    skopeo.copy(
        "docker://" + proxy.hostPort() + "/through/app:v2", "oci:" + tmp.resolve("back") + ":v2");

    byte[] pulled = skopeo.inspectRaw("oci:" + tmp.resolve("back") + ":v2");
    assertThat(Digest.sha256(pulled)).isEqualTo(other.manifestDigest());
    assertThat(
            skopeo.inspectRaw(
                "docker://" + registry.hostPort() + "/through/app@" + other.manifestDigest()))
        .isEqualTo(pulled);
    assertThat(proxy.requestCount("PUT", "/v2/through/app/manifests/v2")).isEqualTo(1);
    assertThat(proxy.requestCount("PUT", "/v2/through/app/blobs/uploads/.+"))
        .as("the upload Location was rewritten to the proxy, so the uploads stayed on it")
        .isEqualTo(2);
    assertThat(proxy.requestCount("GET", "/v2/through/app/blobs/sha256:.*")).isEqualTo(2);
    assertThat(proxy.exchanges()).allSatisfy(e -> assertThat(e.complete()).isTrue());
    assertThat(proxy.exchanges()).allSatisfy(e -> assertThat(e.fault()).isNull());
    assertThat(proxy.bytesSentFor("/blobs/" + other.layerDigests().get(0)))
        .isEqualTo(other.image().layers().get(0).size());
    assertThat(registry.accessLog()).hasSize(proxy.requestCount());
  }

  @Test
  void forwardsMethodPathQueryAndHeadersAndLogsWhatItSaw() throws Exception {
    HttpResponse<byte[]> tags =
        http.send(
            HttpRequest.newBuilder(URI.create(proxy.url() + "/v2/test/app/tags/list?n=5"))
                .header("Authorization", "Bearer secret-1")
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    HttpResponse<Void> head =
        http.send(
            HttpRequest.newBuilder(URI.create(proxy.url() + "/v2/test/app/manifests/v1"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Accept", MediaTypes.OCI_MANIFEST)
                .build(),
            HttpResponse.BodyHandlers.discarding());

    assertThat(tags.statusCode()).isEqualTo(200);
    assertThat(new String(tags.body(), StandardCharsets.UTF_8))
        .contains("\"name\":\"test/app\"", "\"tags\":[\"v1\"]");
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("Docker-Content-Digest"))
        .hasValue(image.manifestDigest().toString());
    assertThat(head.headers().firstValueAsLong("Content-Length"))
        .hasValue(image.image().manifest().size());

    List<Exchange> log = proxy.exchanges();
    assertThat(log).extracting(Exchange::method).containsExactly("GET", "HEAD");
    assertThat(log.get(0).target()).isEqualTo("/v2/test/app/tags/list?n=5");
    assertThat(log.get(0).path()).isEqualTo("/v2/test/app/tags/list");
    assertThat(log.get(0).authorization()).isEqualTo("Bearer secret-1");
    assertThat(log.get(0).bytesSent()).isEqualTo(tags.body().length);
    assertThat(log.get(1).authorization()).isNull();
    assertThat(log.get(1).bytesSent()).isZero();
    assertThat(log).extracting(Exchange::status).containsExactly(200, 200);
    assertThat(registry.accessLog())
        .extracting(DockerRegistryProcess.AccessLogEntry::path)
        .containsExactly("/v2/test/app/tags/list?n=5", "/v2/test/app/manifests/v1");
  }

  @Test
  void aChunkedUploadIsStreamedThroughAndTheLocationPointsBackAtTheProxy() throws Exception {
    byte[] blob = RandomImages.randomBytes(5, 300_000);
    Digest digest = Digest.sha256(blob);
    HttpResponse<byte[]> started =
        http.send(
            HttpRequest.newBuilder(URI.create(proxy.url() + "/v2/chunked/app/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(started.statusCode()).isEqualTo(202);
    URI location = URI.create(started.headers().firstValue("Location").orElseThrow());
    assertThat(location.getPort()).isEqualTo(proxy.port());

    HttpResponse<byte[]> patched =
        http.send(
            HttpRequest.newBuilder(location)
                .method(
                    "PATCH",
                    HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(blob)))
                .header("Content-Type", "application/octet-stream")
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(patched.statusCode()).isEqualTo(202);
    URI next = URI.create(patched.headers().firstValue("Location").orElseThrow());
    String sep = next.getRawQuery() == null ? "?" : "&";
    HttpResponse<byte[]> put =
        http.send(
            HttpRequest.newBuilder(URI.create(next + sep + "digest=" + digest))
                .PUT(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());

    assertThat(put.statusCode()).isEqualTo(201);
    HttpResponse<byte[]> back = get(URI.create(registry.url() + "/v2/chunked/app/blobs/" + digest));
    assertThat(back.body()).isEqualTo(blob);
  }

  @Test
  void aFlippedByteBreaksTheDigestButKeepsTheLength() throws Exception {
    Rule rule = proxy.on("GET", BLOBS).once().flipByte(1_000);

    HttpResponse<byte[]> bad = get(layerUri());
    HttpResponse<byte[]> good = get(layerUri());

    assertThat(bad.statusCode()).isEqualTo(200);
    assertThat(bad.headers().firstValueAsLong("Content-Length")).hasValue(layer.size());
    assertThat(bad.body()).hasSize((int) layer.size());
    assertThat(Digest.sha256(bad.body())).isNotEqualTo(layer.digest());
    assertThat(Digest.sha256(good.body())).isEqualTo(layer.digest());
    assertThat(bad.body()[1_000]).isEqualTo((byte) ~good.body()[1_000]);
    bad.body()[1_000] = good.body()[1_000];
    assertThat(bad.body()).as("only that byte").isEqualTo(good.body());
    assertThat(rule.fired()).isEqualTo(1);
    assertThat(rule.exhausted()).isTrue();
    assertThat(proxy.exchanges())
        .extracting(Exchange::fault)
        .containsExactly("flipByte(1000)", null);
  }

  @Test
  void aTruncatedBodyEndsInAnIOExceptionAfterTheGivenBytes() throws Exception {
    proxy.on("GET", BLOBS).once().truncateAfter(10_000);

    HttpResponse<InputStream> r =
        http.send(
            HttpRequest.newBuilder(layerUri()).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValueAsLong("Content-Length")).hasValue(layer.size());
    byte[] buf = new byte[8192];
    long read = 0;
    IOException failure = null;
    try (InputStream in = r.body()) {
      for (int n; (n = in.read(buf)) >= 0; ) {
        read += n;
      }
    } catch (IOException e) {
      failure = e;
    }

    assertThat(failure).as("the connection closed early").isNotNull();
    assertThat(read).isEqualTo(10_000);
    Exchange logged = proxy.exchanges().get(0);
    assertThat(logged.bytesSent()).isEqualTo(10_000);
    assertThat(logged.complete()).isFalse();
    assertThat(logged.status()).isEqualTo(200);
    assertThat(get(layerUri()).body()).hasSize((int) layer.size());
  }

  @Test
  void tooManyRequestsCarriesRetryAfterAndNeverReachesTheUpstream() throws Exception {
    proxy.on("GET", MANIFESTS).once().tooManyRequests(Duration.ofMillis(2_500));

    HttpResponse<byte[]> throttled = get("/v2/test/app/manifests/v1");

    assertThat(throttled.statusCode()).isEqualTo(429);
    assertThat(throttled.headers().firstValue("Retry-After")).hasValue("3");
    assertThat(new String(throttled.body(), StandardCharsets.UTF_8))
        .contains("\"code\":\"TOOMANYREQUESTS\"");
    assertThat(registry.requestCount("GET", MANIFESTS)).isZero();
    assertThat(get("/v2/test/app/manifests/v1").statusCode()).isEqualTo(200);
    assertThat(registry.requestCount("GET", MANIFESTS)).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(ints = {500, 502, 503})
  void serverErrorsAreAnsweredWithoutForwarding(int status) throws Exception {
    proxy.on("GET", BLOBS).times(2).respond(status);

    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      statuses.add(get(layerUri()).statusCode());
    }

    assertThat(statuses).containsExactly(status, status, 200);
    assertThat(registry.requestCount("GET", BLOBS)).isEqualTo(1);
    assertThat(proxy.exchanges()).extracting(Exchange::status).containsExactly(status, status, 200);
  }

  @Test
  void aTrickledBodyArrivesWholeButSlowly() throws Exception {
    proxy.on("GET", BLOBS).trickle(50_000, Duration.ofMillis(150));

    long started = System.nanoTime();
    HttpResponse<byte[]> r = get(layerUri());
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(Digest.sha256(r.body())).isEqualTo(layer.digest());
    long pauses = (layer.size() + 49_999) / 50_000 - 1; // between the pieces, not after the last
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(150 * pauses));
  }

  @Test
  void delayedHeadersArriveLate() throws Exception {
    proxy.on("GET", MANIFESTS).once().delayHeaders(Duration.ofMillis(400));

    long started = System.nanoTime();
    HttpResponse<InputStream> r =
        http.send(
            request(URI.create(proxy.url() + "/v2/test/app/manifests/v1")),
            HttpResponse.BodyHandlers.ofInputStream());
    Duration untilHeaders = Duration.ofNanos(System.nanoTime() - started);
    byte[] body;
    try (InputStream in = r.body()) {
      body = in.readAllBytes();
    }

    assertThat(untilHeaders).isGreaterThanOrEqualTo(Duration.ofMillis(400));
    assertThat(Digest.sha256(body)).isEqualTo(image.manifestDigest());
  }

  @Test
  void aRefusedConnectionClosesWithoutAnAnswer() throws Exception {
    // always: java.net.http sends a GET once more by itself when a connection closes before any
    // byte of the response, so a rule that fires once would go unnoticed by it.
    Rule refuse = proxy.on(null, "/v2/").always().refuse();

    assertThatThrownBy(() -> get("/v2/")).isInstanceOf(IOException.class);
    refuse.remove();
    assertThat(get("/v2/").statusCode()).isEqualTo(200);

    List<Exchange> log = proxy.exchanges();
    assertThat(log).hasSizeGreaterThan(1);
    assertThat(log.subList(0, log.size() - 1))
        .allSatisfy(
            e -> {
              assertThat(e.status()).isZero();
              assertThat(e.complete()).isFalse();
              assertThat(e.fault()).isEqualTo("refuse");
            });
    assertThat(refuse.fired()).isEqualTo(log.size() - 1);
    assertThat(registry.requestCount("GET", "/v2/")).isEqualTo(1);
  }

  @Test
  void throttleAnswers429BeyondTheBudgetUntilTheWindowMovesOn() throws Exception {
    proxy.throttle(3, Duration.ofSeconds(2));

    List<Integer> statuses = new ArrayList<>();
    String retryAfter = null;
    for (int i = 0; i < 5; i++) {
      HttpResponse<byte[]> r = get("/v2/");
      statuses.add(r.statusCode());
      if (r.statusCode() == 429) {
        retryAfter = r.headers().firstValue("Retry-After").orElseThrow();
      }
    }
    assertThat(statuses).containsExactly(200, 200, 200, 429, 429);
    long wait = Long.parseLong(retryAfter);
    assertThat(wait).isBetween(1L, 2L);
    assertThat(registry.requestCount("GET", "/v2/")).isEqualTo(3);

    Thread.sleep(Duration.ofSeconds(wait).plusMillis(100));

    assertThat(get("/v2/").statusCode()).as("after Retry-After").isEqualTo(200);
  }

  @Test
  void rulesMatchOnMethodAndWholePathAndAreTriedInOrder() throws Exception {
    proxy.on("HEAD", BLOBS).times(2).respond(503);
    proxy.on("GET", "/v2/test/app/blobs/" + layer.digest()).always().respond(500);
    Rule never = proxy.on("GET", "/v2/test").always().respond(502); // a prefix does not match
    HttpRequest headLayer =
        HttpRequest.newBuilder(layerUri())
            .method("HEAD", HttpRequest.BodyPublishers.noBody())
            .build();

    List<Integer> heads = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      heads.add(http.send(headLayer, HttpResponse.BodyHandlers.discarding()).statusCode());
    }
    int getLayer = get(layerUri()).statusCode();
    int getConfig = get("/v2/test/app/blobs/" + image.configDigest()).statusCode();

    assertThat(heads).containsExactly(503, 503, 200);
    assertThat(getLayer).isEqualTo(500);
    assertThat(getConfig).isEqualTo(200);
    assertThat(never.fired()).isZero();
    assertThat(proxy.rules()).hasSize(3);
    proxy.clearRules();
    assertThat(get(layerUri()).statusCode()).isEqualTo(200);
  }

  @Test
  void skopeoRefusesALayerWithAFlippedByte() throws Exception {
    proxy.on("GET", "/v2/test/app/blobs/" + layer.digest()).always().flipByte(100_000);
    Skopeo skopeo = Skopeo.create(tmp.resolve("skopeo"));

    assertThatThrownBy(
            () ->
                skopeo.copy(
                    "docker://" + proxy.hostPort() + "/test/app:v1",
                    "oci:" + tmp.resolve("out") + ":v1"))
        .isInstanceOf(Skopeo.SkopeoException.class)
        .hasMessageContaining("Digest did not match");
    assertThat(proxy.requestCount("GET", "/v2/test/app/blobs/" + layer.digest()))
        .isGreaterThanOrEqualTo(1);
  }

  // ---- framing the registry never uses, against small local upstreams ----

  @Test
  void aChunkedResponseIsReChunkedAndCanBeTampered() throws Exception {
    byte[] content = RandomImages.randomBytes(9, 100_000);
    HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext(
        "/",
        ex -> {
          ex.sendResponseHeaders(200, 0); // 0: chunked
          try (OutputStream out = ex.getResponseBody()) {
            for (int i = 0; i < content.length; i += 7_000) {
              out.write(content, i, Math.min(7_000, content.length - i));
              out.flush();
            }
          }
        });
    upstream.start();
    try (TamperingProxy chunked =
        TamperingProxy.start("http://127.0.0.1:" + upstream.getAddress().getPort())) {
      chunked.on("GET", "/flip").once().flipByte(50_000);
      chunked.on("GET", "/cut").once().truncateAfter(30_000);

      HttpResponse<byte[]> whole = get(URI.create(chunked.url() + "/whole"));
      HttpResponse<byte[]> flipped = get(URI.create(chunked.url() + "/flip"));
      assertThatThrownBy(() -> get(URI.create(chunked.url() + "/cut")))
          .isInstanceOf(IOException.class);

      assertThat(whole.body()).isEqualTo(content);
      assertThat(whole.headers().firstValue("Transfer-Encoding")).hasValue("chunked");
      assertThat(flipped.body()[50_000]).isEqualTo((byte) ~content[50_000]);
      flipped.body()[50_000] = content[50_000];
      assertThat(flipped.body()).isEqualTo(content);
      assertThat(chunked.exchanges())
          .extracting(Exchange::bytesSent)
          .containsExactly(100_000L, 100_000L, 30_000L);
    } finally {
      upstream.stop(0);
    }
  }

  @Test
  void aResponseThatEndsAtCloseIsForwardedWhole() throws Exception {
    byte[] content = RandomImages.randomBytes(10, 20_000);
    try (ServerSocket upstream = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
      Thread server =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (Socket s = upstream.accept()) {
                      InputStream in = s.getInputStream();
                      // the request head ends with an empty line
                      for (int last = 0, b; (b = in.read()) >= 0; ) {
                        last = (last << 8 | b) & 0xffffffff;
                        if (last == 0x0d0a0d0a) {
                          break;
                        }
                      }
                      OutputStream out = s.getOutputStream();
                      out.write("HTTP/1.1 200 OK\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                      out.write(content);
                    } catch (IOException e) {
                      // the test fails on its own
                    }
                  });
      try (TamperingProxy eof =
          TamperingProxy.start("http://127.0.0.1:" + upstream.getLocalPort())) {
        HttpResponse<byte[]> r = get(URI.create(eof.url() + "/x"));

        assertThat(r.body()).isEqualTo(content);
        assertThat(r.headers().firstValue("Connection")).hasValue("close");
        assertThat(eof.exchanges().get(0).complete()).isTrue();
      }
      server.join(Duration.ofSeconds(5));
    }
  }

  @Test
  void expectContinueIsAnsweredByTheProxyAndTheBodyStillArrives() throws Exception {
    byte[] content = RandomImages.randomBytes(11, 50_000);
    HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    List<String> expects = new ArrayList<>();
    upstream.createContext(
        "/",
        ex -> {
          expects.add(String.valueOf(ex.getRequestHeaders().getFirst("Expect")));
          byte[] got = ex.getRequestBody().readAllBytes();
          byte[] answer = Digest.sha256(got).toString().getBytes(StandardCharsets.US_ASCII);
          ex.sendResponseHeaders(201, answer.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(answer);
          }
        });
    upstream.start();
    try (TamperingProxy p =
        TamperingProxy.start("http://127.0.0.1:" + upstream.getAddress().getPort())) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(p.url() + "/upload"))
                  .expectContinue(true)
                  .PUT(HttpRequest.BodyPublishers.ofByteArray(content))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(r.statusCode()).isEqualTo(201);
      assertThat(r.body()).isEqualTo(Digest.sha256(content).toString());
      assertThat(expects).containsExactly("null");
    } finally {
      upstream.stop(0);
    }
  }
}
