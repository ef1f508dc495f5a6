package dev.hoist.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.registry.Route.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RouteTest {

  private static Route parse(String path) {
    return Route.parse(path).orElseThrow(() -> new AssertionError("no route for " + path));
  }

  @Test
  void baseAndCatalog() {
    assertThat(parse("/v2/").kind()).isEqualTo(Kind.BASE);
    assertThat(parse("/v2").kind()).isEqualTo(Kind.BASE);
    assertThat(parse("/v2/_catalog").kind()).isEqualTo(Kind.CATALOG);
  }

  @Test
  void nameWithSlashesIsEverythingBeforeTheResource() {
    assertThat(parse("/v2/library/ubuntu/manifests/22.04"))
        .isEqualTo(new Route(Kind.MANIFEST, "library/ubuntu", "22.04"));
    assertThat(parse("/v2/a/b/c/tags/list")).isEqualTo(new Route(Kind.TAGS, "a/b/c", null));
    assertThat(parse("/v2/a/referrers/sha256:00"))
        .isEqualTo(new Route(Kind.REFERRERS, "a", "sha256:00"));
    assertThat(parse("/v2/a/blobs/sha256:00")).isEqualTo(new Route(Kind.BLOB, "a", "sha256:00"));
  }

  @Test
  void uploadsWithAndWithoutTrailingSlash() {
    assertThat(parse("/v2/a/b/blobs/uploads/")).isEqualTo(new Route(Kind.UPLOADS, "a/b", null));
    assertThat(parse("/v2/a/b/blobs/uploads")).isEqualTo(new Route(Kind.UPLOADS, "a/b", null));
    assertThat(parse("/v2/a/b/blobs/uploads/123-abc"))
        .isEqualTo(new Route(Kind.UPLOAD, "a/b", "123-abc"));
  }

  @Test
  void resourceWordsMayBeNameComponents() {
    assertThat(parse("/v2/manifests/tags/manifests/latest"))
        .isEqualTo(new Route(Kind.MANIFEST, "manifests/tags", "latest"));
    assertThat(parse("/v2/blobs/uploads/blobs/sha256:00"))
        .isEqualTo(new Route(Kind.BLOB, "blobs/uploads", "sha256:00"));
    assertThat(parse("/v2/x/blobs/uploads/blobs/uploads/"))
        .isEqualTo(new Route(Kind.UPLOADS, "x/blobs/uploads", null));
  }

  @Test
  void nameStaysRawButTheLastSegmentIsDecoded() {
    assertThat(parse("/v2/%2e%2e/x/manifests/sha256%3Aab"))
        .isEqualTo(new Route(Kind.MANIFEST, "%2e%2e/x", "sha256:ab"));
    assertThat(parse("/v2/../x/tags/list")).isEqualTo(new Route(Kind.TAGS, "../x", null));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"/", "/v1/", "/v2/x", "/v2/x/manifests/", "/v2/x/blobs/", "/v2/x/tags", "/v3/"})
  void otherPathsAreNoRoute(String path) {
    assertThat(Route.parse(path)).isEmpty();
  }
}
