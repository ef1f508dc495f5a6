package dev.hoist.registry;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.Tag;
import dev.hoist.repository.Repository;
import io.vertx.core.Future;
import java.util.List;

/** {@code /v2/<name>/tags/list}: the repository's tags in lexical order, a page at a time. */
final class TagsHandler {
  private final Backend backend;

  TagsHandler(Backend backend) {
    this.backend = backend;
  }

  Future<Void> handle(Exchange ex, Repository repository) {
    switch (ex.method().name()) {
      case "GET", "HEAD" -> {}
      default -> throw Methods.notAllowed(ex, "GET, HEAD");
    }
    int n = Pagination.pageSize(ex.param("n"), backend.options().maxPageSize());
    Tag last = last(ex.param("last"));
    return backend
        .blocking()
        .run(() -> repository.tags().list(last, n))
        .map(
            page -> {
              List<Tag> tags = page.tags();
              ObjectNode body = Json.object();
              body.put("name", repository.name().value());
              ArrayNode array = body.putArray("tags");
              tags.forEach(t -> array.add(t.value()));
              if (page.more()) {
                ex.response()
                    .putHeader(
                        Headers.LINK,
                        Pagination.nextLink(
                            "/v2/" + repository.name() + "/tags/list",
                            tags.get(tags.size() - 1).value(),
                            n));
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
