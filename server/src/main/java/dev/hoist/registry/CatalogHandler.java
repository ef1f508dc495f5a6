package dev.hoist.registry;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.RepositoryName;
import io.vertx.core.Future;
import java.util.List;

/** {@code /v2/_catalog}: repository names in lexical order, a page at a time. */
final class CatalogHandler {
  private final Backend backend;

  CatalogHandler(Backend backend) {
    this.backend = backend;
  }

  Future<Void> handle(Exchange ex) {
    switch (ex.method().name()) {
      case "GET", "HEAD" -> {}
      default -> throw Methods.notAllowed(ex, "GET, HEAD");
    }
    int n = Pagination.pageSize(ex.param("n"), backend.options().maxPageSize());
    String lastText = ex.param("last");
    RepositoryName last =
        lastText == null || lastText.isEmpty() ? null : Errors.repositoryName(lastText);
    return backend
        .blocking()
        .run(
            () ->
                n == 0 ? List.<RepositoryName>of() : backend.namespace().repositories(last, n + 1))
        .map(
            names -> {
              boolean more = names.size() > n;
              List<RepositoryName> page = more ? names.subList(0, n) : names;
              ObjectNode body = Json.object();
              ArrayNode array = body.putArray("repositories");
              page.forEach(r -> array.add(r.value()));
              if (more) {
                ex.response()
                    .putHeader(
                        Headers.LINK,
                        Pagination.nextLink("/v2/_catalog", page.get(page.size() - 1).value(), n));
              }
              ex.json(200, "application/json", Json.bytes(body));
              return null;
            });
  }
}
