package dev.hoist.sync;

import dev.hoist.client.RegistryClient;
import dev.hoist.client.copy.ImageCopier;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.repository.CachedTag;
import dev.hoist.repository.MirrorCache;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the most pulled mirrored tags, and the {@code warm} tags of mirror-destination rules,
 * fresh: a tag whose fresh time ends within the lead is revalidated in the background, one check
 * per tag at a time, by one node at a time (the lease {@code prewarm:<tag>}). Pull counts stay per
 * node (see {@link PullCounter}).
 */
final class Prewarmer {
  private static final Logger log = LoggerFactory.getLogger(Prewarmer.class);

  /** How long a pre-warm of one tag holds its lease (released when it ends). */
  static final Duration WARM_LEASE = Duration.ofMinutes(5);

  private final SyncConfig config;
  private final MirrorAccess mirror;
  private final MirrorCache cache;
  private final Copies copies;
  private final NodeLeases leases;
  private final InstantSource clock;
  private final SyncMetrics metrics;
  private final ExecutorService workers;
  private final PullCounter pulls;
  private final Set<PullCounter.HotTag> warming = ConcurrentHashMap.newKeySet();

  Prewarmer(
      SyncConfig config,
      MirrorAccess mirror,
      MirrorCache cache,
      Copies copies,
      NodeLeases leases,
      InstantSource clock,
      SyncMetrics metrics,
      ExecutorService workers) {
    this.config = config;
    this.mirror = mirror;
    this.cache = cache;
    this.copies = copies;
    this.leases = leases;
    this.clock = clock;
    this.metrics = metrics;
    this.workers = workers;
    this.pulls = new PullCounter(clock, config.prewarmWindow());
  }

  void tagPulled(String upstream, RepositoryName repository, Tag tag) {
    pulls.pulled(upstream, repository, tag);
  }

  /** Starts a revalidation of every candidate tag that is due and not being warmed. */
  void prewarm(List<SyncRule> rules) {
    Set<PullCounter.HotTag> candidates = new LinkedHashSet<>(pulls.top(config.prewarmTopK()));
    Set<PullCounter.HotTag> named = new HashSet<>();
    for (SyncRule rule : rules) {
      if (rule.enabled() && rule.destination().mirrorCache()) {
        for (RepositoryName repository : rule.repositories()) {
          for (Tag tag : rule.warm()) {
            named.add(new PullCounter.HotTag(rule.upstream(), repository, tag));
          }
        }
      }
    }
    candidates.addAll(named);
    Instant now = clock.instant();
    for (PullCounter.HotTag hot : candidates) {
      Optional<RepositoryName> cached = mirror.cacheName(hot.upstream(), hot.repository());
      if (cached.isEmpty()) {
        continue; // a rule naming an upstream that is not configured: its runs say so
      }
      RepositoryName cacheName = cached.get();
      Optional<CachedTag> state = cache.tag(cacheName, hot.tag());
      if (state.isEmpty() && !named.contains(hot)) {
        // Counted but not cached yet: the pull that counted it is filling the cache right now,
        // and a copy beside it would fetch every blob from the upstream a second time.
        continue;
      }
      if (state.isPresent() && !due(state.get(), cacheName, hot.tag(), now)) {
        continue;
      }
      if (warming.add(hot)) {
        workers.execute(() -> warm(hot, cacheName));
      }
    }
  }

  /** Whether the tag's fresh time ends within the lead (never sooner than half-way through it). */
  private boolean due(CachedTag state, RepositoryName cacheName, Tag tag, Instant now) {
    Duration fresh = mirror.freshFor(cacheName, tag);
    Instant staleAt = state.checked().plus(fresh);
    // Never sooner than half-way through the fresh time, so a short one is not hammered.
    Duration lead = config.prewarmLead();
    if (lead.compareTo(fresh.dividedBy(2)) > 0) {
      lead = fresh.dividedBy(2);
    }
    return !staleAt.minus(lead).isAfter(now);
  }

  private void warm(PullCounter.HotTag hot, RepositoryName cacheName) {
    String lease = "prewarm:" + cacheName + ":" + hot.tag();
    boolean leased = false;
    try {
      // One node warms a tag at a time; the others see its fresh check time afterwards.
      leased = leases.tryAcquire(lease, WARM_LEASE);
      if (!leased) {
        return;
      }
      Optional<RegistryClient> client = copies.client(hot.upstream());
      if (client.isEmpty()) {
        return;
      }
      ImageCopier copier =
          copies.copier(
              copies.source(client.get(), hot.upstream(), true), copies.destination(true, null));
      Optional<ImageCopier.Result> result =
          copier.copyTag(hot.repository(), hot.tag(), cacheName, List.of());
      metrics.warmed(result.map(ImageCopier.Result::copied).orElse(false));
    } catch (Exception e) {
      log.warn(
          "pre-warming a tag failed: upstream={} repository={} tag={} error={}",
          hot.upstream(),
          hot.repository(),
          hot.tag(),
          RuleRun.message(e));
    } finally {
      if (leased) {
        leases.releaseQuietly(lease);
      }
      warming.remove(hot);
    }
  }
}
