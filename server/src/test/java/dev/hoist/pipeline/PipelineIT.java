package dev.hoist.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline on a real Vert.x server: order, context, early answers, end-of-response work. */
class PipelineIT {
  @TempDir Path dir;

  private final Vertx vertx = Vertx.vertx();
  private final HttpClient client = HttpClient.newHttpClient();
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final CountDownLatch ended = new CountDownLatch(1);
  private HttpServer server;

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private URI start(Pipeline pipeline) throws Exception {
    server =
        vertx
            .createHttpServer()
            .requestHandler(pipeline)
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    return URI.create("http://127.0.0.1:" + server.actualPort());
  }

  private HttpResponse<String> get(URI base, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private Pipeline pipeline() {
    return Pipeline.builder()
        .stage(
            "first",
            (call, next) -> {
              seen.add("first " + call.context().path());
              call.atEnd(ended::countDown);
              next.handle(call);
            })
        .stage(
            "answers /early",
            Stage.answering("/early"::equals, call -> call.response().end("early")))
        .stage(
            "tenant",
            (call, next) -> {
              seen.add("tenant");
              next.handle(
                  call.with(
                      call.context()
                          .forTenant(
                              "t1",
                              call.context().path().replaceFirst("^/m/t1", ""),
                              "/m/t1",
                              dev.hoist.repository.TransferGate.UNLIMITED)));
            })
        .endpoint(
            "last",
            call -> {
              RequestContext context = call.context();
              seen.add(
                  "last "
                      + context.path()
                      + " "
                      + context.addressPrefix()
                      + " "
                      + context.tenant());
              call.response().end("done");
            });
  }

  @Test
  void stagesRunInTheOrderListedAndPassWhatTheyLearnedOn() throws Exception {
    URI base = start(pipeline());

    HttpResponse<String> response = get(base, "/m/t1/v2/");

    assertThat(response.body()).isEqualTo("done");
    assertThat(seen).containsExactly("first /m/t1/v2/", "tenant", "last /v2/ /m/t1 t1");
    assertThat(ended.await(5, TimeUnit.SECONDS)).as("end-of-response work ran").isTrue();
  }

  @Test
  void aStageThatAnswersEndsTheWayAndEndOfResponseWorkStillRuns() throws Exception {
    URI base = start(pipeline());

    HttpResponse<String> response = get(base, "/early");

    assertThat(response.body()).isEqualTo("early");
    assertThat(seen).containsExactly("first /early");
    assertThat(ended.await(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void theServersPipelineListsItsStagesInOneOrder() {
    try (HoistServer hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(dir)
                .build())) {
      assertThat(hoist.stages())
          .containsExactly(
              "access log",
              "http metrics",
              "health",
              "cluster",
              "sync API",
              "admin API",
              "metrics",
              "token",
              "served bytes",
              "web assets",
              "status pages",
              "accelerator",
              "API fallback",
              "registry");
    }
  }

  @Test
  void anApiPathWithNothingBehindItGetsTheJsonApisErrorNotTheRegistrys() throws Exception {
    try (HoistServer hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(dir)
                .build())) {
      HttpResponse<String> response = get(URI.create(hoist.url()), "/api/v1/accounts");

      assertThat(response.statusCode()).isEqualTo(404);
      assertThat(response.body()).contains("\"code\":\"NOT_FOUND\"");
      assertThat(response.headers().firstValue("Docker-Distribution-API-Version")).isEmpty();
    }
  }

  @Test
  void namesListTheEndpointLast() {
    assertThat(pipeline().names()).containsExactly("first", "answers /early", "tenant", "last");
  }
}
