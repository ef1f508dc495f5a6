package dev.hoist.mirror;

import dev.hoist.client.CircuitBreaker;
import dev.hoist.client.Credentials;
import dev.hoist.client.RegistryClient;
import dev.hoist.client.RegistryEndpoint;
import dev.hoist.client.RequestObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.URI;
import java.time.Duration;
import java.time.InstantSource;

/**
 * Builds the registry client of an upstream, with its meters: {@code hoist.upstream.requests} (a
 * timer by method and status, with latency buckets), {@code hoist.upstream.failures} (requests that
 * got no answer), {@code hoist.upstream.bytes}, and {@code hoist.upstream.circuit.state} (0 closed,
 * 1 open, 2 half-open); and with the log of its health ({@link UpstreamHealth}: failing and
 * recovered, circuit opened and closed).
 */
public final class UpstreamClients {
  /** Latency buckets of upstream requests: a manifest in milliseconds, a first byte in seconds. */
  static final Duration[] LATENCY_BUCKETS = {
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30)
  };

  private UpstreamClients() {}

  public static RegistryClient create(
      Upstream upstream, InstantSource clock, MeterRegistry meters) {
    RegistryEndpoint endpoint = RegistryEndpoint.of(upstream.url()).withName(upstream.name());
    if (upstream.username() != null) {
      endpoint =
          endpoint.withCredentials(Credentials.basic(upstream.username(), upstream.password()));
    }
    if (!upstream.authHosts().isEmpty()) {
      endpoint = endpoint.withAuthHosts(upstream.authHosts().toArray(String[]::new));
    }
    UpstreamHealth health = new UpstreamHealth(upstream.name(), clock);
    Meters metered = new Meters(upstream.name(), meters);
    RegistryClient client =
        RegistryClient.builder(endpoint)
            .clock(clock)
            .connectTimeout(Duration.ofSeconds(5))
            .firstByteTimeout(Duration.ofSeconds(30))
            .idleReadTimeout(Duration.ofSeconds(30))
            .circuitBreaker(CircuitBreaker.defaults(clock, health))
            .observer(both(metered, health))
            .build();
    Gauge.builder(
            "hoist.upstream.circuit.state",
            client.circuitBreaker(),
            breaker -> circuitState(breaker.state()))
        .description("The upstream's circuit breaker: 0 closed, 1 open, 2 half-open")
        .tag("upstream", upstream.name())
        .strongReference(true)
        .register(meters);
    return client;
  }

  static int circuitState(CircuitBreaker.State state) {
    return switch (state) {
      case CLOSED -> 0;
      case OPEN -> 1;
      case HALF_OPEN -> 2;
    };
  }

  private static RequestObserver both(RequestObserver a, RequestObserver b) {
    return new RequestObserver() {
      @Override
      public void response(String method, URI uri, int status, Duration elapsed) {
        a.response(method, uri, status, elapsed);
        b.response(method, uri, status, elapsed);
      }

      @Override
      public void failure(String method, URI uri, Throwable error) {
        a.failure(method, uri, error);
        b.failure(method, uri, error);
      }

      @Override
      public void bytesRead(long n) {
        a.bytesRead(n);
        b.bytesRead(n);
      }
    };
  }

  /** Upstream requests by status, and upstream bytes, per upstream. */
  private static final class Meters implements RequestObserver {
    private final String upstream;
    private final MeterRegistry registry;
    private final Counter bytes;

    Meters(String upstream, MeterRegistry registry) {
      this.upstream = upstream;
      this.registry = registry;
      this.bytes =
          Counter.builder("hoist.upstream.bytes")
              .description("Body bytes received from the upstream")
              .baseUnit("bytes")
              .tag("upstream", upstream)
              .register(registry);
    }

    @Override
    public void response(String method, URI uri, int status, Duration elapsed) {
      Timer.builder("hoist.upstream.requests")
          .description("Requests to the upstream, by method and status")
          .tag("upstream", upstream)
          .tag("method", method)
          .tag("status", Integer.toString(status))
          .serviceLevelObjectives(LATENCY_BUCKETS)
          .register(registry)
          .record(elapsed);
    }

    @Override
    public void failure(String method, URI uri, Throwable error) {
      Counter.builder("hoist.upstream.failures")
          .description("Requests to the upstream that got no answer, by error")
          .tag("upstream", upstream)
          .tag("method", method)
          .tag("error", error.getClass().getSimpleName())
          .register(registry)
          .increment();
    }

    @Override
    public void bytesRead(long n) {
      bytes.increment(n);
    }
  }
}
