package dev.hoist.client;

import static dev.hoist.client.Fixtures.MANIFEST;
import static dev.hoist.client.Fixtures.MANIFEST_DIGEST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.RepositoryName;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The {@link RequestObserver}: every exchange's status or failure, and the body bytes read. */
class ObserverTest {
  private static final RepositoryName APP = RepositoryName.of("library/app");
  private static final byte[] BLOB = new byte[100_000];
  private static final Digest BLOB_DIGEST;

  static {
    new Random(7).nextBytes(BLOB);
    BLOB_DIGEST = Digest.sha256(BLOB);
  }

  private final Recorder recorder = new Recorder();
  private final AtomicInteger calls = new AtomicInteger();
  private FakeServer registry;
  private FakeServer tokens;
  private RegistryClient client;

  @AfterEach
  void close() {
    if (client != null) {
      client.close();
    }
    if (registry != null) {
      registry.close();
    }
    if (tokens != null) {
      tokens.close();
    }
  }

  /** Records events as {@code "GET /v2/... 200"} or {@code "GET /v2/... failed"}. */
  static final class Recorder implements RequestObserver {
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<URI> uris = new CopyOnWriteArrayList<>();
    final List<Duration> elapsed = new CopyOnWriteArrayList<>();
    final List<Throwable> failures = new CopyOnWriteArrayList<>();
    final AtomicLong bytes = new AtomicLong();

    @Override
    public void response(String method, URI uri, int status, Duration took) {
      events.add(method + " " + uri.getRawPath() + " " + status);
      uris.add(uri);
      elapsed.add(took);
    }

    @Override
    public void failure(String method, URI uri, Throwable error) {
      events.add(method + " " + uri.getRawPath() + " failed");
      uris.add(uri);
      failures.add(error);
    }

    @Override
    public void bytesRead(long n) {
      assertThat(n).isPositive();
      bytes.addAndGet(n);
    }
  }

  private RegistryClient client(RegistryClient.Builder b) {
    client = b.observer(recorder).build();
    return client;
  }

  private static void manifest(HttpExchange ex) throws IOException {
    FakeServer.reply(
        ex,
        200,
        MANIFEST,
        "Content-Type",
        MediaTypes.OCI_MANIFEST,
        "Docker-Content-Digest",
        MANIFEST_DIGEST.toString());
  }

  @Test
  void everyResponseIsReportedWithItsStatusWhateverItIs() throws Exception {
    registry =
        FakeServer.start(
            (r, ex) -> {
              if (r.path().endsWith("/manifests/latest")) {
                manifest(ex);
              } else if (r.path().endsWith("/manifests/broken")) {
                FakeServer.reply(ex, 500, "{\"errors\":[{\"code\":\"UNKNOWN\"}]}");
              } else {
                FakeServer.reply(ex, 404, "");
              }
            });
    RegistryClient c = client(Fixtures.client(registry, Fixtures.sleeps()));

    c.getManifest(APP, "latest", List.of());
    assertThat(c.headManifest(APP, "gone")).isEmpty();
    assertThatThrownBy(() -> c.getManifest(APP, "broken", List.of()))
        .isInstanceOf(RegistryException.class);

    assertThat(recorder.events)
        .containsExactly(
            "GET /v2/library/app/manifests/latest 200",
            "HEAD /v2/library/app/manifests/gone 404",
            "GET /v2/library/app/manifests/broken 500");
    assertThat(recorder.uris).allSatisfy(u -> assertThat(u.getPort()).isEqualTo(registry.port()));
    assertThat(recorder.elapsed).allSatisfy(d -> assertThat(d.isNegative()).isFalse());
    assertThat(recorder.failures).isEmpty();
    assertThat(recorder.bytes.get())
        .as("the manifest and the error body the client read; HEAD has no body")
        .isEqualTo(MANIFEST.length + "{\"errors\":[{\"code\":\"UNKNOWN\"}]}".length());
  }

  @Test
  void blobBytesAreCountedAsTheCallerReadsThem() throws Exception {
    registry = FakeServer.start((r, ex) -> FakeServer.reply(ex, 200, BLOB));
    RegistryClient c = client(Fixtures.client(registry, Fixtures.sleeps()));

    try (BlobResponse blob = c.getBlob(APP, BLOB_DIGEST, 0)) {
      assertThat(recorder.bytes.get()).as("nothing read yet").isZero();
      InputStream in = blob.stream();
      in.readNBytes(1_000);
      assertThat(recorder.bytes.get()).isEqualTo(1_000);
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }

    assertThat(recorder.bytes.get()).isEqualTo(BLOB.length);
    assertThat(recorder.events)
        .containsExactly("GET /v2/library/app/blobs/" + BLOB_DIGEST + " 200");
  }

  @Test
  void bytesSkippedWhenARangeRequestGetsTheWholeBlobAreCounted() throws Exception {
    registry = FakeServer.start((r, ex) -> FakeServer.reply(ex, 200, BLOB)); // ignores Range
    RegistryClient c = client(Fixtures.client(registry, Fixtures.sleeps()));

    try (BlobResponse blob = c.getBlob(APP, BLOB_DIGEST, 40_000)) {
      assertThat(blob.stream().readAllBytes()).hasSize(BLOB.length - 40_000);
    }

    assertThat(recorder.bytes.get()).as("all of it came over the wire").isEqualTo(BLOB.length);
  }

