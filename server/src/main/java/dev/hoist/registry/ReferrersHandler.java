package dev.hoist.registry;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.repository.Repository;
import io.vertx.core.Future;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code /v2/<name>/referrers/<digest>}: the manifests whose {@code subject} is the digest, as an
 * image index; always 200 (an empty index when there are none), filtered by {@code ?artifactType=}
 * with {@code OCI-Filters-Applied: artifactType}.
 */
final class ReferrersHandler {
  private final Backend backend;

  ReferrersHandler(Backend backend) {
    this.backend = backend;
  }

  /**
   * Answers with a referrers index: {@code fill} adds the entries (with {@link #addReferrer});
   * {@code artifactType}, when not null, is the filter it applied.
   */
  static void reply(Exchange ex, String artifactType, java.util.function.Consumer<ArrayNode> fill) {
    ObjectNode index = Json.object();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaTypes.OCI_INDEX);
    fill.accept(index.putArray("manifests"));
    if (artifactType != null) {
      ex.response().putHeader(Headers.OCI_FILTERS_APPLIED, "artifactType");
    }
    ex.json(200, MediaTypes.OCI_INDEX, Json.bytes(index));
  }

  /** The {@code ?artifactType=} filter of a referrers request, or null for none. */
  static String artifactTypeFilter(Exchange ex) {
    String filter = ex.param("artifactType");
    return filter == null || filter.isEmpty() ? null : filter;
  }

  /** Adds one entry to a referrers index's {@code manifests}. */
  static void addReferrer(
      ArrayNode manifests,
      String mediaType,
      Digest digest,
      long size,
      String artifactType,
      Map<String, String> annotations) {
    ObjectNode d = manifests.addObject();
    d.put("mediaType", mediaType);
    d.put("digest", digest.toString());
    d.put("size", size);
    if (artifactType != null) {
      d.put("artifactType", artifactType);
    }
    if (annotations != null && !annotations.isEmpty()) {
      ObjectNode a = d.putObject("annotations");
      new TreeMap<>(annotations).forEach(a::put);
    }
  }

  Future<Void> handle(Exchange ex, Repository repository, String digestText) {
    switch (ex.method().name()) {
      case "GET", "HEAD" -> {}
      default -> throw Methods.notAllowed(ex, "GET, HEAD");
    }
    Digest subject = Errors.digest(digestText);
    String artifactType = artifactTypeFilter(ex);
    return backend
        .blocking()
        .run(() -> repository.referrers().of(subject, artifactType))
        .map(
            referrers -> {
              reply(
                  ex,
                  artifactType,
                  manifests -> {
                    for (Descriptor r : referrers) {
                      addReferrer(
                          manifests,
                          r.mediaType(),
                          r.digest(),
                          r.size(),
                          r.artifactType(),
                          r.annotations());
                    }
                  });
              return null;
            });
  }
}
