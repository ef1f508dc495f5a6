package dev.hoist.registry;

import dev.hoist.pipeline.RouteKind;
import java.util.Arrays;
import java.util.Optional;

/**
 * A {@code /v2/} path split into its resource and parts, before any validation.
 *
 * <pre>
 * /v2/                                   BASE
 * /v2/_catalog                           CATALOG
 * /v2/&lt;name&gt;/tags/list                  TAGS
 * /v2/&lt;name&gt;/manifests/&lt;reference&gt;     MANIFEST   (reference: tag or digest)
 * /v2/&lt;name&gt;/referrers/&lt;digest&gt;        REFERRERS
 * /v2/&lt;name&gt;/blobs/uploads/             UPLOADS    (also without the trailing slash)
 * /v2/&lt;name&gt;/blobs/uploads/&lt;id&gt;         UPLOAD
 * /v2/&lt;name&gt;/blobs/&lt;digest&gt;             BLOB
 * </pre>
 *
 * A name has slashes, so the resource is found from the end of the path, and the name is what
 * remains before it. The name is kept raw (not percent-decoded): {@code %2e%2e} must fail name
 * validation rather than become {@code ..}. The last part (reference, digest, session id) is
 * percent-decoded, since clients may send a digest's colon as {@code %3A}.
 *
 * @param name the raw repository name, null for BASE and CATALOG
 * @param last the decoded reference, digest or session id, null when the resource has none
 */
record Route(Kind kind, String name, String last) {

  enum Kind {
    BASE,
    CATALOG,
    TAGS,
    MANIFEST,
    REFERRERS,
    UPLOADS,
    UPLOAD,
    BLOB;

    /** The kind metrics tag the request with: both upload resources are one. */
    RouteKind routeKind() {
      return switch (this) {
        case BASE -> RouteKind.BASE;
        case CATALOG -> RouteKind.CATALOG;
        case TAGS -> RouteKind.TAGS;
        case MANIFEST -> RouteKind.MANIFEST;
        case REFERRERS -> RouteKind.REFERRERS;
        case UPLOADS, UPLOAD -> RouteKind.BLOB_UPLOAD;
        case BLOB -> RouteKind.BLOB;
      };
    }
  }

  private static final String PREFIX = "/v2/";

  /** The route for a raw request path, or empty when the path is no API endpoint. */
  static Optional<Route> parse(String path) {
    if (path == null) {
      return Optional.empty();
    }
    if (path.equals("/v2") || path.equals(PREFIX)) {
      return Optional.of(new Route(Kind.BASE, null, null));
    }
    if (!path.startsWith(PREFIX)) {
      return Optional.empty();
    }
    String rest = path.substring(PREFIX.length());
    if (rest.equals("_catalog")) {
      return Optional.of(new Route(Kind.CATALOG, null, null));
    }
    // -1 keeps a trailing empty segment: "x/blobs/uploads/" ends with "".
    String[] s = rest.split("/", -1);
    int n = s.length;
    if (n >= 2 && s[n - 2].equals("tags") && s[n - 1].equals("list")) {
      return route(Kind.TAGS, s, n - 2, null);
    }
    if (n >= 2 && s[n - 2].equals("manifests")) {
      return route(Kind.MANIFEST, s, n - 2, s[n - 1]);
    }
    if (n >= 2 && s[n - 2].equals("referrers")) {
      return route(Kind.REFERRERS, s, n - 2, s[n - 1]);
    }
    if (n >= 3 && s[n - 3].equals("blobs") && s[n - 2].equals("uploads")) {
      return s[n - 1].isEmpty()
          ? route(Kind.UPLOADS, s, n - 3, null)
          : route(Kind.UPLOAD, s, n - 3, s[n - 1]);
    }
    if (n >= 2 && s[n - 2].equals("blobs")) {
      return s[n - 1].equals("uploads")
          ? route(Kind.UPLOADS, s, n - 2, null)
          : route(Kind.BLOB, s, n - 2, s[n - 1]);
    }
    return Optional.empty();
  }

  private static Optional<Route> route(Kind kind, String[] segments, int nameEnd, String last) {
    if (last != null && last.isEmpty()) {
      return Optional.empty();
    }
    String name = String.join("/", Arrays.asList(segments).subList(0, nameEnd));
    return Optional.of(new Route(kind, name, last == null ? null : Query.decode(last)));
  }
}
