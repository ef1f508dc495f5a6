package dev.hoist.accelerator;

import dev.hoist.config.ConfigException;
import dev.hoist.config.ConfigNode;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The accelerator's settings, validated on construction and then frozen. {@link #read} reads the
 * configuration file's section; code makes one with {@link #builder()}.
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
 * @param namespacePrefix each account's own images live under {@code <prefix>/<username>/}; the
 *     prefix is hosted (never sent to the default upstream), so pushing there works while Docker
 *     Hub is mirrored as the default upstream, where {@code <username>/app} means {@code
 *     docker.io/<username>/app}
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
    String publicUrl,
    String namespacePrefix) {

  public static final long GIB = 1024L * 1024 * 1024;

  /** Docker's path component grammar: what one component of a repository name may be. */
  private static final String PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";

  public AcceleratorConfig {
    Objects.requireNonNull(period, "period");
    baseDomain =
        baseDomain == null ? "" : baseDomain.toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
    if (enabled && !baseDomain.isEmpty() && !baseDomain.matches("[a-z0-9]([a-z0-9.-]*[a-z0-9])?")) {
      throw new ConfigException("accelerator.baseDomain", "'" + baseDomain + "' is no domain name");
    }
    if (defaultQuotaBytes < 0) {
      throw new ConfigException("accelerator.defaultQuota", "must not be negative");
    }
    if (inviteBonusBytes < 0) {
      throw new ConfigException("accelerator.inviteBonus", "must not be negative");
    }
    trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
    admins =
        admins == null
            ? List.of()
            : admins.stream().map(a -> a.trim().toLowerCase(Locale.ROOT)).toList();
    flushInterval = flushInterval == null ? Duration.ofSeconds(2) : flushInterval;
    if (flushInterval.isNegative() || flushInterval.isZero()) {
      throw new ConfigException("accelerator.flushInterval", "must be positive");
    }
    namespacePrefix = namespacePrefix == null ? "u" : namespacePrefix.replaceAll("^/+|/+$", "");
    if (!namespacePrefix.matches(PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*")
        || firstComponent(namespacePrefix).contains(".")) {
      // A first component with a dot would name a registry host, not a hosted prefix.
      throw new ConfigException(
          "accelerator.namespacePrefix",
          "'"
              + namespacePrefix
              + "' is not a repository path without dots in its first part, such as u or"
              + " users");
    }
  }

  private static String firstComponent(String path) {
    int slash = path.indexOf('/');
    return slash < 0 ? path : path.substring(0, slash);
  }

  /** Off: Hoist behaves as if there were no accelerator. */
  public static AcceleratorConfig disabled() {
    return builder().enabled(false).build();
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
        null,
        "u");
  }

  /** A builder that starts from {@link #defaults()} (enabled). */
  public static Builder builder() {
    return defaults().toBuilder();
  }

  /** A builder that starts from this configuration. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Makes an {@link AcceleratorConfig}; {@link #build()} validates it. */
  public static final class Builder {
    private boolean enabled;
    private String baseDomain;
    private long defaultQuotaBytes;
    private long inviteBonusBytes;
    private QuotaPeriod period;
    private boolean signupOpen;
    private boolean serveWithoutTenant;
    private List<String> trustedProxies;
    private List<String> admins;
    private Duration flushInterval;
    private String publicUrl;
    private String namespacePrefix;

    private Builder(AcceleratorConfig c) {
      enabled = c.enabled;
      baseDomain = c.baseDomain;
      defaultQuotaBytes = c.defaultQuotaBytes;
      inviteBonusBytes = c.inviteBonusBytes;
      period = c.period;
      signupOpen = c.signupOpen;
      serveWithoutTenant = c.serveWithoutTenant;
      trustedProxies = c.trustedProxies;
      admins = c.admins;
      flushInterval = c.flushInterval;
      publicUrl = c.publicUrl;
      namespacePrefix = c.namespacePrefix;
    }

    public Builder enabled(boolean on) {
      enabled = on;
      return this;
    }

    public Builder baseDomain(String domain) {
      baseDomain = domain;
      return this;
    }

    public Builder defaultQuotaBytes(long bytes) {
      defaultQuotaBytes = bytes;
      return this;
    }

    public Builder inviteBonusBytes(long bytes) {
      inviteBonusBytes = bytes;
      return this;
    }

    public Builder period(QuotaPeriod p) {
      period = p;
      return this;
    }

    public Builder signupOpen(boolean open) {
      signupOpen = open;
      return this;
    }

    public Builder serveWithoutTenant(boolean serve) {
      serveWithoutTenant = serve;
      return this;
    }

    public Builder trustedProxies(List<String> proxies) {
      trustedProxies = proxies;
      return this;
    }

    public Builder admins(List<String> emails) {
      admins = emails;
      return this;
    }

    public Builder flushInterval(Duration interval) {
      flushInterval = interval;
      return this;
    }

    /** {@code scheme://host[:port]}, or null to derive it from each request. */
    public Builder publicUrl(String url) {
      publicUrl = url;
      return this;
    }

    /** Accounts push under {@code <prefix>/<username>/}. */
    public Builder namespacePrefix(String prefix) {
      namespacePrefix = prefix;
      return this;
    }

    /**
     * The settings, validated and frozen.
     *
     * @throws ConfigException naming the setting that is wrong
     */
    public AcceleratorConfig build() {
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
          publicUrl,
          namespacePrefix);
    }
  }

  /**
   * The {@code accelerator} section of the configuration file (keys in {@code docs/api.md}); a
   * present section means enabled unless it says {@code enabled: false}.
   *
   * @throws ConfigException naming the setting that is wrong
   */
  public static AcceleratorConfig read(ConfigNode node) {
    node.keys(
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
        "publicUrl",
        "namespacePrefix");
    Builder b = builder();
    node.bool("enabled").ifPresent(b::enabled);
    node.get("baseDomain").ifPresent(d -> b.baseDomain(d.scalar()));
    node.size("defaultQuota").ifPresent(b::defaultQuotaBytes);
    node.size("inviteBonus").ifPresent(b::inviteBonusBytes);
    node.parse("period", QuotaPeriod::parse).ifPresent(b::period);
    node.get("signup")
        .ifPresent(
            s -> {
              String signup = s.text();
              if (!signup.equals("open") && !signup.equals("closed")) {
                throw s.invalid("must be open or closed, not '" + signup + "'");
              }
              b.signupOpen(signup.equals("open"));
            });
    node.bool("serveWithoutTenant").ifPresent(b::serveWithoutTenant);
    node.strings("trustedProxies").ifPresent(b::trustedProxies);
    node.strings("admins").ifPresent(b::admins);
    node.duration("flushInterval").ifPresent(b::flushInterval);
    node.get("namespacePrefix").ifPresent(p -> b.namespacePrefix(p.scalar()));
    node.get("publicUrl")
        .ifPresent(
            u -> {
              String url = u.text().replaceAll("/+$", "");
              if (!url.matches("https?://[^/]+")) {
                throw u.invalid("must be scheme://host[:port], not '" + u.text() + "'");
              }
              b.publicUrl(url);
            });
    return b.build();
  }
}
