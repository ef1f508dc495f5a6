package dev.hoist.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.lifecycle.DiskConfig;
import dev.hoist.server.HoistServer;
import dev.hoist.server.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pages' static files, through the server's real pipeline. */
class WebAssetsIT {
  @TempDir static Path dir;
  static HoistServer hoist;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    hoist =
        HoistServer.start(
            ServerConfig.builder()
                .disk(DiskConfig.off())
                .listen("127.0.0.1", 0)
                .dataDir(dir)
                .build());
  }

  @AfterAll
  static void stop() {
    hoist.close();
  }

  static HttpResponse<String> send(String method, String path, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(hoist.url() + path))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void everyAssetIsServedWithItsTypeAndAValidator() throws Exception {
    for (String path : Assets.paths().toList()) {
      HttpResponse<String> r = send("GET", path);
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      assertThat(r.body()).as(path).isNotBlank();
      assertThat(r.headers().firstValue("Content-Type").orElseThrow())
          .as(path)
          .startsWith(path.endsWith(".css") ? "text/css" : "text/javascript");
      String etag = r.headers().firstValue("ETag").orElseThrow();

      assertThat(send("GET", path, "If-None-Match", etag).statusCode()).as(path).isEqualTo(304);
      HttpResponse<String> head = send("HEAD", path);
      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(head.headers().firstValueAsLong("Content-Length").orElseThrow())
          .isEqualTo(r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }
  }

  @Test
  void versionedWebJarFilesAreCachedForAYearHoistsOwnAreRevalidated() throws Exception {
    assertThat(send("GET", Assets.PICO_CSS).headers().firstValue("Cache-Control"))
        .hasValue("public, max-age=31536000, immutable");
    assertThat(send("GET", Assets.HOIST_JS).headers().firstValue("Cache-Control"))
        .hasValue("public, max-age=0, must-revalidate");
  }

  @Test
  void onlyTheNamedFilesAreServedNothingElseFromTheJar() throws Exception {
    for (String path :
        List.of(
            "/webjars/picocss__pico/2.1.1/css/pico.css",
            "/webjars/picocss__pico/2.1.1/../../htmx.org/2.0.4/dist/htmx.js",
            "/static/../dev/hoist/web/hoist.js",
            "/static/hoist.css/",
            "/static/logback.xml",
            "/webjars/",
            "/META-INF/MANIFEST.MF")) {
      HttpResponse<String> r = send("GET", path);
      assertThat(r.statusCode()).as(path).isEqualTo(404);
      assertThat(r.headers().firstValue("Content-Type").orElse(""))
          .as(path)
          .doesNotContain("css")
          .doesNotContain("javascript");
    }
  }

  @Test
  void otherMethodsOnAnAssetPassToTheRestOfThePipeline() throws Exception {
    assertThat(send("POST", Assets.HOIST_CSS).statusCode()).isNotEqualTo(200);
    assertThat(send("DELETE", Assets.PICO_CSS).statusCode()).isNotEqualTo(200);
  }
}
