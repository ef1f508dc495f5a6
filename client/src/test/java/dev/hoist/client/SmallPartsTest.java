package dev.hoist.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Retry-After, Link, endpoints and credentials. */
class SmallPartsTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  @Test
  void retryAfterReadsSecondsAndHttpDates() {
    assertThat(RetryAfter.parse("7", NOW)).isEqualTo(Duration.ofSeconds(7));
    assertThat(RetryAfter.parse("Sun, 01 Mar 2026 12:00:30 GMT", NOW))
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(RetryAfter.parse("Sun, 01 Mar 2026 11:00:00 GMT", NOW)).isEqualTo(Duration.ZERO);
    assertThat(RetryAfter.parse("soon", NOW)).isNull();
    assertThat(RetryAfter.parse(null, NOW)).isNull();
  }

  @Test
  void linkHeaderGivesTheNextPage() {
    assertThat(LinkHeader.next(List.of("</v2/a/tags/list?n=2&last=b>; rel=\"next\"")))
        .isEqualTo("/v2/a/tags/list?n=2&last=b");
    assertThat(
            LinkHeader.next(List.of("<https://x/prev>; rel=\"prev\", <https://x/next>; rel=next")))
        .isEqualTo("https://x/next");
    assertThat(LinkHeader.next(List.of("<https://x/first>; rel=\"first\""))).isNull();
    assertThat(LinkHeader.next(List.of())).isNull();
  }

  @Test
  void credentialsNeverShowTheSecret() {
    assertThat(Credentials.basic("alice", "s3cret").toString())
        .contains("alice")
        .doesNotContain("s3cret");
    assertThat(Credentials.identityToken("tok-123").toString()).doesNotContain("tok-123");
    assertThat(
            RegistryEndpoint.of("http://r:5000")
                .withCredentials(Credentials.basic("a", "pw!"))
                .toString())
        .doesNotContain("pw!");
  }

  @Test
  void endpointIsNamedAfterHostAndPortAndKeepsAPathPrefix() {
    RegistryEndpoint e = RegistryEndpoint.of("https://Mirror.Example:8443/m/abc/");
    assertThat(e.name()).isEqualTo("mirror.example:8443");
    assertThat(e.apiRoot()).isEqualTo(URI.create("https://Mirror.Example:8443/m/abc/v2/"));
    assertThatThrownBy(() -> RegistryEndpoint.of("ftp://x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RegistryEndpoint.of("https://x?a=b"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void credentialsGoOnlyToTheRegistryHostOrItsAuthHosts() {
    RegistryEndpoint hub =
        RegistryEndpoint.of("https://registry-1.docker.io").withAuthHosts("auth.docker.io");
    assertThat(hub.mayReceiveCredentials(URI.create("https://auth.docker.io/token"))).isTrue();
    assertThat(hub.mayReceiveCredentials(URI.create("https://registry-1.docker.io/token")))
        .isTrue();
    assertThat(hub.mayReceiveCredentials(URI.create("https://evil.example/token"))).isFalse();
    assertThat(hub.mayReceiveCredentials(URI.create("http://auth.docker.io/token")))
        .as("no downgrade to plain HTTP")
        .isFalse();
    RegistryEndpoint local =
        RegistryEndpoint.of("http://127.0.0.1:5000").withAuthHosts("auth:9000");
    assertThat(local.mayReceiveCredentials(URI.create("http://auth:9000/t"))).isTrue();
    assertThat(local.mayReceiveCredentials(URI.create("http://auth:9001/t"))).isFalse();
  }

  @Test
  void backoffGrowsAndIsCapped() {
    RetryPolicy p = new RetryPolicy(10, Duration.ofMillis(100), Duration.ofMillis(350));
    assertThat(p.backoff(1)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
    assertThat(p.backoff(2)).isBetween(Duration.ofMillis(100), Duration.ofMillis(200));
    assertThat(p.backoff(9)).isBetween(Duration.ofMillis(175), Duration.ofMillis(350));
  }
}
