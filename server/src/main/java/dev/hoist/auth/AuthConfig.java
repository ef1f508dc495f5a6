package dev.hoist.auth;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How the registry authenticates and authorises ({@code auth} in the configuration), validated on
 * construction. Disabled by default: then every request is allowed, as before auth existed.
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
      throw new IllegalArgumentException("auth.tokenTtl: must be at least 60s");
    }
    if (service.chars().anyMatch(c -> c <= ' ' || c == '"' || c == '\\')) {
      throw new IllegalArgumentException("auth.service: must not contain spaces or quotes");
    }
    rules = rules == null ? List.of() : List.copyOf(rules);
    trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
    TrustedProxies.parse(trustedProxies); // fails on a bad address
    anonymousPull = Objects.requireNonNullElse(anonymousPull, AnonymousPull.MIRRORED);
    admins = admins == null ? Set.of() : Set.copyOf(admins);
  }

  /** Auth off: the default. */
  public static AuthConfig disabled() {
    return new AuthConfig(
        false, null, null, null, null, null, null, AnonymousPull.MIRRORED, null, null);
  }

  public AuthConfig withEnabled(boolean on) {
    return new AuthConfig(
        on,
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

  public AuthConfig withHtpasswd(Path file) {
    return new AuthConfig(
        enabled,
        file,
        service,
        issuer,
        tokenTtl,
        rules,
        trustedProxies,
        anonymousPull,
        admins,
        tokenKey);
  }

  public AuthConfig withRules(List<AccessRule> newRules) {
    return new AuthConfig(
        enabled,
        htpasswd,
        service,
        issuer,
        tokenTtl,
        newRules,
        trustedProxies,
        anonymousPull,
        admins,
        tokenKey);
  }

  public AuthConfig withAnonymousPull(AnonymousPull pull) {
    return new AuthConfig(
        enabled,
        htpasswd,
        service,
        issuer,
        tokenTtl,
        rules,
        trustedProxies,
        pull,
        admins,
        tokenKey);
  }

  public AuthConfig withAdmins(Set<String> names) {
    return new AuthConfig(
        enabled,
        htpasswd,
        service,
        issuer,
        tokenTtl,
        rules,
        trustedProxies,
        anonymousPull,
        names,
        tokenKey);
  }

  public AuthConfig withTrustedProxies(List<String> proxies) {
    return new AuthConfig(
        enabled,
        htpasswd,
        service,
        issuer,
        tokenTtl,
        rules,
        proxies,
        anonymousPull,
        admins,
        tokenKey);
  }

  public AuthConfig withTokenTtl(Duration ttl) {
    return new AuthConfig(
        enabled,
        htpasswd,
        service,
        issuer,
        ttl,
        rules,
        trustedProxies,
        anonymousPull,
        admins,
        tokenKey);
  }
}
