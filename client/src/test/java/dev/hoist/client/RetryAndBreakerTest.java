package dev.hoist.client;

import static dev.hoist.client.Fixtures.MANIFEST;
import static dev.hoist.client.Fixtures.MANIFEST_DIGEST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.RepositoryName;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Retries, Retry-After, timeouts and the circuit breaker. */
class RetryAndBreakerTest {
  private static final RepositoryName APP = RepositoryName.of("app");
  private static final RetryPolicy FOUR_TRIES =
      new RetryPolicy(4, Duration.ofMillis(10), Duration.ofSeconds(10));

  private final MutableClock clock = new MutableClock();
  private final List<Duration> sleeps = Fixtures.sleeps();
  private final AtomicInteger calls = new AtomicInteger();
  private FakeServer registry;
  private RegistryClient client;

  @AfterEach
  void close() {
    if (client != null) {
      client.close();
    }
    if (registry != null) {
      registry.close();
    }
  }

  private RegistryClient client(RegistryClient.Builder b) {
    client = b.build();
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
  void readsAreRetriedAfter429And503HonouringRetryAfter() throws Exception {
    String inFiveSeconds =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(
            clock.instant().plusSeconds(5).atOffset(ZoneOffset.UTC));
    registry =
        FakeServer.start(
            (r, ex) -> {
              switch (calls.incrementAndGet()) {
                case 1:
                  FakeServer.reply(ex, 429, "", "Retry-After", "2");
                  break;
                case 2:
                  FakeServer.reply(ex, 503, "", "Retry-After", inFiveSeconds);
                  break;
                default:
                  manifest(ex);
              }
            });
    RegistryClient c =
        client(Fixtures.client(registry, sleeps).clock(clock).retryPolicy(FOUR_TRIES));

    assertThat(c.getManifest(APP, "latest", List.of()).digest()).isEqualTo(MANIFEST_DIGEST);
    assertThat(sleeps).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(5));
    assertThat(registry.requests()).hasSize(3);
  }

