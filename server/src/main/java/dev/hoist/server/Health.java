package dev.hoist.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.pipeline.Call;
import dev.hoist.pipeline.Stage;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.MetadataStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /healthz} and {@code /readyz}, unauthenticated, before any tenant or quota.
 *
 * <ul>
 *   <li>{@code /healthz}: 200 {@code {"status":"ok"}} as long as the process serves requests;
 *   <li>{@code /readyz}: 200 once the node started (its metadata schema is migrated before it
 *       listens) while every check passes: a read of the metadata store, the blob store's {@link
 *       BlobStore#checkAccess}; else 503, its body naming the checks that failed and why. From the
 *       moment the node starts to stop it answers 503 {@code "stopping"}, while the port still
 *       accepts requests ({@link HealthConfig#drainDelay}).
 * </ul>
 *
 * Checks run on virtual threads, never on the event loop, each bounded by {@link
 * HealthConfig#timeout}. A check still running when the next probe comes (a store that hangs) is
 * waited for again, not started twice, so probes never pile threads up behind a stuck store.
 */
final class Health implements AutoCloseable {
  static final String LIVE_PATH = "/healthz";
  static final String READY_PATH = "/readyz";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_DETAIL = 300;

  enum State {
    STARTING,
    READY,
    STOPPING
  }

  /** One thing readiness needs; {@code probe} throws when it is not there. */
  record Check(String name, Probe probe) {}

  @FunctionalInterface
  interface Probe {
    void run() throws Exception;
  }

  /** How one check went: "ok", or what failed. */
  record Outcome(boolean ok, String detail) {
    static final Outcome OK = new Outcome(true, "ok");
  }

  /** The answer of {@code /readyz}. */
  record Readiness(State state, Map<String, Outcome> checks) {
    boolean ready() {
      return state == State.READY && checks.values().stream().allMatch(Outcome::ok);
    }
  }

  private static final Logger log = LoggerFactory.getLogger(Health.class);

  private final List<Check> checks;
  private final Duration timeout;
  // What each check said last, to log a failure and a recovery once each, not per probe.
  private final Map<String, Boolean> lastOk = new ConcurrentHashMap<>();
  private final ExecutorService probes =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("hoist-health-", 0).factory());
  private final Map<String, CompletableFuture<Outcome>> running = new ConcurrentHashMap<>();
  private final AtomicReference<State> state = new AtomicReference<>(State.STARTING);

  Health(List<Check> checks, Duration timeout) {
    this.checks = List.copyOf(checks);
    this.timeout = timeout;
  }

  /** Readiness of a node over these stores: a trivial metadata read, the blob store's access. */
  static Health of(MetadataStore metadata, BlobStore blobs, Duration timeout) {
    return new Health(
        List.of(
            new Check("metadata", () -> metadata.read(tx -> tx.repositories(null, 1))),
            new Check("blobs", blobs::checkAccess)),
        timeout);
  }

  /** The node has started: readiness now follows the checks. */
  void started() {
    state.compareAndSet(State.STARTING, State.READY);
  }

  /** The node is stopping: not ready from now on, whatever the checks say. */
  void stopping() {
    state.set(State.STOPPING);
  }

  /**
   * The node begins to stop: not ready from now on; returns after {@code delay}, during which the
   * node still serves, so that load balancers see it and send their requests elsewhere.
   */
  void stopAndDrain(Duration delay) {
    stopping();
    if (delay.isZero()) {
      return;
    }
    try {
      Thread.sleep(delay);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  State state() {
    return state.get();
  }

  /** The pipeline's stage: answers the two paths, passes every other request on. */
  Stage stage() {
    return (call, next) -> {
      String path = call.context().path();
      if (path.equals(LIVE_PATH)) {
        send(call.response(), 200, JSON.createObjectNode().put("status", "ok"));
      } else if (path.equals(READY_PATH)) {
        answerReadiness(call);
      } else {
        next.handle(call);
      }
    };
  }

  private void answerReadiness(Call call) {
    if (state.get() != State.READY) {
      // Starting or stopping: no store is asked; a stopping node answers at once.
      send(call.response(), 503, body(new Readiness(state.get(), Map.of())));
      return;
    }
    Future.fromCompletionStage(readiness(), Vertx.currentContext())
        .onComplete(
            ar -> {
              Readiness readiness =
                  ar.succeeded()
                      ? ar.result()
                      : new Readiness(
                          state.get(), Map.of("health", failure(String.valueOf(ar.cause()))));
              send(call.response(), readiness.ready() ? 200 : 503, body(readiness));
            });
  }

  /** Runs every check (or joins its run in flight), each bounded by the timeout. */
  CompletableFuture<Readiness> readiness() {
    List<CompletableFuture<Outcome>> outcomes = new ArrayList<>();
    for (Check check : checks) {
      outcomes.add(
          running
              .compute(
                  check.name(), (name, now) -> now != null && !now.isDone() ? now : start(check))
              .copy()
              .completeOnTimeout(
                  failure("no answer within " + timeout.toMillis() + " ms"),
                  timeout.toMillis(),
                  TimeUnit.MILLISECONDS));
    }
    return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              Map<String, Outcome> results = new LinkedHashMap<>();
              for (int i = 0; i < checks.size(); i++) {
                String name = checks.get(i).name();
                Outcome outcome = outcomes.get(i).join();
                results.put(name, outcome);
                noteChange(name, outcome);
              }
              // Read after the checks: a node that began to stop meanwhile says so.
              return new Readiness(state.get(), results);
            });
  }

  private void noteChange(String name, Outcome outcome) {
    Boolean before = lastOk.put(name, outcome.ok());
    if (outcome.ok() && Boolean.FALSE.equals(before)) {
      log.info("readiness check passes again: check={}", name);
    } else if (!outcome.ok() && !Boolean.FALSE.equals(before)) {
      log.warn("readiness check failed: check={} reason={}", name, outcome.detail());
    }
  }

  private CompletableFuture<Outcome> start(Check check) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            check.probe().run();
            return Outcome.OK;
          } catch (Exception e) {
            return failure(e.toString());
          }
        },
        probes);
  }

  private static Outcome failure(String detail) {
    String line = detail.lines().findFirst().orElse(detail);
    return new Outcome(
        false, line.length() <= MAX_DETAIL ? line : line.substring(0, MAX_DETAIL) + "…");
  }

  /**
   * {@code {"status": "ready" | "not ready" | "starting" | "stopping", "failed": [names], "checks":
   * {name: "ok" | "failed"}}}. Why a check failed (paths, database errors) goes to the log, not to
   * an unauthenticated caller.
   */
  static ObjectNode body(Readiness readiness) {
    ObjectNode body = JSON.createObjectNode();
    String status =
        switch (readiness.state()) {
          case STARTING -> "starting";
          case STOPPING -> "stopping";
          case READY -> readiness.ready() ? "ready" : "not ready";
        };
    body.put("status", status);
    if (!readiness.checks().isEmpty()) {
      var failed = body.putArray("failed");
      ObjectNode checks = body.putObject("checks");
      readiness
          .checks()
          .forEach(
              (name, outcome) -> {
                checks.put(name, outcome.ok() ? "ok" : "failed");
                if (!outcome.ok()) {
                  failed.add(name);
                }
              });
    }
    return body;
  }

  private static void send(HttpServerResponse response, int status, ObjectNode body) {
    response
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(body.toString());
  }

  @Override
  public void close() {
    stopping();
    probes.shutdownNow();
  }
}
