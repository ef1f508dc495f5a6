package dev.hoist.web;

import dev.hoist.pipeline.Call;
import dev.hoist.pipeline.Stage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The static files of the pages, read from the jar once at start and answered from memory: the
 * WebJars' files under {@code /webjars/} (Pico CSS, htmx, uPlot) and Hoist's own under {@code
 * /static/}. Only the files named here are served; any other path passes on. A missing file stops
 * the server at start (a WebJar's version changed in the pom but not here), not a page later.
 */
public final class Assets {
  public static final String PICO_CSS = "/webjars/picocss__pico/2.1.1/css/pico.min.css";
  public static final String HTMX_JS = "/webjars/htmx.org/2.0.4/dist/htmx.min.js";
  public static final String UPLOT_JS = "/webjars/uplot/1.6.30/dist/uPlot.iife.min.js";
  public static final String UPLOT_CSS = "/webjars/uplot/1.6.30/dist/uPlot.min.css";
  public static final String HOIST_CSS = "/static/hoist.css";
  public static final String HOIST_JS = "/static/hoist.js";

  private static final Map<String, String> SOURCES =
      Map.of(
          PICO_CSS, "/META-INF/resources" + PICO_CSS,
          HTMX_JS, "/META-INF/resources" + HTMX_JS,
          UPLOT_JS, "/META-INF/resources" + UPLOT_JS,
          UPLOT_CSS, "/META-INF/resources" + UPLOT_CSS,
          HOIST_CSS, "/dev/hoist/web/hoist.css",
          HOIST_JS, "/dev/hoist/web/hoist.js");

  private record Asset(Buffer bytes, String type, String etag) {}

  private final Map<String, Asset> assets;

  public Assets() {
    this.assets =
        SOURCES.entrySet().stream()
            .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> load(e.getValue())));
  }

  /** The paths served, for tests. */
  static Stream<String> paths() {
    return SOURCES.keySet().stream().sorted();
  }

  /** {@code <link rel=stylesheet>} for one of the paths here. */
  public static String stylesheet(String path) {
    return "<link rel=stylesheet href=\"" + Html.esc(path) + "\">";
  }

  /** {@code <script defer>} for one of the paths here. */
  public static String script(String path) {
    return "<script defer src=\"" + Html.esc(path) + "\"></script>";
  }

  /** Answers GET and HEAD of the paths here; others pass. */
  public Stage stage() {
    return (call, next) -> {
      Asset asset = assets.get(call.context().path());
      HttpMethod method = call.request().method();
      if (asset == null || (method != HttpMethod.GET && method != HttpMethod.HEAD)) {
        next.handle(call);
        return;
      }
      send(call, asset);
    };
  }

  private static void send(Call call, Asset asset) {
    var response = call.response();
    // The versioned WebJar paths never change; Hoist's own files change with Hoist, so they are
    // revalidated by their ETag.
    response
        .putHeader("Content-Type", asset.type())
        .putHeader("ETag", asset.etag())
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader(
            "Cache-Control",
            call.context().path().startsWith("/webjars/")
                ? "public, max-age=31536000, immutable"
                : "public, max-age=0, must-revalidate");
    if (asset.etag().equals(call.request().getHeader("If-None-Match"))) {
      response.setStatusCode(304).end();
    } else if (call.request().method() == HttpMethod.HEAD) {
      response.putHeader("Content-Length", Integer.toString(asset.bytes().length())).end();
    } else {
      response.end(asset.bytes());
    }
  }

  private static Asset load(String resource) {
    byte[] bytes;
    try (InputStream in = Assets.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the jar lacks " + resource);
      }
      bytes = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource + " from the jar", e);
    }
    String type =
        resource.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
    return new Asset(Buffer.buffer(bytes), type, etag(bytes));
  }

  private static String etag(byte[] bytes) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(bytes);
      return '"' + HexFormat.of().formatHex(hash, 0, 12) + '"';
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
