package dev.hoist.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ImageReferenceTest {
  static final String H64 = "a".repeat(64);
  static final String D256 = "sha256:" + "0123456789abcdef".repeat(4);
  static final String D512 = "sha512:" + "0123456789abcdef".repeat(8);

  /** input, registry, repository, tag (effective), digest, canonical, familiar. */
  static Stream<Arguments> valid() {
    return Stream.of(
        // Docker Hub and the library/ prefix.
        ok(
            "ubuntu",
            "docker.io",
            "library/ubuntu",
            "latest",
            null,
            "docker.io/library/ubuntu:latest",
            "ubuntu:latest"),
        ok(
            "ubuntu:22.04",
            "docker.io",
            "library/ubuntu",
            "22.04",
            null,
            "docker.io/library/ubuntu:22.04",
            "ubuntu:22.04"),
        ok(
            "alice/app",
            "docker.io",
            "alice/app",
            "latest",
            null,
            "docker.io/alice/app:latest",
            "alice/app:latest"),
        ok(
            "alice/app:1",
            "docker.io",
            "alice/app",
            "1",
            null,
            "docker.io/alice/app:1",
            "alice/app:1"),
        ok(
            "docker.io/ubuntu",
            "docker.io",
            "library/ubuntu",
            "latest",
            null,
            "docker.io/library/ubuntu:latest",
            "ubuntu:latest"),
        ok(
            "docker.io/library/ubuntu",
            "docker.io",
            "library/ubuntu",
            "latest",
            null,
            "docker.io/library/ubuntu:latest",
            "ubuntu:latest"),
        ok(
            "index.docker.io/ubuntu",
            "docker.io",
            "library/ubuntu",
            "latest",
            null,
            "docker.io/library/ubuntu:latest",
            "ubuntu:latest"),
        ok(
            "index.docker.io/alice/app:2",
            "docker.io",
            "alice/app",
            "2",
            null,
            "docker.io/alice/app:2",
            "alice/app:2"),
        ok(
            "registry-1.docker.io/ubuntu",
            "registry-1.docker.io",
            "ubuntu",
            "latest",
            null,
            "registry-1.docker.io/ubuntu:latest",
            "registry-1.docker.io/ubuntu:latest"),
        ok(
            "library/ubuntu",
            "docker.io",
            "library/ubuntu",
            "latest",
            null,
            "docker.io/library/ubuntu:latest",
            "ubuntu:latest"),
        ok(
            "library/a/b",
            "docker.io",
            "library/a/b",
            "latest",
            null,
            "docker.io/library/a/b:latest",
            "library/a/b:latest"),
        ok(
            "a/b/c/d",
            "docker.io",
            "a/b/c/d",
            "latest",
            null,
            "docker.io/a/b/c/d:latest",
            "a/b/c/d:latest"),
        // Hosts: dots, ports, localhost, IPv4, IPv6, uppercase first component.
        ok(
            "localhost/foo",
            "localhost",
            "foo",
            "latest",
            null,
            "localhost/foo:latest",
            "localhost/foo:latest"),
        ok(
            "localhost:5000/x:y",
            "localhost:5000",
            "x",
            "y",
            null,
            "localhost:5000/x:y",
            "localhost:5000/x:y"),
        ok(
            "localhost",
            "docker.io",
            "library/localhost",
            "latest",
            null,
            "docker.io/library/localhost:latest",
            "localhost:latest"),
        ok(
            "localhost:5000",
            "docker.io",
            "library/localhost",
            "5000",
            null,
            "docker.io/library/localhost:5000",
            "localhost:5000"),
        ok(
            "example.com",
            "docker.io",
            "library/example.com",
            "latest",
            null,
            "docker.io/library/example.com:latest",
            "example.com:latest"),
        ok(
            "ghcr.io/org/app:v1.2.3",
            "ghcr.io",
            "org/app",
            "v1.2.3",
            null,
            "ghcr.io/org/app:v1.2.3",
            "ghcr.io/org/app:v1.2.3"),
        ok("quay.io/a", "quay.io", "a", "latest", null, "quay.io/a:latest", "quay.io/a:latest"),
        ok(
            "myhost:5000/a/b",
            "myhost:5000",
            "a/b",
            "latest",
            null,
            "myhost:5000/a/b:latest",
            "myhost:5000/a/b:latest"),
        ok(
            "127.0.0.1:5000/app",
            "127.0.0.1:5000",
            "app",
            "latest",
            null,
            "127.0.0.1:5000/app:latest",
            "127.0.0.1:5000/app:latest"),
        ok(
            "[::1]:5000/app:1",
            "[::1]:5000",
            "app",
            "1",
            null,
            "[::1]:5000/app:1",
            "[::1]:5000/app:1"),
        ok(
            "[2001:db8::1]/app",
            "[2001:db8::1]",
            "app",
            "latest",
            null,
            "[2001:db8::1]/app:latest",
            "[2001:db8::1]/app:latest"),
        ok("[::1]/app", "[::1]", "app", "latest", null, "[::1]/app:latest", "[::1]/app:latest"),
        ok("Foo/bar", "Foo", "bar", "latest", null, "Foo/bar:latest", "Foo/bar:latest"),
        ok(
            "EXAMPLE.com/app",
            "EXAMPLE.com",
            "app",
            "latest",
            null,
            "EXAMPLE.com/app:latest",
            "EXAMPLE.com/app:latest"),
        ok(
            "my-registry.local:443/team/app",
            "my-registry.local:443",
            "team/app",
            "latest",
            null,
            "my-registry.local:443/team/app:latest",
            "my-registry.local:443/team/app:latest"),
        ok("a.b-c.d/x", "a.b-c.d", "x", "latest", null, "a.b-c.d/x:latest", "a.b-c.d/x:latest"),
        // Separators.
        ok("a.b/c", "a.b", "c", "latest", null, "a.b/c:latest", "a.b/c:latest"),
        ok("a_b/c", "docker.io", "a_b/c", "latest", null, "docker.io/a_b/c:latest", "a_b/c:latest"),
        ok(
            "a__b",
            "docker.io",
            "library/a__b",
            "latest",
            null,
            "docker.io/library/a__b:latest",
            "a__b:latest"),
        ok(
            "a-b",
            "docker.io",
            "library/a-b",
            "latest",
            null,
            "docker.io/library/a-b:latest",
            "a-b:latest"),
        ok(
            "a---b",
            "docker.io",
            "library/a---b",
            "latest",
            null,
            "docker.io/library/a---b:latest",
            "a---b:latest"),
        ok(
            "a.b.c",
            "docker.io",
            "library/a.b.c",
            "latest",
            null,
            "docker.io/library/a.b.c:latest",
            "a.b.c:latest"),
        ok(
            "foo/a_b.c-d__e",
            "docker.io",
            "foo/a_b.c-d__e",
            "latest",
            null,
            "docker.io/foo/a_b.c-d__e:latest",
            "foo/a_b.c-d__e:latest"),
        ok("0/1", "docker.io", "0/1", "latest", null, "docker.io/0/1:latest", "0/1:latest"),
        // Tags.
        ok(
            "ubuntu:_",
            "docker.io",
            "library/ubuntu",
            "_",
            null,
            "docker.io/library/ubuntu:_",
            "ubuntu:_"),
        ok(
            "ubuntu:A-Z_a.z",
            "docker.io",
            "library/ubuntu",
            "A-Z_a.z",
            null,
            "docker.io/library/ubuntu:A-Z_a.z",
            "ubuntu:A-Z_a.z"),
        ok(
            "ubuntu:" + "t".repeat(128),
            "docker.io",
            "library/ubuntu",
            "t".repeat(128),
            null,
            "docker.io/library/ubuntu:" + "t".repeat(128),
            "ubuntu:" + "t".repeat(128)),
        ok(
            "localhost:5000/x:LATEST",
            "localhost:5000",
            "x",
            "LATEST",
            null,
            "localhost:5000/x:LATEST",
            "localhost:5000/x:LATEST"),
        // Digests, with and without a tag.
        ok(
            "ubuntu@" + D256,
            "docker.io",
            "library/ubuntu",
            null,
            D256,
            "docker.io/library/ubuntu@" + D256,
            "ubuntu@" + D256),
        ok(
            "ubuntu:22.04@" + D256,
            "docker.io",
            "library/ubuntu",
            "22.04",
            D256,
            "docker.io/library/ubuntu:22.04@" + D256,
            "ubuntu:22.04@" + D256),
        ok(
            "localhost:5000/x@" + D512,
            "localhost:5000",
            "x",
            null,
            D512,
            "localhost:5000/x@" + D512,
            "localhost:5000/x@" + D512),
        ok(
            "ghcr.io/o/r:t@" + D512,
            "ghcr.io",
            "o/r",
            "t",
            D512,
            "ghcr.io/o/r:t@" + D512,
            "ghcr.io/o/r:t@" + D512),
        // Length: 255 characters of path is the limit, counted after library/ is added.
        ok(
            "a/" + "b".repeat(253),
            "docker.io",
            "a/" + "b".repeat(253),
            "latest",
            null,
            "docker.io/a/" + "b".repeat(253) + ":latest",
            "a/" + "b".repeat(253) + ":latest"),
        ok(
            "b".repeat(247),
            "docker.io",
            "library/" + "b".repeat(247),
            "latest",
            null,
            "docker.io/library/" + "b".repeat(247) + ":latest",
            "b".repeat(247) + ":latest"),
        ok(
            "example.com/" + "c".repeat(255),
            "example.com",
            "c".repeat(255),
            "latest",
            null,
            "example.com/" + "c".repeat(255) + ":latest",
            "example.com/" + "c".repeat(255) + ":latest"));
  }

  /** input, the message the error must contain. */
  static Stream<Arguments> invalid() {
    return Stream.of(
        bad("", "at least one component"),
        bad("Ubuntu", "must be lowercase"),
        bad("ubuntU:1", "must be lowercase"),
        bad("alice/App", "must be lowercase"),
        bad("localhost:5000/Foo", "must be lowercase"),
        bad("ghcr.io/org/aPP", "must be lowercase"),
        bad("docker.io/Library/ubuntu", "must be lowercase"),
        bad("a//b", "invalid repository name"),
        bad("a..b", "invalid repository name"),
        bad("a___b", "invalid repository name"),
        bad("a._b", "invalid repository name"),
        bad("-a", "invalid repository name"),
        bad("a-", "invalid repository name"),
        bad(".a", "invalid repository name"),
        bad("a.", "invalid repository name"),
        bad("_a", "invalid repository name"),
        bad("a_", "invalid repository name"),
        bad("/a", "invalid"),
        bad("a/", "invalid repository name"),
        bad("alice/", "invalid repository name"),
        bad("localhost:5000/", "at least one component"),
        bad("a b", "invalid"),
        bad("a/b c", "invalid"),
        bad("ubuntu:", "invalid tag"),
        bad("ubuntu:-1", "invalid tag"),
        bad("ubuntu:.1", "invalid tag"),
        bad("ubuntu:a/b", "invalid"),
        bad("ubuntu:" + "t".repeat(129), "invalid tag"),
        bad("ubuntu:a b", "invalid"),
        bad("ubuntu:!", "invalid tag"),
        bad("ubuntu@", "invalid"),
        bad("ubuntu@sha256:" + "a".repeat(63), "digest"),
        bad("ubuntu@sha256:" + "a".repeat(65), "digest"),
        bad("ubuntu@sha256:" + "A".repeat(64), "digest"),
        bad("ubuntu@sha512:" + "a".repeat(64), "digest"),
        bad("ubuntu@md5:" + "a".repeat(32), "unsupported"),
        bad("ubuntu@sha256", "invalid"),
        bad("ubuntu@" + H64, "invalid"),
        bad(H64, "64-byte hexadecimal"),
        bad("a/" + "b".repeat(254), "not be more than 255"),
        bad("b".repeat(248), "not be more than 255"),
        bad("example.com/" + "c".repeat(256), "not be more than 255"),
        bad("-host.com/app", "invalid"),
        bad("host-.com/app", "invalid"),
        bad("ho_st.com/app", "invalid"),
        bad("host.com:port/app", "invalid"),
        bad("[::1/app", "invalid"),
        bad("[zz::1]:5000/app", "invalid"),
        bad("ubuntu:1:2", "invalid"),
        bad("ubuntu@@" + D256, "invalid"),
        bad("ub%75ntu", "invalid"),
        bad("../x", "invalid"),
        bad("%2e%2e/x", "invalid"),
        bad("a/../b", "invalid"),
        bad("ubuntu\n", "invalid"));
  }

  static Arguments ok(
      String input,
      String registry,
      String repository,
      String tag,
      String digest,
      String canonical,
      String familiar) {
    return Arguments.of(input, registry, repository, tag, digest, canonical, familiar);
  }

  static Arguments bad(String input, String why) {
    return Arguments.of(input, why);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valid")
  void validNamesNormaliseAsDockerDoes(
      String input,
      String registry,
      String repository,
      String tag,
      String digest,
      String canonical,
      String familiar) {
    ImageReference ref = ImageReference.parse(input);
    assertThat(ref.registry()).isEqualTo(registry);
    assertThat(ref.repository().value()).isEqualTo(repository);
    assertThat(ref.tag() == null ? null : ref.tag().value()).isEqualTo(tag);
    assertThat(ref.digest() == null ? null : ref.digest().toString()).isEqualTo(digest);
    assertThat(ref.canonical()).isEqualTo(canonical);
    assertThat(ref.familiar()).isEqualTo(familiar);
    // The canonical and familiar forms are themselves references to the same image.
    assertThat(ImageReference.parse(ref.canonical())).isEqualTo(ref);
    assertThat(ImageReference.parse(ref.familiar())).isEqualTo(ref);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void invalidNamesAreRefusedWithAReason(String input, String why) {
    assertThatThrownBy(() -> ImageReference.parse(input))
        .isInstanceOf(InvalidReferenceException.class)
        .hasMessageContaining(why);
  }

  @org.junit.jupiter.api.Test
  void errorsReadLikeDockers() {
    assertThatThrownBy(() -> ImageReference.parse("Ubuntu"))
        .hasMessage("invalid reference format: repository name (library/Ubuntu) must be lowercase");
  }

  @org.junit.jupiter.api.Test
  void aMissingTagIsReportedBeforeTheDefaultIsApplied() {
    ImageReference given = ImageReference.parseWithoutDefaultTag("ubuntu");
    assertThat(given.tag()).isNull();
    assertThat(given.withDefaultTag().tag()).isEqualTo(Tag.LATEST);
    assertThat(ImageReference.parseWithoutDefaultTag("ubuntu@" + D256).withDefaultTag().tag())
        .isNull();
  }

  @org.junit.jupiter.api.Test
  void constructionNormalisesTheRegistryAsParsingDoes() {
    ImageReference built =
        new ImageReference(
            "index.docker.io", RepositoryName.of("library/ubuntu"), Tag.LATEST, null);
    assertThat(built).isEqualTo(ImageReference.parse("ubuntu"));
    assertThat(built.registryHost()).isEqualTo(RegistryHost.DOCKER_HUB);
    assertThatThrownBy(
            () -> new ImageReference("ho_st", RepositoryName.of("app"), Tag.LATEST, null))
        .hasMessage("invalid reference format: invalid registry host 'ho_st'");
  }

  @org.junit.jupiter.api.Test
  void manifestReferencePrefersTheDigest() {
    assertThat(ImageReference.parse("ubuntu:1@" + D256).manifestReference()).isEqualTo(D256);
    assertThat(ImageReference.parse("ubuntu:1").manifestReference()).isEqualTo("1");
  }

  @org.junit.jupiter.api.Test
  void tableCoversAtLeastEightyCases() {
    assertThat(valid().count() + invalid().count()).isGreaterThanOrEqualTo(80);
  }
}
