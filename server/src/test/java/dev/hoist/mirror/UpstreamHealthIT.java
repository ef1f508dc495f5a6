package dev.hoist.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.client.RegistryClient;
import dev.hoist.client.RegistryException;
import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.TamperingProxy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * An upstream that fails and recovers, behind a proxy that answers 503 for a while: the log says so
 * once per change, however many requests see it, and clients are told when to come back.
 */
class UpstreamHealthIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private DockerRegistryProcess registry;
  private TamperingProxy proxy;
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(UpstreamHealth.class);

  @BeforeEach
  void start() {
    registry = DockerRegistryProcess.builder().workDir(dir.resolve("up")).start();
    proxy = TamperingProxy.start(registry.url());
    logged.start();
    logger.addAppender(logged);
  }

  @AfterEach
  void stop() {
    logger.detachAppender(logged);
    proxy.close();
    registry.close();
  }

  private List<String> messages() {
    List<String> out = new ArrayList<>();
    for (ILoggingEvent e : logged.list) {
      out.add(e.getLevel() + " " + e.getFormattedMessage());
    }
    return out;
  }

  private Upstream upstream() {
    return Upstream.known("docker.io").orElseThrow().withUrl(URI.create(proxy.url()));
  }

  @Test
  void failingRecoveringAndTheCircuitAreEachLoggedOncePerChange() throws Exception {
    AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-08T10:00:00Z"));
    InstantSource clock = now::get;
    try (RegistryClient client =
        UpstreamClients.create(upstream(), clock, new SimpleMeterRegistry())) {
      client.ping();
      proxy.on(null, ".*").always().respond(503);
      for (int i = 0; i < 12; i++) {
        assertThatThrownBy(client::ping).isInstanceOf(RegistryException.class);
      }
      assertThatThrownBy(client::ping)
          .hasMessageContaining("circuit open until 2026-12-08T10:00:30Z, retry in 30 s");

      proxy.clearRules();
      now.set(now.get().plusSeconds(45));
      for (int i = 0; i < 12; i++) {
        client.ping();
      }
    }

    assertThat(messages())
        .containsExactly(
            "WARN upstream failing: upstream=docker.io error=status 503 from 127.0.0.1",
            "WARN upstream circuit opened: upstream=docker.io failures=5"
                + " until=2026-12-08T10:00:30Z",
            "INFO upstream recovered: upstream=docker.io failedFor=45s failures=5",
            "INFO upstream circuit closed: upstream=docker.io openFor=45s");
  }

  @Test
  void aClientOfAnOpenCircuitIsToldInSecondsWhenToComeBack() throws Exception {
    try (HoistServer hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(dir.resolve("hoist"))
                .mirror(MirrorConfig.of(List.of(upstream())))
                .build())) {
      proxy.on(null, ".*").always().respond(503);
      HttpClient http = HttpClient.newHttpClient();
      List<HttpResponse<String>> answers = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        answers.add(
            http.send(
                HttpRequest.newBuilder(URI.create(hoist.url() + "/v2/library/app/manifests/v" + i))
                    .build(),
                HttpResponse.BodyHandlers.ofString()));
      }

      HttpResponse<String> open = answers.get(answers.size() - 1);
      assertThat(open.statusCode()).isEqualTo(503);
      JsonNode error = JSON.readTree(open.body()).get("errors").get(0);
      assertThat(error.get("message").asText())
          .containsPattern("circuit open until \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ,")
          .containsPattern("retry in \\d+ s")
          .doesNotContainPattern(":\\d\\d\\.\\d");
      long retryAfter = Long.parseLong(open.headers().firstValue("Retry-After").orElseThrow());
      assertThat(retryAfter).isBetween(1L, 30L);
      assertThat(answers).allSatisfy(a -> assertThat(a.statusCode()).isGreaterThanOrEqualTo(500));
    }

    assertThat(messages())
        .filteredOn(m -> m.contains("upstream failing"))
        .as("one line for eight failed requests")
        .hasSize(1);
    assertThat(messages()).filteredOn(m -> m.contains("circuit opened")).hasSize(1);
  }
}
