package dev.hoist.registry;

import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;

/** {@code /v2/}: the version check every client starts with. */
final class BaseHandler {
  private static final byte[] EMPTY_OBJECT = "{}".getBytes(StandardCharsets.UTF_8);

  Future<Void> handle(Exchange ex) {
    switch (ex.method().name()) {
      case "GET", "HEAD" -> ex.json(200, "application/json", EMPTY_OBJECT);
      default -> throw Methods.notAllowed(ex, "GET, HEAD");
    }
    return Future.succeededFuture();
  }
}
