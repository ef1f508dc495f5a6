package dev.hoist.accelerator;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TenantResolverTest {
  private final TenantResolver resolver = new TenantResolver("m.example.com", List.of("10.0.0.1"));

  @Test
  void thePathPrefixNamesTheTenantAndIsRemoved() {
    var r =
        resolver.resolve("/m/abc123/v2/library/ubuntu/manifests/latest", "hoist", null, "1.2.3.4");
    assertThat(r.tenantId()).isEqualTo(new TenantId("abc123"));
    assertThat(r.path()).isEqualTo("/v2/library/ubuntu/manifests/latest");
    assertThat(r.problem()).isNull();
    assertThat(resolver.resolve("/m/abc123/v2", "hoist", null, null).path()).isEqualTo("/v2");
  }

  @Test
  void registryLocationsGetBackTheFormTheClientAddressedItsTenantIn() {
    String location = "/v2/alice/app/blobs/uploads/u1";
    var prefix = resolver.resolve("/m/abc123/v2/alice/app/blobs/uploads/", "hoist", null, null);
    assertThat(prefix.clientPath(location)).isEqualTo("/m/abc123" + location);
    assertThat(prefix.addressPath()).isEqualTo("/m/abc123");
    var podman = resolver.resolve("/v2/m/abc123/alice/app/blobs/uploads/", "hoist", null, null);
    assertThat(podman.clientPath(location)).isEqualTo("/v2/m/abc123/alice/app/blobs/uploads/u1");
    assertThat(podman.addressPath()).as("podman takes its tokens from the host").isEmpty();
    var host = resolver.resolve("/v2/alice/app/blobs/uploads/", "abc123.m.example.com", null, null);
    assertThat(host.clientPath(location)).isEqualTo(location);
    assertThat(host.addressPath()).isEmpty();
  }

  @Test
  void podmansPrefixInsideTheNameNamesTheTenantToo() {
    var r = resolver.resolve("/v2/m/abc123/library/ubuntu/blobs/sha256:00", "hoist", null, null);
    assertThat(r.tenantId()).isEqualTo(new TenantId("abc123"));
    assertThat(r.path()).isEqualTo("/v2/library/ubuntu/blobs/sha256:00");
  }

  @Test
  void theHostNamesTheTenantUnderTheBaseDomain() {
    var r = resolver.resolve("/v2/", "abc123.m.example.com:5000", null, "1.2.3.4");
    assertThat(r.tenantId()).isEqualTo(new TenantId("abc123"));
    assertThat(r.path()).isEqualTo("/v2/");
    assertThat(resolver.resolve("/v2/", "m.example.com", null, null).tenantId()).isNull();
    assertThat(resolver.resolve("/v2/", "other.example.com", null, null).tenantId()).isNull();
  }

  @Test
  void forwardedHostIsBelievedOnlyFromATrustedProxy() {
    var fromProxy = resolver.resolve("/v2/", "hoist.internal", "abc123.m.example.com", "10.0.0.1");
    assertThat(fromProxy.tenantId()).isEqualTo(new TenantId("abc123"));
    var spoofed = resolver.resolve("/v2/", "hoist.internal", "abc123.m.example.com", "10.0.0.2");
    assertThat(spoofed.tenantId()).isNull();
    var spoofedOverHost =
        resolver.resolve("/v2/", "mine.m.example.com", "victim.m.example.com", "10.0.0.2");
    assertThat(spoofedOverHost.tenantId()).isEqualTo(new TenantId("mine"));
  }

  @Test
  void conflictingOrMalformedAddressesAreRefused() {
    assertThat(resolver.resolve("/m/aaa/v2/", "bbb.m.example.com", null, null).problem())
        .isNotNull();
    assertThat(resolver.resolve("/m/AAA/v2/", "hoist", null, null).problem()).isNotNull();
    assertThat(resolver.resolve("/m/aaa/other", "hoist", null, null).problem()).isNotNull();
    assertThat(resolver.resolve("/v2/", "a.b.m.example.com", null, null).problem()).isNotNull();
  }

  @Test
  void tenantIdsAreEightyRandomBitsOfDnsSafeBase32() {
    TenantIds ids = new TenantIds(new SecureRandom());
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String id = ids.tenantId().value();
      assertThat(id).matches("[a-z2-7]{16}");
      seen.add(id);
    }
    assertThat(seen).hasSize(1000);
  }
}
