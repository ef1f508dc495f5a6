package dev.hoist.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.oci.OciException;
import dev.hoist.oci.RepositoryName;
import dev.hoist.repository.Repository.Origin;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MirrorRoutingTest {
  private static final Upstream HUB =
      Upstream.known("docker.io").orElseThrow().withUrl(URI.create("http://127.0.0.1:5001"));
  private static final Upstream GHCR = Upstream.known("ghcr.io").orElseThrow();
  private static final Upstream LOCAL_PORT =
      new Upstream("localhost:5002", URI.create("http://127.0.0.1:5002"), null, null, List.of());

  private final MirrorRouting routing =
      new MirrorRouting(
          MirrorConfig.builder()
              .upstreams(List.of(HUB, GHCR, LOCAL_PORT))
              .hostedPrefixes(List.of("team"))
              .build());

  private Optional<Origin> route(String name, String ns) {
    return routing.route(RepositoryName.of(name), ns);
  }

  private static Origin remote(String upstream, String path, String cache) {
    return new Origin(upstream, RepositoryName.of(path), RepositoryName.of(cache));
  }

  @Test
  void namesWithoutARegistryGoToTheDefaultUpstreamWithLibraryAdded() {
    assertThat(route("library/ubuntu", null))
        .contains(remote("docker.io", "library/ubuntu", "docker.io/library/ubuntu"));
    assertThat(route("ubuntu", null))
        .contains(remote("docker.io", "library/ubuntu", "docker.io/library/ubuntu"));
    assertThat(route("alice/app", null))
        .contains(remote("docker.io", "alice/app", "docker.io/alice/app"));
  }

  @Test
  void theNsParameterNamesTheUpstreamAsContainerdSendsIt() {
    assertThat(route("org/app", "ghcr.io"))
        .contains(remote("ghcr.io", "org/app", "ghcr.io/org/app"));
    assertThat(route("ubuntu", "docker.io"))
        .contains(remote("docker.io", "library/ubuntu", "docker.io/library/ubuntu"));
    assertThat(route("ubuntu", "index.docker.io"))
        .contains(remote("docker.io", "library/ubuntu", "docker.io/library/ubuntu"));
    assertThat(route("x", "localhost:5002"))
        .contains(remote("localhost:5002", "x", "localhost-5002/x"));
  }

  @Test
  void aPathPrefixNamesTheUpstream() {
    assertThat(route("ghcr.io/org/app", null))
        .contains(remote("ghcr.io", "org/app", "ghcr.io/org/app"));
    assertThat(route("docker.io/library/ubuntu", null))
        .contains(remote("docker.io", "library/ubuntu", "docker.io/library/ubuntu"));
    assertThat(route("docker.io/ubuntu", null))
        .contains(remote("docker.io", "library/ubuntu", "docker.io/library/ubuntu"));
    assertThat(route("index.docker.io/ubuntu", null))
        .contains(remote("docker.io", "library/ubuntu", "docker.io/library/ubuntu"));
  }

  @Test
  void everyRouteToAnImageSharesOneCacheName() {
    assertThat(route("ubuntu", null).orElseThrow().cacheName())
        .isEqualTo(route("docker.io/library/ubuntu", null).orElseThrow().cacheName())
        .isEqualTo(route("library/ubuntu", "docker.io").orElseThrow().cacheName());
  }

  @Test
  void hostedPrefixesStayLocal() {
    assertThat(route("team/app", null)).isEmpty();
    assertThat(route("team", null)).isEmpty();
    assertThat(route("teams/app", null)).isPresent();
  }

  @Test
  void unconfiguredRegistriesAreNeverContacted() {
    assertThatThrownBy(() -> route("latest/meta-data", "169.254.169.254"))
        .isInstanceOf(OciException.class)
        .hasMessageContaining("does not mirror");
    assertThatThrownBy(() -> route("x", "evil.example.com")).isInstanceOf(OciException.class);
    // A host-like first component that is not configured is just a name at the default upstream.
    assertThat(route("evil.example.com/x", null))
        .contains(remote("docker.io", "evil.example.com/x", "docker.io/evil.example.com/x"));
  }

  @Test
  void withoutADefaultUpstreamUnprefixedNamesAreLocal() {
    MirrorRouting noDefault =
        new MirrorRouting(
            MirrorConfig.builder().upstreams(List.of(HUB, GHCR)).defaultUpstream(null).build());
    assertThat(noDefault.route(RepositoryName.of("alice/app"), null)).isEmpty();
    assertThat(noDefault.route(RepositoryName.of("ghcr.io/o/r"), null)).isPresent();
  }

  @Test
  void theMirrorOffRoutesEverythingLocally() {
    MirrorRouting off = new MirrorRouting(MirrorConfig.disabled());
    assertThat(off.route(RepositoryName.of("docker.io/library/ubuntu"), "docker.io")).isEmpty();
  }

  @Test
  void hostedPrefixesCannotHideAnUpstream() {
    assertThatThrownBy(
            () ->
                MirrorConfig.builder()
                    .upstreams(List.of(HUB))
                    .hostedPrefixes(List.of("docker.io"))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hide");
  }

  @Test
  void freshnessGlobsMatchWithinAndAcrossComponents() {
    FreshnessRule rule =
        new FreshnessRule(
            "docker.io/library/*",
            "1.*",
            java.time.Duration.ZERO,
            java.time.Duration.ZERO,
            java.time.Duration.ZERO);
    assertThat(rule.matches("docker.io/library/ubuntu", "1.2")).isTrue();
    assertThat(rule.matches("docker.io/library/a/b", "1.2")).isFalse();
    assertThat(rule.matches("docker.io/library/ubuntu", "2.0")).isFalse();
    assertThat(FreshnessRule.DEFAULT.matches("ghcr.io/a/b/c", "latest")).isTrue();
  }
}
