package dev.hoist.registry;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import io.vertx.core.Future;
import java.util.List;

/** {@code /v2/<name>/tags/list}: the repository's tags in lexical order, a page at a time. */
final class TagsHandler {
  private final Backend backend;

  TagsHandler(Backend backend) {
    this.backend = backend;
  }

  Future<Void> handle(Exchange ex, RepositoryName name) {
    switch (ex.method().name()) {
      case "GET", "HEAD" -> {}
      default -> throw Methods.notAllowed(ex, "GET, HEAD");
    }
    int n = Pagination.pageSize(ex.param("n"), backend.options().maxPageSize());
    Tag last = last(ex.param("last"));
    return backend
        .blocking()
        .run(
            () ->
                backend
                    .metadata()
                    .read(
                        tx -> {
                          if (!tx.repositoryExists(name)) {
                            throw Errors.error(
                                ErrorCode.NAME_UNKNOWN,
                                "repository name not known to registry",
                                "name",
                                name.value());
                          }
                          return n == 0 ? List.<Tag>of() : tx.tags(name, last, n + 1);
                        }))
        .map(
            tags -> {
              boolean more = tags.size() > n;
              List<Tag> page = more ? tags.subList(0, n) : tags;
              ObjectNode body = Json.object();
              body.put("name", name.value());
              ArrayNode array = body.putArray("tags");
              page.forEach(t -> array.add(t.value()));
              if (more) {
                ex.response()
                    .putHeader(
                        Headers.LINK,
                        Pagination.nextLink(
                            "/v2/" + name + "/tags/list", page.get(page.size() - 1).value(), n));
              }
              ex.json(200, "application/json", Json.bytes(body));
              return null;
            });
  }

  private static Tag last(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    if (!Tag.isValid(text)) {
      throw Errors.error(
          ErrorCode.TAG_INVALID, "last is not a valid tag", "last", Errors.shorten(text));
    }
    return Tag.of(text);
  }
}
