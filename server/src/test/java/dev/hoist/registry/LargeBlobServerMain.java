package dev.hoist.registry;

import dev.hoist.storage.fs.FileSystemBlobStore;
import dev.hoist.storage.sql.SqliteMetadataStore;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;

/**
 * A registry over the real stores in a data directory (the first argument), for {@link LargeBlobIT}
 * to run in a JVM with a small heap. Prints {@code PORT <n>} once listening; stops when its
 * standard input closes.
 */
public final class LargeBlobServerMain {
  private LargeBlobServerMain() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    Vertx vertx = Vertx.vertx();
    SqliteMetadataStore metadata = SqliteMetadataStore.open(dir);
    RegistryApi api =
        RegistryApi.create(
            vertx,
            new FileSystemBlobStore(dir),
            metadata,
            RegistryOptions.defaults(),
            InstantSource.system());
    HttpServer server =
        vertx
            .createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
            .requestHandler(api.handler())
            .listen()
            .await(30, TimeUnit.SECONDS);
    System.out.println("PORT " + server.actualPort());
    System.out.flush();
    while (System.in.read() != -1) {
      // Wait for the test to close our input.
    }
    api.close();
    vertx.close().await(30, TimeUnit.SECONDS);
    metadata.close();
  }
}
