package dev.hoist.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.auth.AccessRule;
import dev.hoist.auth.AnonymousPull;
import dev.hoist.auth.AuthConfig;
import dev.hoist.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code auth} section of the configuration. */
class AuthConfigLoaderTest {
  @TempDir Path dir;

  private ServerConfig load(String yaml) throws Exception {
    Path file = dir.resolve("hoist.yaml");
    Files.writeString(file, yaml);
    return ConfigLoader.load(file, Map.of(), ConfigLoader.Flags.none());
  }

  @Test
  void authIsOffByDefault() {
    AuthConfig auth = ConfigLoader.load(null, Map.of(), ConfigLoader.Flags.none()).auth();
    assertThat(auth.enabled()).isFalse();
    assertThat(auth.service()).isEqualTo("hoist");
    assertThat(auth.issuer()).isEqualTo("hoist");
    assertThat(auth.tokenTtl()).isEqualTo(Duration.ofMinutes(5));
    assertThat(auth.anonymousPull()).isEqualTo(AnonymousPull.MIRRORED);
  }

  @Test
  void everyAuthSettingIsReadFromTheFile() throws Exception {
    AuthConfig auth =
        load("""
                auth:
                  enabled: true
                  htpasswd: users.htpasswd
                  service: registry.example.com
                  issuer: hoist-issuer
                  tokenTtl: 10m
                  tokenKey: /etc/hoist/key.pem
                  anonymousPull: none
                  admins: [root]
                  trustedProxies: [10.0.0.0/8, 192.168.1.1]
                  rules:
                    - {prefix: "team/", users: [alice, bob], actions: [pull, push]}
                    - {prefix: "shared", groups: [dev], actions: ["*"]}
                """)
            .auth();
    assertThat(auth.enabled()).isTrue();
    assertThat(auth.htpasswd()).isEqualTo(dir.resolve("users.htpasswd"));
    assertThat(auth.service()).isEqualTo("registry.example.com");
    assertThat(auth.issuer()).isEqualTo("hoist-issuer");
    assertThat(auth.tokenTtl()).isEqualTo(Duration.ofMinutes(10));
    assertThat(auth.tokenKey()).isEqualTo(Path.of("/etc/hoist/key.pem"));
    assertThat(auth.anonymousPull()).isEqualTo(AnonymousPull.NONE);
    assertThat(auth.admins()).containsExactly("root");
    assertThat(auth.trustedProxies()).containsExactly("10.0.0.0/8", "192.168.1.1");
    assertThat(auth.rules())
        .containsExactly(
            new AccessRule("team", Set.of("alice", "bob"), Set.of(), Set.of("pull", "push")),
            new AccessRule("shared", Set.of(), Set.of("dev"), Set.of("pull", "push", "delete")));
  }

  @Test
  void environmentTurnsAuthOnAndNamesTheHtpasswdFile() {
    AuthConfig auth =
        ConfigLoader.load(
                null,
                Map.of("HOIST_AUTH_ENABLED", "true", "HOIST_AUTH_HTPASSWD", "/etc/hoist/users"),
                ConfigLoader.Flags.none())
            .auth();
    assertThat(auth.enabled()).isTrue();
    assertThat(auth.htpasswd()).isEqualTo(Path.of("/etc/hoist/users"));
  }

  @Test
  void badAuthSettingsNameTheSetting() {
    assertThatThrownBy(() -> load("auth:\n  tokenTtl: 30s\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("auth.tokenTtl")
        .hasMessageContaining("at least 60s");
    assertThatThrownBy(() -> load("auth:\n  anonymousPull: some\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("auth.anonymousPull");
    assertThatThrownBy(() -> load("auth:\n  realm: x\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("auth.realm");
    assertThatThrownBy(() -> load("auth:\n  trustedProxies: [proxy.example.com]\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("auth.trustedProxies");
    assertThatThrownBy(
            () -> load("auth:\n  rules:\n    - {prefix: team/, users: [a], actions: [write]}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("auth.rules[0]");
    assertThatThrownBy(() -> load("auth:\n  rules:\n    - {prefix: team/, actions: [pull]}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("auth.rules[0]")
        .hasMessageContaining("users or groups");
  }

  @Test
  void aRuleCanBeBuiltInCode() {
    assertThat(AccessRule.of("team/", List.of("a"), List.of("pull")).prefix()).isEqualTo("team");
  }
}
