package dev.hoist.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientAddressTest {
  private static final Map<String, String> FORWARDED =
      Map.of("X-Forwarded-Host", "b.m.example.com, proxy.internal", "X-Forwarded-Proto", "https");

  @Test
  void hostIsNormalisedForTheAudience() {
    assertThat(ClientAddress.normalise("Registry.Example.COM.", "https"))
        .isEqualTo("registry.example.com");
    assertThat(ClientAddress.normalise("example.com:443", "https")).isEqualTo("example.com");
    assertThat(ClientAddress.normalise("example.com:80", "http")).isEqualTo("example.com");
    assertThat(ClientAddress.normalise("example.com:443", "http")).isEqualTo("example.com:443");
    assertThat(ClientAddress.normalise("127.0.0.1:5000", "http")).isEqualTo("127.0.0.1:5000");
    assertThat(ClientAddress.normalise("[::1]:5000", "http")).isEqualTo("[::1]:5000");
    assertThat(ClientAddress.normalise("evil\"host", "http")).isNull();
    assertThat(ClientAddress.normalise("a b", "http")).isNull();
    assertThat(ClientAddress.normalise("", "http")).isNull();
  }

  @Test
  void forwardedHostCountsOnlyFromATrustedProxy() {
    TrustedProxies proxies = TrustedProxies.parse(List.of("10.0.0.0/8", "192.168.1.7"));

    ClientAddress viaProxy =
        ClientAddress.of(proxies, "10.1.2.3", false, "a.m.example.com", "", FORWARDED::get);
    assertThat(viaProxy.audience()).isEqualTo("b.m.example.com");
    assertThat(viaProxy.realm()).isEqualTo("https://b.m.example.com/token");

    ClientAddress direct =
        ClientAddress.of(proxies, "192.168.1.8", false, "a.m.example.com", "", FORWARDED::get);
    assertThat(direct.audience()).isEqualTo("a.m.example.com");
    assertThat(direct.realm()).isEqualTo("http://a.m.example.com/token");

    ClientAddress exact =
        ClientAddress.of(proxies, "192.168.1.7", false, "a.m.example.com", "", FORWARDED::get);
    assertThat(exact.audience()).isEqualTo("b.m.example.com");
  }

  @Test
  void missingOrInvalidHostGivesNoAddress() {
    TrustedProxies none = TrustedProxies.parse(List.of());
    assertThat(ClientAddress.of(none, "127.0.0.1", false, null, "", h -> null)).isNull();
    assertThat(ClientAddress.of(none, "127.0.0.1", false, "x\"y", "", h -> null)).isNull();
  }

  @Test
  void badProxyEntriesAreRefused() {
    assertThatThrownBy(() -> TrustedProxies.parse(List.of("proxy.example.com")))
        .hasMessageContaining("auth.trustedProxies");
    assertThatThrownBy(() -> TrustedProxies.parse(List.of("10.0.0.0/33")))
        .hasMessageContaining("prefix length");
  }

  @Test
  void ipv6RangesMatch() {
    TrustedProxies proxies = TrustedProxies.parse(List.of("fd00::/8"));
    assertThat(proxies.trusts("fd12::1")).isTrue();
    assertThat(proxies.trusts("fe80::1")).isFalse();
    assertThat(proxies.trusts("10.0.0.1")).isFalse();
    assertThat(proxies.trusts(null)).isFalse();
  }

  @Test
  void clientIpIsTheRightmostForwardedForHopThatIsNoTrustedProxy() {
    TrustedProxies proxies = TrustedProxies.parse(List.of("10.0.0.0/8"));
    // Entries left of the first untrusted hop are whatever the client wrote.
    assertThat(ClientAddress.clientIp(proxies, "10.0.0.2", "6.6.6.6, 203.0.113.9, 10.0.0.5"))
        .isEqualTo("203.0.113.9");
    assertThat(ClientAddress.clientIp(proxies, "10.0.0.2", null)).isEqualTo("10.0.0.2");
    assertThat(ClientAddress.clientIp(proxies, "203.0.113.1", "6.6.6.6"))
        .as("an untrusted peer's header counts for nothing")
        .isEqualTo("203.0.113.1");
  }
}