  @Test
  void eachRetryAndEachRedirectHopIsAnExchangeOfItsOwn() throws Exception {
    registry =
        FakeServer.start(
            (r, ex) -> {
              if (r.path().startsWith("/storage/")) {
                FakeServer.reply(ex, 200, BLOB);
              } else if (calls.incrementAndGet() == 1) {
                FakeServer.reply(ex, 503, "");
              } else {
                FakeServer.reply(
                    ex, 307, "", "Location", registry.base("localhost") + "/storage/blob");
              }
            });
    RegistryClient c =
        client(
            Fixtures.client(registry, Fixtures.sleeps())
                .retryPolicy(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofSeconds(1))));

    try (BlobResponse blob = c.getBlob(APP, BLOB_DIGEST, 0)) {
      assertThat(blob.stream().readAllBytes()).isEqualTo(BLOB);
    }

    String path = "/v2/library/app/blobs/" + BLOB_DIGEST;
    assertThat(recorder.events)
        .containsExactly("GET " + path + " 503", "GET " + path + " 307", "GET /storage/blob 200");
    assertThat(recorder.uris.get(2).getHost()).isEqualTo("localhost");
  }

  @Test
  void tokenRequestsGoThroughTheSameObserver() throws Exception {
    String tokenBody = "{\"token\":\"tok-1\",\"expires_in\":300}";
    tokens = FakeServer.start((r, ex) -> FakeServer.reply(ex, 200, tokenBody));
    URI realm = URI.create(tokens.base() + "/token");
    registry =
        FakeServer.start(
            (r, ex) -> {
              if ("Bearer tok-1".equals(r.header("Authorization"))) {
                manifest(ex);
              } else {
                FakeServer.reply(
                    ex,
                    401,
                    "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}",
                    "WWW-Authenticate",
                    "Bearer realm=\"" + realm + "\",service=\"fake\"");
              }
            });
    RegistryClient c = client(Fixtures.client(registry, Fixtures.sleeps()));

    c.getManifest(APP, "latest", List.of());

    assertThat(recorder.events)
        .containsExactly(
            "GET /v2/library/app/manifests/latest 401",
            "GET /token 200",
            "GET /v2/library/app/manifests/latest 200");
    assertThat(recorder.uris.get(1).getPort()).isEqualTo(tokens.port());
    assertThat(recorder.uris.get(1).getRawQuery()).contains("scope=repository");
    assertThat(recorder.bytes.get())
        .as("the token answer and the manifest; the 401's body was closed unread")
        .isEqualTo(tokenBody.length() + MANIFEST.length);
  }

  @Test
  void aRefusedConnectionIsReportedAsAFailure() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    RegistryClient c =
        client(
            RegistryClient.builder(RegistryEndpoint.of(URI.create("http://127.0.0.1:" + port)))
                .retryPolicy(RetryPolicy.none()));

    assertThatThrownBy(c::ping).isInstanceOf(RegistryException.class);

    assertThat(recorder.events).containsExactly("GET /v2/ failed");
    assertThat(Transport.hasCause(recorder.failures.get(0), ConnectException.class)).isTrue();
    assertThat(recorder.bytes.get()).isZero();
  }

  @Test
  void aResponseThatDoesNotComeInTimeIsReportedAsAFailure() throws Exception {
    registry =
        FakeServer.start(
            (r, ex) -> {
              try {
                Thread.sleep(5_000);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    RegistryClient c =
        client(
            Fixtures.client(registry, Fixtures.sleeps()).firstByteTimeout(Duration.ofMillis(200)));

    assertThatThrownBy(c::ping).isInstanceOf(RegistryException.class);

    assertThat(recorder.events).containsExactly("GET /v2/ failed");
    assertThat(recorder.failures.get(0)).isInstanceOf(HttpTimeoutException.class);
  }

  @Test
  void anObserverThatThrowsChangesNothing() throws Exception {
    RequestObserver broken =
        new RequestObserver() {
          @Override
          public void response(String method, URI uri, int status, Duration elapsed) {
            throw new IllegalStateException("response");
          }

          @Override
          public void failure(String method, URI uri, Throwable error) {
            throw new IllegalStateException("failure");
          }

          @Override
          public void bytesRead(long n) {
            throw new IllegalStateException("bytes");
          }
        };
    registry = FakeServer.start((r, ex) -> FakeServer.reply(ex, 200, BLOB));
    client = Fixtures.client(registry, Fixtures.sleeps()).observer(broken).build();

    try (BlobResponse blob = client.getBlob(APP, BLOB_DIGEST, 0)) {
      assertThat(blob.stream().readAllBytes()).isEqualTo(BLOB);
    }
  }

  @Test
  void theObserverIsRequired() {
    assertThatThrownBy(
            () ->
                RegistryClient.builder(RegistryEndpoint.of(URI.create("http://x"))).observer(null))
        .isInstanceOf(NullPointerException.class);
  }
}