  @Test
  void aRetryAfterLongerThanTheCapEndsTheRetriesAndIsReported() {
    registry = FakeServer.start((r, ex) -> FakeServer.reply(ex, 429, "", "Retry-After", "3600"));
    RegistryClient c = client(Fixtures.client(registry, sleeps).retryPolicy(FOUR_TRIES));

    assertThatThrownBy(() -> c.headManifest(APP, "latest"))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.TOOMANYREQUESTS);
              assertThat(e.retryable()).isTrue();
              assertThat(e.retryAfter()).contains(Duration.ofHours(1));
            });
    assertThat(registry.requests()).hasSize(1);
    assertThat(sleeps).isEmpty();
  }

  @Test
  void serverErrorsAreRetriedWithBackoffThenReported() {
    registry =
        FakeServer.start(
            (r, ex) ->
                FakeServer.reply(
                    ex, 500, "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"boom\"}]}"));
    RegistryClient c =
        client(
            Fixtures.client(registry, sleeps)
                .retryPolicy(new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(1))));

    assertThatThrownBy(() -> c.getManifest(APP, "latest", List.of()))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN);
              assertThat(e.httpStatus()).isEqualTo(500);
              assertThat(e.retryable()).isTrue();
              assertThat(e.getMessage())
                  .isEqualTo(
                      "GET manifest " + c.endpoint().name() + "/app:latest: 500 UNKNOWN: boom");
            });
    assertThat(registry.requests()).hasSize(3);
    assertThat(sleeps).hasSize(2);
    assertThat(sleeps.get(0)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
    assertThat(sleeps.get(1)).isBetween(Duration.ofMillis(100), Duration.ofMillis(200));
  }

  @Test
  void aManifestPutIsNotRetried() {
    registry = FakeServer.start((r, ex) -> FakeServer.reply(ex, 503, "", "Retry-After", "1"));
    RegistryClient c = client(Fixtures.client(registry, sleeps).retryPolicy(FOUR_TRIES));

    assertThatThrownBy(() -> c.putManifest(APP, "v1", MANIFEST, MediaTypes.OCI_MANIFEST))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
              assertThat(e.retryable()).as("the caller may try again later").isTrue();
              assertThat(e.action()).startsWith("PUT manifest");
            });
    assertThat(registry.requests()).hasSize(1);
    assertThat(sleeps).isEmpty();
  }

  @Test
  void blobUploadRequestsAreNotRetried() {
    registry = FakeServer.start((r, ex) -> FakeServer.reply(ex, 500, ""));
    RegistryClient c = client(Fixtures.client(registry, sleeps).retryPolicy(FOUR_TRIES));
    byte[] blob = {1, 2, 3};

    assertThatThrownBy(
            () -> c.pushBlob(APP, Digest.sha256(blob), blob.length, new ByteArrayInputStream(blob)))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.action()).startsWith("POST blob upload"));
    assertThat(registry.requests()).extracting(FakeServer.Request::method).containsExactly("POST");
  }

  @Test
  void aRefusedConnectionIsRetriedThenReportedAsUnavailable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    RegistryClient c =
        client(
            RegistryClient.builder(RegistryEndpoint.of(URI.create("http://127.0.0.1:" + port)))
                .retryPolicy(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5)))
                .sleeper(sleeps::add));

    assertThatThrownBy(() -> c.getManifest(APP, "latest", List.of()))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
              assertThat(e.httpStatus()).isZero();
              assertThat(e.retryable()).isTrue();
              assertThat(e.getMessage()).contains("cannot connect to http://127.0.0.1:" + port);
            });
    assertThat(sleeps).hasSize(2);
  }

  @Test
  void theCircuitOpensAfterConsecutiveFailuresFailsFastThenProbes() throws Exception {
    registry = FakeServer.start((r, ex) -> FakeServer.reply(ex, 502, ""));
    CircuitBreaker breaker = new CircuitBreaker(3, Duration.ofSeconds(30), clock);
    RegistryClient c =
        client(Fixtures.client(registry, sleeps).clock(clock).circuitBreaker(breaker));

    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> c.headManifest(APP, "latest"))
          .isInstanceOfSatisfying(
              RegistryException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.UPSTREAM_FAILED));
    }
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);

    assertThatThrownBy(() -> c.headManifest(APP, "latest"))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
              assertThat(e.retryable()).isTrue();
              assertThat(e.getMessage())
                  .contains(
                      "upstream "
                          + c.endpoint().name()
                          + " is unavailable (circuit open until "
                          + clock.instant().plusSeconds(30).truncatedTo(ChronoUnit.SECONDS)
                          + ", retry in 30 s)")
                  .doesNotContainPattern("\\d\\d:\\d\\d:\\d\\d\\.\\d");
              assertThat(e.retryAfter()).hasValue(Duration.ofSeconds(30));
            });
    assertThat(registry.requests()).as("failed fast, nothing sent").hasSize(3);

    clock.advance(Duration.ofSeconds(30));
    registry.handler((r, ex) -> manifest(ex));
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    assertThat(c.headManifest(APP, "latest")).isPresent();
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(registry.requests()).hasSize(4);
  }

  @Test
  void aFailedProbeOpensTheCircuitAgain() {
    registry = FakeServer.start((r, ex) -> FakeServer.reply(ex, 500, ""));
    CircuitBreaker breaker = new CircuitBreaker(1, Duration.ofSeconds(10), clock);
    RegistryClient c =
        client(Fixtures.client(registry, sleeps).clock(clock).circuitBreaker(breaker));
    assertThatThrownBy(() -> c.ping()).isInstanceOf(RegistryException.class);
    clock.advance(Duration.ofSeconds(10));
    assertThatThrownBy(() -> c.ping()).hasMessageContaining("500");
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThatThrownBy(() -> c.ping()).hasMessageContaining("circuit open");
    assertThat(registry.requests()).hasSize(2);
  }

  @Test
  void theBreakersListenerHearsItOpenAndCloseOncePerChange() throws Exception {
    List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
    CircuitBreaker breaker =
        new CircuitBreaker(
            2,
            Duration.ofSeconds(10),
            clock,
            new CircuitBreaker.Listener() {
              @Override
              public void opened(int failures, java.time.Instant until) {
                heard.add("opened after " + failures + " until " + until);
              }

              @Override
              public void closed(java.time.Instant openedAt) {
                heard.add("closed, open since " + openedAt);
              }
            });
    java.time.Instant start = clock.instant();
    registry = FakeServer.start((r, ex) -> FakeServer.reply(ex, 500, ""));
    RegistryClient c =
        client(Fixtures.client(registry, sleeps).clock(clock).circuitBreaker(breaker));
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() -> c.ping()).isInstanceOf(RegistryException.class);
    }
    clock.advance(Duration.ofSeconds(10));
    assertThatThrownBy(() -> c.ping()).hasMessageContaining("500"); // a failed probe: still open
    clock.advance(Duration.ofSeconds(10));
    registry.handler((r, ex) -> FakeServer.reply(ex, 200, "{}"));
    for (int i = 0; i < 3; i++) {
      c.ping();
    }

    assertThat(heard)
        .containsExactly(
            "opened after 2 until " + start.plusSeconds(10), "closed, open since " + start);
  }

  @Test
  void responseHeadersThatNeverComeTimeOut() {
    registry =
        FakeServer.start(
            (r, ex) -> {
              sleep(5_000);
              manifest(ex);
            });
    RegistryClient c =
        client(Fixtures.client(registry, sleeps).firstByteTimeout(Duration.ofMillis(300)));
    long start = System.nanoTime();
    assertThatThrownBy(() -> c.getManifest(APP, "latest", List.of()))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
              assertThat(e.retryable()).isTrue();
              assertThat(e.getMessage()).contains("timed out");
            });
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void aStalledBodyFailsTheReadAfterTheIdleTimeout() throws Exception {
    byte[] blob = new byte[1000];
    registry =
        FakeServer.start(
            (r, ex) -> {
              ex.sendResponseHeaders(200, blob.length);
              OutputStream out = ex.getResponseBody();
              out.write(blob, 0, 10);
              out.flush();
              sleep(5_000);
            });
    RegistryClient c =
        client(Fixtures.client(registry, sleeps).idleReadTimeout(Duration.ofMillis(300)));
    long start = System.nanoTime();
    try (BlobResponse b = c.getBlob(APP, Digest.sha256(blob), 0)) {
      InputStream in = b.stream();
      assertThat(in.readNBytes(10)).hasSize(10);
      assertThatThrownBy(in::read).isInstanceOf(HttpTimeoutException.class);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void aSlowButSteadyBodyOutlivesTheFirstByteTimeout() throws Exception {
    byte[] blob = new byte[8];
    registry =
        FakeServer.start(
            (r, ex) -> {
              ex.sendResponseHeaders(200, blob.length);
              OutputStream out = ex.getResponseBody();
              for (byte b : blob) {
                out.write(b);
                out.flush();
                sleep(100);
              }
              out.close();
            });
    RegistryClient c =
        client(
            Fixtures.client(registry, sleeps)
                .firstByteTimeout(Duration.ofMillis(300))
                .idleReadTimeout(Duration.ofMillis(600)));
    try (BlobResponse b = c.getBlob(APP, Digest.sha256(blob), 0)) {
      assertThat(b.stream().readAllBytes()).isEqualTo(blob);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
