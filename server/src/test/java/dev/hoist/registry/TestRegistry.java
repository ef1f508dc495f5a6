package dev.hoist.registry;

import dev.hoist.storage.BlobStore;
import dev.hoist.storage.MetadataStore;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.net.URI;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;

/** A registry API behind a real Vert.x HTTP server on a free loopback port. */
final class TestRegistry implements AutoCloseable {
  final BlobStore blobs;
  final MetadataStore metadata;
  final RegistryApi api;
  private final HttpServer server;

  private TestRegistry(
      BlobStore blobs, MetadataStore metadata, RegistryApi api, HttpServer server) {
    this.blobs = blobs;
    this.metadata = metadata;
    this.api = api;
    this.server = server;
  }

  static TestRegistry start(
      Vertx vertx,
      BlobStore blobs,
      MetadataStore metadata,
      RegistryOptions options,
      InstantSource clock) {
    RegistryApi api = RegistryApi.create(vertx, blobs, metadata, options, clock);
    try {
      HttpServer server =
          vertx
              .createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
              .requestHandler(api.handler())
              .listen()
              .await(10, TimeUnit.SECONDS);
      return new TestRegistry(blobs, metadata, api, server);
    } catch (Exception e) {
      api.close();
      throw new IllegalStateException("cannot start the test registry", e);
    }
  }

  URI base() {
    return URI.create("http://127.0.0.1:" + server.actualPort());
  }

  int port() {
    return server.actualPort();
  }

  RegistryTestClient client() {
    return new RegistryTestClient(base());
  }

  @Override
  public void close() {
    api.close();
    try {
      server.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop the test registry", e);
    }
  }
}
