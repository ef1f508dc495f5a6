package dev.hoist.server;

import dev.hoist.tls.CertificateReloader;
import dev.hoist.tls.ServerCertificate;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP server every request enters by: plain HTTP (HTTP/2 by h2c upgrade for clients that ask),
 * or, with {@code tls} configured, HTTPS only, HTTP/2 or HTTP/1.1 as ALPN settles it, with a {@link
 * CertificateReloader} serving a changed certificate to new connections.
 */
final class HttpListener {
  static final int IDLE_TIMEOUT_SECONDS = 120;

  private HttpListener() {}

  /**
   * Listens as {@code config} says, handing every request to {@code handler}.
   *
   * @param certificate what to serve over TLS (read and checked from {@code config.tls()}), or null
   *     for plain HTTP
   */
  static HttpServer listen(
      Vertx vertx,
      ServerConfig config,
      Handler<HttpServerRequest> handler,
      ServerCertificate certificate,
      Resources resources)
      throws Exception {
    HttpServerOptions options =
        new HttpServerOptions()
            .setHost(config.listenHost())
            .setPort(config.listenPort())
            .setCompressionSupported(false)
            .setTcpNoDelay(true)
            .setReuseAddress(true)
            // A client that stops sending or reading mid-transfer releases its connection (and
            // its upload session's turn) after this long; active transfers are never cut.
            .setIdleTimeout(IDLE_TIMEOUT_SECONDS);
    if (certificate != null) {
      // ALPN offers h2 and http/1.1 (Vert.x's default versions); h2c is for plain HTTP only.
      options
          .setSsl(true)
          .setUseAlpn(true)
          .setKeyCertOptions(certificate.keyCertOptions())
          .setHttp2ClearTextEnabled(false);
    }
    HttpServer http =
        vertx
            .createHttpServer(options)
            .requestHandler(handler)
            .listen()
            .await(30, TimeUnit.SECONDS);
    if (certificate != null) {
      // Stopped with the other resources, once the server has shut down.
      ScheduledExecutorService timer =
          resources.add(
              "tls reload",
              Executors.newSingleThreadScheduledExecutor(
                  Thread.ofPlatform().name("hoist-tls-reload").daemon().factory()),
              t -> {
                t.shutdownNow();
                t.awaitTermination(10, TimeUnit.SECONDS);
              });
      CertificateReloader.start(config.tls(), http, options.getSslOptions(), timer);
    }
    return http;
  }
}
