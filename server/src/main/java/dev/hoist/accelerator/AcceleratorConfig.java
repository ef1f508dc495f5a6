package dev.hoist.accelerator;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The accelerator's settings, validated on construction.
 *
 * @param enabled whether tenants, accounts, the API and the console exist at all
 * @param baseDomain tenants are addressed as {@code <id>.<baseDomain>}, e.g. {@code m.example.com}
 * @param defaultQuotaBytes traffic a new tenant may use per period
 * @param inviteBonusBytes added to the quota of both the inviter and the invitee
 * @param period when usage starts again
 * @param signupOpen whether anyone may sign up (else only with an invitation code)
 * @param serveWithoutTenant whether {@code /v2/} requests that name no tenant are served
 * @param trustedProxies addresses whose {@code X-Forwarded-Host} and {@code X-Forwarded-Proto} are
 *     believed
 * @param admins emails whose accounts administer the accelerator
 * @param flushInterval how often metered traffic is written to the database; at most this much is
 *     lost in a crash
 * @param publicUrl how clients reach Hoist (scheme://host[:port]), for the snippets; null to derive
 *     it from each request
 */
public record AcceleratorConfig(
    boolean enabled,
    String baseDomain,
    long defaultQuotaBytes,
    long inviteBonusBytes,
    QuotaPeriod period,
    boolean signupOpen,
    boolean serveWithoutTenant,
    List<String> trustedProxies,
    List<String> admins,
    Duration flushInterval,
    String publicUrl) {

  public static final long GIB = 1024L * 1024 * 1024;

  public AcceleratorConfig {
    Objects.requireNonNull(period, "period");
    baseDomain =
        baseDomain == null ? "" : baseDomain.toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
    if (enabled && !baseDomain.isEmpty() && !baseDomain.matches("[a-z0-9]([a-z0-9.-]*[a-z0-9])?")) {
      throw new IllegalArgumentException("baseDomain is no domain name: " + baseDomain);
    }
    if (defaultQuotaBytes < 0 || inviteBonusBytes < 0) {
      throw new IllegalArgumentException("quotas must not be negative");
    }
    trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
    admins =
        admins == null
            ? List.of()
            : admins.stream().map(a -> a.trim().toLowerCase(Locale.ROOT)).toList();
    flushInterval = flushInterval == null ? Duration.ofSeconds(2) : flushInterval;
    if (flushInterval.isNegative() || flushInterval.isZero()) {
      throw new IllegalArgumentException("flushInterval must be positive");
    }
  }

  /** Off: Hoist behaves as if there were no accelerator. */
  public static AcceleratorConfig disabled() {
    return defaults().withEnabled(false);
  }

  /** On, with the documented defaults: 10 GiB, 5 GiB bonus, no period, open signup. */
  public static AcceleratorConfig defaults() {
    return new AcceleratorConfig(
        true,
        "",
        10 * GIB,
        5 * GIB,
        QuotaPeriod.NONE,
        true,
        true,
        List.of(),
        List.of(),
        Duration.ofSeconds(2),
        null);
  }

  public AcceleratorConfig withEnabled(boolean enabled) {
    return new AcceleratorConfig(
        enabled,
        baseDomain,
        defaultQuotaBytes,
        inviteBonusBytes,
        period,
        signupOpen,
        serveWithoutTenant,
        trustedProxies,
        admins,
        flushInterval,
        publicUrl);
  }

  public AcceleratorConfig withBaseDomain(String baseDomain) {
    return new AcceleratorConfig(
        enabled,
        baseDomain,
        defaultQuotaBytes,
        inviteBonusBytes,
        period,
        signupOpen,
        serveWithoutTenant,
        trustedProxies,
        admins,
        flushInterval,
        publicUrl);
  }

  public AcceleratorConfig withQuotas(long defaultQuotaBytes, long inviteBonusBytes) {
    return new AcceleratorConfig(
        enabled,
        baseDomain,
        defaultQuotaBytes,
        inviteBonusBytes,
        period,
        signupOpen,
        serveWithoutTenant,
        trustedProxies,
        admins,
        flushInterval,
        publicUrl);
  }

  public AcceleratorConfig withPeriod(QuotaPeriod period) {
    return new AcceleratorConfig(
        enabled,
        baseDomain,
        defaultQuotaBytes,
        inviteBonusBytes,
        period,
        signupOpen,
        serveWithoutTenant,
        trustedProxies,
        admins,
        flushInterval,
        publicUrl);
  }

  public AcceleratorConfig withSignupOpen(boolean signupOpen) {
    return new AcceleratorConfig(
        enabled,
        baseDomain,
        defaultQuotaBytes,
        inviteBonusBytes,
        period,
        signupOpen,
        serveWithoutTenant,
        trustedProxies,
        admins,
        flushInterval,
        publicUrl);
  }

  public AcceleratorConfig withServeWithoutTenant(boolean serveWithoutTenant) {
    return new AcceleratorConfig(
        enabled,
        baseDomain,
        defaultQuotaBytes,
        inviteBonusBytes,
        period,
        signupOpen,
        serveWithoutTenant,
        trustedProxies,
        admins,
        flushInterval,
        publicUrl);
  }

  public AcceleratorConfig withTrustedProxies(List<String> trustedProxies) {
    return new AcceleratorConfig(
        enabled,
        baseDomain,
        defaultQuotaBytes,
        inviteBonusBytes,
        period,
        signupOpen,
        serveWithoutTenant,
        trustedProxies,
        admins,
        flushInterval,
        publicUrl);
  }

  public AcceleratorConfig withAdmins(List<String> admins) {
    return new AcceleratorConfig(
        enabled,
        baseDomain,
        defaultQuotaBytes,
        inviteBonusBytes,
        period,
        signupOpen,
        serveWithoutTenant,
        trustedProxies,
        admins,
        flushInterval,
        publicUrl);
  }

  public AcceleratorConfig withFlushInterval(Duration flushInterval) {
    return new AcceleratorConfig(
        enabled,
        baseDomain,
        defaultQuotaBytes,
        inviteBonusBytes,
        period,
        signupOpen,
        serveWithoutTenant,
        trustedProxies,
        admins,
        flushInterval,
        publicUrl);
  }

  public AcceleratorConfig withPublicUrl(String publicUrl) {
    return new AcceleratorConfig(
        enabled,
        baseDomain,
        defaultQuotaBytes,
        inviteBonusBytes,
        period,
        signupOpen,
        serveWithoutTenant,
        trustedProxies,
        admins,
        flushInterval,
        publicUrl);
  }

  /** Parses {@code none} or {@code monthly}. */
  public static QuotaPeriod parsePeriod(String text) {
    return QuotaPeriod.parse(text);
  }

  private static final java.util.Set<String> KEYS =
      java.util.Set.of(
          "enabled",
          "baseDomain",
          "defaultQuota",
          "inviteBonus",
          "period",
          "signup",
          "serveWithoutTenant",
          "trustedProxies",
          "admins",
          "flushInterval",
          "publicUrl");

  /**
   * The {@code accelerator:} section of the YAML configuration; a present section means enabled
   * unless it says {@code enabled: false}. Sizes are bytes or {@code 10GiB}, {@code 500MiB}, {@code
   * 1TB}; durations {@code 2s}, {@code 500ms}. Errors name the setting.
   */
  public static AcceleratorConfig fromTree(com.fasterxml.jackson.databind.JsonNode node) {
    if (!node.isObject()) {
      throw new IllegalArgumentException("must be a mapping");
    }
    node.fieldNames()
        .forEachRemaining(
            f -> {
              if (!KEYS.contains(f)) {
                throw new IllegalArgumentException("unknown setting accelerator." + f);
              }
            });
    AcceleratorConfig c = defaults().withEnabled(node.path("enabled").asBoolean(true));
    if (node.has("baseDomain")) {
      c = c.withBaseDomain(node.get("baseDomain").asText());
    }
    c =
        c.withQuotas(
            node.has("defaultQuota")
                ? size("defaultQuota", node.get("defaultQuota").asText())
                : c.defaultQuotaBytes(),
            node.has("inviteBonus")
                ? size("inviteBonus", node.get("inviteBonus").asText())
                : c.inviteBonusBytes());
    if (node.has("period")) {
      try {
        c = c.withPeriod(QuotaPeriod.parse(node.get("period").asText()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("accelerator.period: " + e.getMessage());
      }
    }
    if (node.has("signup")) {
      String signup = node.get("signup").asText();
      if (!signup.equals("open") && !signup.equals("closed")) {
        throw new IllegalArgumentException("accelerator.signup: must be open or closed");
      }
      c = c.withSignupOpen(signup.equals("open"));
    }
    if (node.has("serveWithoutTenant")) {
      c = c.withServeWithoutTenant(node.get("serveWithoutTenant").asBoolean());
    }
    if (node.has("trustedProxies")) {
      c = c.withTrustedProxies(list(node.get("trustedProxies")));
    }
    if (node.has("admins")) {
      c = c.withAdmins(list(node.get("admins")));
    }
    if (node.has("flushInterval")) {
      c = c.withFlushInterval(duration("flushInterval", node.get("flushInterval").asText()));
    }
    if (node.has("publicUrl")) {
      String url = node.get("publicUrl").asText().replaceAll("/+$", "");
      if (!url.matches("https?://[^/]+")) {
        throw new IllegalArgumentException("accelerator.publicUrl: must be scheme://host[:port]");
      }
      c = c.withPublicUrl(url);
    }
    return c;
  }

  private static List<String> list(com.fasterxml.jackson.databind.JsonNode node) {
    java.util.ArrayList<String> out = new java.util.ArrayList<>();
    if (node.isArray()) {
      node.forEach(n -> out.add(n.asText()));
    } else {
      for (String part : node.asText().split(",")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
    }
    return out;
  }

  /** {@code 10GiB}, {@code 500MiB}, {@code 1TB}, {@code 123} (bytes). */
  public static long size(String setting, String text) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(\\d+)\\s*([KMGT]i?B|B)?").matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "accelerator." + setting + ": not a size (e.g. 10GiB, 500MB, 1024): " + text);
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2);
    long factor =
        switch (unit) {
          case "KiB" -> 1L << 10;
          case "MiB" -> 1L << 20;
          case "GiB" -> 1L << 30;
          case "TiB" -> 1L << 40;
          case "KB" -> 1_000L;
          case "MB" -> 1_000_000L;
          case "GB" -> 1_000_000_000L;
          case "TB" -> 1_000_000_000_000L;
          default -> 1L;
        };
    return Math.multiplyExact(n, factor);
  }

  private static Duration duration(String setting, String text) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)").matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("accelerator." + setting + ": not a duration: " + text);
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }
}
