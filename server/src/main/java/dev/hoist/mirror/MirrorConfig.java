package dev.hoist.mirror;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What Hoist mirrors, and how fresh it keeps it. With no upstreams the mirror is off and every
 * repository is local.
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

  public MirrorConfig {
    upstreams = List.copyOf(upstreams);
    hostedPrefixes = List.copyOf(hostedPrefixes);
    freshnessRules = List.copyOf(freshnessRules);
    Objects.requireNonNull(negativeTtl, "negativeTtl");
    Map<String, Upstream> seen = new LinkedHashMap<>();
    for (Upstream u : upstreams) {
      if (seen.put(u.name(), u) != null) {
        throw new IllegalArgumentException("upstream " + u.name() + " is configured twice");
      }
    }
    if (defaultUpstream != null && !seen.containsKey(defaultUpstream)) {
      throw new IllegalArgumentException(
          "the default upstream " + defaultUpstream + " is not a configured upstream");
    }
    for (String prefix : hostedPrefixes) {
      for (Upstream u : upstreams) {
        if (prefix.equals(u.cacheKey()) || prefix.startsWith(u.cacheKey() + "/")) {
          throw new IllegalArgumentException(
              "hosted prefix " + prefix + " would hide the upstream " + u.name());
        }
      }
    }
  }

  /** The mirror switched off. */
  public static MirrorConfig disabled() {
    return new MirrorConfig(List.of(), null, List.of(), List.of(), Duration.ofSeconds(30), false);
  }

  /**
   * Mirrors {@code upstreams} with the defaults: the first one whose name is {@code docker.io} (or
   * else the first one) is the default upstream, no hosted prefixes, default freshness.
   */
  public static MirrorConfig of(List<Upstream> upstreams) {
    String defaultUpstream =
        upstreams.stream()
            .map(Upstream::name)
            .filter("docker.io"::equals)
            .findFirst()
            .orElse(upstreams.isEmpty() ? null : upstreams.get(0).name());
    return new MirrorConfig(
        upstreams, defaultUpstream, List.of(), List.of(), Duration.ofSeconds(30), false);
  }

  public boolean enabled() {
    return !upstreams.isEmpty();
  }

  public Optional<Upstream> upstream(String name) {
    String canonical = Upstream.canonicalName(name);
    return upstreams.stream().filter(u -> u.name().equals(canonical)).findFirst();
  }

  public MirrorConfig withDefaultUpstream(String name) {
    return new MirrorConfig(
        upstreams, name, hostedPrefixes, freshnessRules, negativeTtl, prefetchSiblings);
  }

  public MirrorConfig withHostedPrefixes(List<String> prefixes) {
    return new MirrorConfig(
        upstreams, defaultUpstream, prefixes, freshnessRules, negativeTtl, prefetchSiblings);
  }

  public MirrorConfig withFreshnessRules(List<FreshnessRule> rules) {
    return new MirrorConfig(
        upstreams, defaultUpstream, hostedPrefixes, rules, negativeTtl, prefetchSiblings);
  }

  public MirrorConfig withNegativeTtl(Duration ttl) {
    return new MirrorConfig(
        upstreams, defaultUpstream, hostedPrefixes, freshnessRules, ttl, prefetchSiblings);
  }

  public MirrorConfig withPrefetchSiblings(boolean prefetch) {
    return new MirrorConfig(
        upstreams, defaultUpstream, hostedPrefixes, freshnessRules, negativeTtl, prefetch);
  }
}
