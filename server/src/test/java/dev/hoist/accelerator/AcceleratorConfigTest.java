package dev.hoist.accelerator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.hoist.config.ConfigNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class AcceleratorConfigTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static AcceleratorConfig parse(String yaml) throws Exception {
    return AcceleratorConfig.read(ConfigNode.of(YAML.readTree(yaml), "accelerator"));
  }

  @Test
  void aPresentSectionEnablesTheDocumentedDefaults() throws Exception {
    AcceleratorConfig c = parse("baseDomain: M.Example.com.");
    assertThat(c.enabled()).isTrue();
    assertThat(c.baseDomain()).isEqualTo("m.example.com");
    assertThat(c.defaultQuotaBytes()).isEqualTo(10L << 30);
    assertThat(c.period()).isEqualTo(QuotaPeriod.NONE);
    assertThat(c.signupOpen()).isTrue();
    assertThat(c.serveWithoutTenant()).isTrue();
    assertThat(c.flushInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(AcceleratorConfig.disabled().enabled()).isFalse();
  }

  @Test
  void everySettingIsRead() throws Exception {
    AcceleratorConfig c =
        parse(
            """
            enabled: true
            defaultQuota: 500MiB
            inviteBonus: 1GB
            period: monthly
            signup: closed
            serveWithoutTenant: false
            trustedProxies: [10.0.0.1, 10.0.0.2]
            admins: [Ops@Example.com]
            flushInterval: 500ms
            publicUrl: https://hoist.example.com/
            """);
    assertThat(c.defaultQuotaBytes()).isEqualTo(500L << 20);
    assertThat(c.inviteBonusBytes()).isEqualTo(1_000_000_000L);
    assertThat(c.period()).isEqualTo(QuotaPeriod.MONTHLY);
    assertThat(c.signupOpen()).isFalse();
    assertThat(c.serveWithoutTenant()).isFalse();
    assertThat(c.trustedProxies()).containsExactly("10.0.0.1", "10.0.0.2");
    assertThat(c.admins()).isEqualTo(List.of("ops@example.com"));
    assertThat(c.flushInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.publicUrl()).isEqualTo("https://hoist.example.com");
  }

  @Test
  void theNamespacePrefixIsURepositoryPathWithoutAHostInFront() throws Exception {
    assertThat(AcceleratorConfig.defaults().namespacePrefix()).isEqualTo("u");
    assertThat(parse("namespacePrefix: /people/hosted/").namespacePrefix())
        .isEqualTo("people/hosted");
    for (String bad : List.of("Users", "docker.io", "a b", "u//x", "-u")) {
      assertThatThrownBy(() -> parse("namespacePrefix: '" + bad + "'"))
          .as(bad)
          .hasMessageContaining("accelerator.namespacePrefix");
    }
  }

  @Test
  void badValuesNameTheSetting() {
    assertThatThrownBy(() -> parse("period: weekly")).hasMessageContaining("accelerator.period");
    assertThatThrownBy(() -> parse("defaultQuota: lots"))
        .hasMessageContaining("accelerator.defaultQuota");
    assertThatThrownBy(() -> parse("signup: maybe")).hasMessageContaining("accelerator.signup");
    assertThatThrownBy(() -> parse("colour: blue")).hasMessageContaining("accelerator.colour");
    assertThatThrownBy(() -> parse("defaultQuota: 1.5GiB"))
        .hasMessage(
            "invalid configuration: accelerator.defaultQuota: '1.5GiB' is not a size"
                + " (e.g. 1048576, 500MiB, 10GiB, 1TB)");
    assertThatThrownBy(() -> parse("flushInterval: 0s"))
        .hasMessage("invalid configuration: accelerator.flushInterval: must be positive");
    assertThatThrownBy(() -> parse("enabled: perhaps"))
        .hasMessage("invalid configuration: accelerator.enabled: 'perhaps' is not true or false");
    assertThatThrownBy(() -> parse("publicUrl: hoist.example.com"))
        .hasMessageContaining("accelerator.publicUrl: must be scheme://host[:port]");
  }

  @Test
  void durationsAndListsTakeTheSyntaxOfEveryOtherSection() throws Exception {
    assertThat(parse("flushInterval: PT1M").flushInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(parse("flushInterval: 1d").flushInterval()).isEqualTo(Duration.ofDays(1));
    assertThat(parse("admins: a@example.com, b@example.com").admins())
        .containsExactly("a@example.com", "b@example.com");
  }
}
