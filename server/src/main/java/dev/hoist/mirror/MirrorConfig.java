package dev.hoist.mirror;

import dev.hoist.config.ConfigException;
import dev.hoist.config.ConfigNode;
import dev.hoist.oci.InvalidReferenceException;
import dev.hoist.oci.RegistryHost;
import dev.hoist.oci.RepositoryName;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What Hoist mirrors, and how fresh it keeps it, validated once and then frozen. With no upstreams
 * the mirror is off and every repository is local. {@link #read} reads the {@code mirror} section
 * of the configuration file; code makes one with {@link #builder()}.
 *
 * @param upstreams the registries mirrored, each under its name; nothing else is ever contacted
 * @param defaultUpstream the upstream of names that name none (what a Docker daemon's {@code
 *     registry-mirrors} sends), or null for none: then such names are local
 * @param hostedPrefixes names under these prefixes stay local and writable even when a default
 *     upstream is set
 * @param freshnessRules first match wins; {@link FreshnessRule#DEFAULT} applies after them
 * @param negativeTtl how long an upstream's "no such tag" is remembered
 * @param prefetchSiblings whether fetching one platform of a multi-platform index also fetches the
 *     others in the background
 */
public record MirrorConfig(
    List<Upstream> upstreams,
    String defaultUpstream,
    List<String> hostedPrefixes,
    List<FreshnessRule> freshnessRules,
    Duration negativeTtl,
    boolean prefetchSiblings) {

  /** How long an upstream's "no such tag" is remembered unless configured. */
  public static final Duration DEFAULT_NEGATIVE_TTL = Duration.ofSeconds(30);

  public MirrorConfig {
    upstreams = List.copyOf(upstreams);
    hostedPrefixes = List.copyOf(hostedPrefixes);
    freshnessRules = List.copyOf(freshnessRules);
    Objects.requireNonNull(negativeTtl, "negativeTtl");
    Map<String, Upstream> seen = new LinkedHashMap<>();
    for (Upstream u : upstreams) {
      if (seen.put(u.name(), u) != null) {
        throw new ConfigException(
            "mirror.upstreams", "upstream " + u.name() + " is configured twice");
      }
    }
    if (defaultUpstream != null && !seen.containsKey(defaultUpstream)) {
      throw new ConfigException(
          "mirror.defaultUpstream",
          "the default upstream " + defaultUpstream + " is not a configured upstream");
    }
    for (String prefix : hostedPrefixes) {
      for (Upstream u : upstreams) {
        if (prefix.equals(u.cacheKey()) || prefix.startsWith(u.cacheKey() + "/")) {
          throw new ConfigException(
              "mirror.hosted", "hosted prefix " + prefix + " would hide the upstream " + u.name());
        }
      }
    }
  }

  /** The mirror switched off. */
  public static MirrorConfig disabled() {
    return new MirrorConfig(List.of(), null, List.of(), List.of(), DEFAULT_NEGATIVE_TTL, false);
  }

  /**
   * Mirrors {@code upstreams} with the defaults: the first one whose name is {@code docker.io} (or
   * else the first one) is the default upstream, no hosted prefixes, default freshness.
   */
  public static MirrorConfig of(List<Upstream> upstreams) {
    return builder().upstreams(upstreams).build();
  }

  /** A builder that starts from {@link #disabled()}, choosing the default upstream itself. */
  public static Builder builder() {
    return new Builder(disabled()).chooseDefaultUpstream();
  }

  /** A builder that starts from this configuration, its default upstream included. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  public boolean enabled() {
    return !upstreams.isEmpty();
  }

  public Optional<Upstream> upstream(String name) {
    String canonical;
    try {
      canonical = Upstream.canonicalName(name);
    } catch (InvalidReferenceException e) {
      return Optional.empty(); // no registry's name: not one of ours
    }
    return upstreams.stream().filter(u -> u.name().equals(canonical)).findFirst();
  }

  /** Makes a {@link MirrorConfig}; {@link #build()} validates it. */
  public static final class Builder {
    private final List<Upstream> upstreams;
    private String defaultUpstream;
    private boolean chooseDefault;
    private List<String> hostedPrefixes;
    private List<FreshnessRule> freshnessRules;
    private Duration negativeTtl;
    private boolean prefetchSiblings;

    private Builder(MirrorConfig c) {
      upstreams = new ArrayList<>(c.upstreams);
      defaultUpstream = c.defaultUpstream;
      hostedPrefixes = c.hostedPrefixes;
      freshnessRules = c.freshnessRules;
      negativeTtl = c.negativeTtl;
      prefetchSiblings = c.prefetchSiblings;
    }

    /** Mirrors exactly these upstreams. */
    public Builder upstreams(List<Upstream> list) {
      upstreams.clear();
      upstreams.addAll(list);
      return this;
    }

    /** Mirrors {@code upstream} too, in place of an upstream of the same name. */
    public Builder upstream(Upstream upstream) {
      upstreams.removeIf(u -> u.name().equals(upstream.name()));
      upstreams.add(upstream);
      return this;
    }

    /** The upstream of names that name none; null for none (such names stay local). */
    public Builder defaultUpstream(String name) {
      defaultUpstream = name;
      chooseDefault = false;
      return this;
    }

    /** The default upstream is {@code docker.io} when it is mirrored, else the first upstream. */
    public Builder chooseDefaultUpstream() {
      chooseDefault = true;
      return this;
    }

    public Builder hostedPrefixes(List<String> prefixes) {
      hostedPrefixes = prefixes;
      return this;
    }

    public Builder freshnessRules(List<FreshnessRule> rules) {
      freshnessRules = rules;
      return this;
    }

    public Builder negativeTtl(Duration ttl) {
      negativeTtl = ttl;
      return this;
    }

    public Builder prefetchSiblings(boolean prefetch) {
      prefetchSiblings = prefetch;
      return this;
    }

    /**
     * @throws ConfigException naming the setting that is wrong
     */
    public MirrorConfig build() {
      String chosen =
          !chooseDefault
              ? defaultUpstream
              : upstreams.stream()
                  .map(Upstream::name)
                  .filter(RegistryHost.DOCKER_HUB.value()::equals)
                  .findFirst()
                  .orElse(upstreams.isEmpty() ? null : upstreams.get(0).name());
      return new MirrorConfig(
          upstreams, chosen, hostedPrefixes, freshnessRules, negativeTtl, prefetchSiblings);
    }
  }

  // The mirror section of the configuration file.

  /**
   * The {@code mirror} section of the configuration file; see {@code ConfigLoader} for its keys.
   *
   * @throws ConfigException naming the setting that is wrong
   */
  public static MirrorConfig read(ConfigNode node) {
    // "cache" (its size limits) is the disk lifecycle's: dev.hoist.lifecycle.DiskConfig reads it.
    node.keys(
        "upstreams",
        "defaultUpstream",
        "hosted",
        "negativeTtl",
        "prefetchSiblings",
        "freshness",
        "cache");
    Builder b = builder();
    List<Upstream> upstreams = new ArrayList<>();
    for (ConfigNode u : node.list("upstreams")) {
      upstreams.add(readUpstream(u));
    }
    b.upstreams(upstreams);
    node.text("defaultUpstream").ifPresent(n -> b.defaultUpstream(n.equals("none") ? null : n));
    node.get("hosted")
        .ifPresent(
            hosted ->
                b.hostedPrefixes(
                    hosted.strings().stream()
                        .map(p -> hosted.check(() -> RepositoryName.of(p).value()))
                        .toList()));
    node.duration("negativeTtl").ifPresent(b::negativeTtl);
    node.bool("prefetchSiblings").ifPresent(b::prefetchSiblings);
    b.freshnessRules(node.list("freshness").stream().map(MirrorConfig::readFreshness).toList());
    return b.build();
  }

  /** {@code NAME} or {@code NAME=URL}, or a mapping with name, url and credentials. */
  private static Upstream readUpstream(ConfigNode node) {
    if (!node.isMapping()) {
      return parseUpstream(node.setting(), node.text());
    }
    node.keys("name", "url", "username", "password", "authHosts");
    String name = node.required("name").text();
    Upstream upstream =
        parseUpstream(node.setting(), node.text("url").map(url -> name + "=" + url).orElse(name));
    if (node.has("username") || node.has("password")) {
      String username = node.required("username").text();
      String password = node.required("password").text();
      Upstream plain = upstream;
      upstream = node.check(() -> plain.withCredentials(username, password));
    }
    if (node.has("authHosts")) {
      List<String> hosts = new ArrayList<>(upstream.authHosts());
      hosts.addAll(node.required("authHosts").strings());
      Upstream u = upstream;
      upstream =
          node.check(() -> new Upstream(u.name(), u.url(), u.username(), u.password(), hosts));
    }
    return upstream;
  }

  private static FreshnessRule readFreshness(ConfigNode node) {
    node.keys("repository", "tag", "fresh", "staleWhileRevalidate", "staleIfError");
    FreshnessRule d = FreshnessRule.DEFAULT;
    return node.check(
        () ->
            new FreshnessRule(
                node.text("repository").orElse("**"),
                node.text("tag").orElse("*"),
                node.duration("fresh").orElse(d.fresh()),
                node.duration("staleWhileRevalidate").orElse(d.staleWhileRevalidate()),
                node.duration("staleIfError").orElse(d.staleIfError())));
  }

  /**
   * An upstream written as {@code NAME} (a registry Hoist knows: {@code docker.io}, {@code
   * ghcr.io}…) or {@code NAME=URL}, as in {@code --mirror} and {@code HOIST_MIRROR}.
   *
   * @throws ConfigException naming {@code setting}
   */
  public static Upstream parseUpstream(String setting, String spec) {
    String s = spec.trim();
    int eq = s.indexOf('=');
    String name = (eq < 0 ? s : s.substring(0, eq)).trim();
    if (eq < 0) {
      return Upstream.known(name)
          .orElseThrow(
              () ->
                  new ConfigException(
                      setting,
                      "'"
                          + name
                          + "' is not a registry Hoist knows; give its URL as "
                          + name
                          + "=https://..."));
    }
    try {
      URI url = URI.create(s.substring(eq + 1).trim());
      Upstream known = Upstream.known(name).orElse(null);
      return known != null
          ? known.withUrl(url)
          : new Upstream(Upstream.canonicalName(name), url, null, null, List.of());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(setting, "'" + spec + "': " + e.getMessage());
    }
  }
}
