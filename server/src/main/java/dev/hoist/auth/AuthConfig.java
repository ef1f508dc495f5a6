package dev.hoist.auth;

import dev.hoist.config.ConfigException;
import dev.hoist.config.ConfigNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How the registry authenticates and authorises ({@code auth} in the configuration), validated on
 * construction and then frozen. Disabled by default: then every request is allowed, as before auth
 * existed. {@link #read} reads the configuration file's section; code makes one with {@link
 * #builder()}.
 *
 * @param enabled whether {@code /v2/} needs tokens and {@code /token} issues them
 * @param htpasswd an htpasswd file of bcrypt ({@code $2y$}) entries, or null
 * @param service the service name in challenges and token requests (default {@code hoist})
 * @param issuer the {@code iss} of issued tokens, checked on verification (default: the service)
 * @param tokenTtl how long an issued token is valid (default 5 minutes, at least 60 seconds)
 * @param rules access rules per repository prefix
 * @param trustedProxies IP addresses or CIDR ranges whose {@code X-Forwarded-Host} and {@code
 *     X-Forwarded-Proto} are believed
 * @param anonymousPull what clients without credentials may pull
 * @param admins user names that may do everything
 * @param tokenKey a PKCS#8 PEM RSA private key to sign with, or null for {@code
 *     <data-dir>/auth/token-key.pem} (generated on first start)
 */
public record AuthConfig(
    boolean enabled,
    Path htpasswd,
    String service,
    String issuer,
    Duration tokenTtl,
    List<AccessRule> rules,
    List<String> trustedProxies,
    AnonymousPull anonymousPull,
    Set<String> admins,
    Path tokenKey) {

  public static final String DEFAULT_SERVICE = "hoist";
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
  public static final Duration MIN_TTL = Duration.ofSeconds(60);

  public AuthConfig {
    service = service == null || service.isBlank() ? DEFAULT_SERVICE : service.trim();
    issuer = issuer == null || issuer.isBlank() ? service : issuer.trim();
    tokenTtl = tokenTtl == null ? DEFAULT_TTL : tokenTtl;
    if (tokenTtl.compareTo(MIN_TTL) < 0) {
      throw new ConfigException("auth.tokenTtl", "must be at least 60s");
    }
    if (service.chars().anyMatch(c -> c <= ' ' || c == '"' || c == '\\')) {
      throw new ConfigException("auth.service", "must not contain spaces or quotes");
    }
    rules = rules == null ? List.of() : List.copyOf(rules);
    trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
    try {
      TrustedProxies.parse(trustedProxies);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          "auth.trustedProxies", e.getMessage().replaceFirst("^auth\\.trustedProxies: ", ""));
    }
    anonymousPull = Objects.requireNonNullElse(anonymousPull, AnonymousPull.MIRRORED);
    admins = admins == null ? Set.of() : Set.copyOf(admins);
  }

  /** Auth off: the default. */
  public static AuthConfig disabled() {
    return new AuthConfig(
        false, null, null, null, null, null, null, AnonymousPull.MIRRORED, null, null);
  }

  /** A builder that starts from {@link #disabled()}. */
  public static Builder builder() {
    return disabled().toBuilder();
  }

  /** A builder that starts from this configuration. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Makes an {@link AuthConfig}; {@link #build()} validates it. */
  public static final class Builder {
    private boolean enabled;
    private Path htpasswd;
    private String service;
    private String issuer;
    private Duration tokenTtl;
    private List<AccessRule> rules;
    private List<String> trustedProxies;
    private AnonymousPull anonymousPull;
    private Set<String> admins;
    private Path tokenKey;

    private Builder(AuthConfig c) {
      enabled = c.enabled;
      htpasswd = c.htpasswd;
      service = c.service;
      // The issuer follows the service unless it was set apart from it.
      issuer = c.issuer.equals(c.service) ? null : c.issuer;
      tokenTtl = c.tokenTtl;
      rules = c.rules;
      trustedProxies = c.trustedProxies;
      anonymousPull = c.anonymousPull;
      admins = c.admins;
      tokenKey = c.tokenKey;
    }

    public Builder enabled(boolean on) {
      enabled = on;
      return this;
    }

    public Builder htpasswd(Path file) {
      htpasswd = file;
      return this;
    }

    public Builder service(String name) {
      service = name;
      return this;
    }

    /** The tokens' {@code iss}; null for the service. */
    public Builder issuer(String name) {
      issuer = name;
      return this;
    }

    public Builder tokenTtl(Duration ttl) {
      tokenTtl = ttl;
      return this;
    }

    public Builder rules(List<AccessRule> list) {
      rules = list;
      return this;
    }

    public Builder trustedProxies(List<String> proxies) {
      trustedProxies = proxies;
      return this;
    }

    public Builder anonymousPull(AnonymousPull pull) {
      anonymousPull = pull;
      return this;
    }

    public Builder admins(Set<String> names) {
      admins = names;
      return this;
    }

    public Builder tokenKey(Path file) {
      tokenKey = file;
      return this;
    }

    /**
     * @throws ConfigException naming the setting that is wrong
     */
    public AuthConfig build() {
      return new AuthConfig(
          enabled,
          htpasswd,
          service,
          issuer,
          tokenTtl,
          rules,
          trustedProxies,
          anonymousPull,
          admins,
          tokenKey);
    }
  }

  /**
   * The {@code auth} section of the configuration file; see {@code ConfigLoader} for its keys.
   *
   * @param base the file's directory: relative {@code htpasswd} and {@code tokenKey} paths are
   *     relative to it (null: to the working directory)
   * @throws ConfigException naming the setting that is wrong
   */
  public static AuthConfig read(ConfigNode node, Path base) {
    node.keys(
        "enabled",
        "htpasswd",
        "service",
        "issuer",
        "tokenTtl",
        "rules",
        "trustedProxies",
        "anonymousPull",
        "admins",
        "tokenKey");
    Builder b = builder();
    node.bool("enabled").ifPresent(b::enabled);
    node.text("htpasswd").ifPresent(p -> b.htpasswd(relativeTo(base, p)));
    node.text("service").ifPresent(b::service);
    node.text("issuer").ifPresent(b::issuer);
    node.duration("tokenTtl").ifPresent(b::tokenTtl);
    List<AccessRule> rules = new ArrayList<>();
    for (ConfigNode rule : node.list("rules")) {
      rule.keys("prefix", "users", "groups", "actions");
      rules.add(
          rule.check(
              () ->
                  new AccessRule(
                      rule.get("prefix").map(ConfigNode::scalar).orElse(""),
                      Set.copyOf(rule.strings("users").orElse(List.of())),
                      Set.copyOf(rule.strings("groups").orElse(List.of())),
                      Set.copyOf(rule.strings("actions").orElse(List.of())))));
    }
    b.rules(rules);
    node.strings("trustedProxies").ifPresent(b::trustedProxies);
    node.parse("anonymousPull", AnonymousPull::parse).ifPresent(b::anonymousPull);
    node.strings("admins").ifPresent(a -> b.admins(Set.copyOf(a)));
    node.text("tokenKey").ifPresent(p -> b.tokenKey(relativeTo(base, p)));
    return b.build();
  }

  private static Path relativeTo(Path base, String value) {
    Path p = Path.of(value);
    return p.isAbsolute() || base == null ? p : base.resolve(p);
  }
}
