package dev.hoist.mirror;

import dev.hoist.client.RegistryException;
import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.repository.CacheStatus;
import dev.hoist.repository.CachedTag;
import dev.hoist.repository.Content;
import dev.hoist.repository.MirrorCache;
import dev.hoist.repository.Repository.Origin;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Manifests by tag (ARCHITECTURE §3, "Freshness"): a tag is trusted for its rule's fresh time, then
 * revalidated with a HEAD (not counted by Docker Hub's pull limit) and refetched only when its
 * digest changed; served stale while a background check runs (when the rule allows) or while the
 * upstream fails; an upstream's "no such tag" is remembered for the negative TTL. One upstream
 * check per tag for concurrent callers.
 */
final class TagFreshness {
  private static final Logger log = LoggerFactory.getLogger(TagFreshness.class);

  private final List<FreshnessRule> rules;
  private final Duration negativeTtl;
  private final MirrorCache cache;
  private final ManifestFetcher manifests;
  private final InstantSource clock;
  private final Executor background;
  private final SingleFlight<String, TagAnswer> checks = new SingleFlight<>();

  TagFreshness(
      List<FreshnessRule> rules,
      Duration negativeTtl,
      MirrorCache cache,
      ManifestFetcher manifests,
      InstantSource clock,
      Executor background) {
    this.rules = List.copyOf(rules);
    this.negativeTtl = negativeTtl;
    this.cache = cache;
    this.manifests = manifests;
    this.clock = clock;
    this.background = background;
  }

  /** The first rule matching a tag of a cache repository, else {@link FreshnessRule#DEFAULT}. */
  FreshnessRule ruleFor(RepositoryName cacheName, Tag tag) {
    for (FreshnessRule rule : rules) {
      if (rule.matches(cacheName.value(), tag.value())) {
        return rule;
      }
    }
    return FreshnessRule.DEFAULT;
  }

  Content byTag(Origin origin, Tag tag) throws IOException {
    FreshnessRule rule = ruleFor(origin.cacheName(), tag);
    Instant now = clock.instant();
    Optional<CachedTag> state = cache.tag(origin.cacheName(), tag);
    if (state.isPresent()) {
      Duration age = Duration.between(state.get().checked(), now);
      switch (state.get()) {
        case CachedTag.Absent absent -> {
          if (age.compareTo(negativeTtl) < 0) {
            throw UpstreamFailures.manifestUnknown(origin, tag.value());
          }
        }
        case CachedTag.Present present -> {
          if (age.compareTo(rule.fresh()) < 0) {
            Optional<Content> hit = cached(origin, present.digest(), CacheStatus.HIT);
            if (hit.isPresent()) {
              return hit.get();
            }
          } else if (age.compareTo(rule.fresh().plus(rule.staleWhileRevalidate())) < 0) {
            Optional<Content> stale = cached(origin, present.digest(), CacheStatus.STALE);
            if (stale.isPresent()) {
              background.execute(() -> revalidateQuietly(origin, tag));
              return stale.get();
            }
          }
        }
      }
    }
    TagAnswer answer;
    try {
      answer = checks.run(key(origin, tag), () -> check(origin, tag));
    } catch (UpstreamException e) {
      Optional<Content> stale = staleOnError(origin, state, rule, now, e);
      if (stale.isPresent()) {
        return stale.get();
      }
      throw UpstreamFailures.translate(origin, e);
    }
    if (answer.digest().isEmpty()) {
      throw UpstreamFailures.manifestUnknown(origin, tag.value());
    }
    return cached(origin, answer.digest().get(), answer.status())
        .orElseThrow(() -> UpstreamFailures.manifestUnknown(origin, tag.value()));
  }

  /** What the upstream says a tag is now (empty: no such tag), with a new manifest fetched. */
  private record TagAnswer(Optional<Digest> digest, CacheStatus status) {}

  private TagAnswer check(Origin origin, Tag tag) throws IOException {
    Optional<CachedTag> before = cache.tag(origin.cacheName(), tag);
    Optional<Digest> digest;
    try {
      // A tag never seen here needs its manifest anyway: one GET by tag, not a HEAD and then a
      // GET by digest (one upstream round trip less per cold pull; Docker Hub counts the GET
      // either way). A known tag is revalidated with a HEAD, which fetches nothing.
      digest = before.isEmpty() ? manifests.fetchTag(origin, tag) : manifests.headTag(origin, tag);
    } catch (RegistryException e) {
      throw new UpstreamException(e);
    }
    Instant now = clock.instant();
    if (digest.isEmpty()) {
      cache.remember(origin.cacheName(), new CachedTag.Absent(tag, now));
      return new TagAnswer(Optional.empty(), CacheStatus.MISS);
    }
    Digest current = digest.get();
    boolean cachedNow = cache.hasManifest(origin.cacheName(), current);
    boolean known =
        before.flatMap(CachedTag::pointsAt).filter(current::equals).isPresent() && cachedNow;
    if (!cachedNow) {
      manifests.fetch(origin, current);
    }
    cache.remember(origin.cacheName(), new CachedTag.Present(tag, current, now));
    return new TagAnswer(digest, known ? CacheStatus.REVALIDATED : CacheStatus.MISS);
  }

  private void revalidateQuietly(Origin origin, Tag tag) {
    try {
      checks.run(key(origin, tag), () -> check(origin, tag));
    } catch (IOException | RuntimeException e) {
      log.warn(
          "background revalidation failed: upstream={} repository={} tag={} error={}",
          origin.upstream(),
          origin.upstreamName(),
          tag,
          e.toString());
    }
  }

  private Optional<Content> staleOnError(
      Origin origin,
      Optional<CachedTag> state,
      FreshnessRule rule,
      Instant now,
      UpstreamException failure) {
    if (state.isEmpty()
        || state.get().pointsAt().isEmpty()
        || !UpstreamFailures.staleCopyCovers(failure)) {
      return Optional.empty();
    }
    Duration age = Duration.between(state.get().checked(), now);
    if (age.compareTo(rule.staleIfError()) >= 0) {
      return Optional.empty();
    }
    Optional<Content> stale = cached(origin, state.get().pointsAt().get(), CacheStatus.STALE);
    stale.ifPresent(
        x ->
            log.info(
                "serving stale manifest, upstream failed: upstream={} repository={} tag={} error={}",
                origin.upstream(),
                origin.upstreamName(),
                state.get().tag(),
                failure.getMessage()));
    return stale;
  }

  private Optional<Content> cached(Origin origin, Digest digest, CacheStatus status) {
    return cache.manifestContent(origin.cacheName(), digest, status);
  }

  private static String key(Origin origin, Tag tag) {
    return origin.cacheName() + ":" + tag.value();
  }
}
