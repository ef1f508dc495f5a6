package dev.hoist.sync;

import dev.hoist.client.RegistryClient;
import dev.hoist.client.copy.ImageCopier;
import dev.hoist.client.copy.ImageDestination;
import dev.hoist.client.copy.ImageSource;
import dev.hoist.client.copy.RegistrySource;
import dev.hoist.repository.LocalNamespace;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Builds the copiers of runs and pre-warms: where a copy reads (the upstream, through the mirror's
 * fills when it goes into the mirror cache, where a client may be pulling the same blobs) and where
 * it writes, each upstream's requests under one {@link UpstreamBudget}.
 */
final class Copies {
  private final SyncConfig config;
  private final MirrorAccess mirror;
  private final LocalNamespace local;
  private final InstantSource clock;
  private final Map<String, UpstreamBudget> budgets = new ConcurrentHashMap<>();

  Copies(SyncConfig config, MirrorAccess mirror, LocalNamespace local, InstantSource clock) {
    this.config = config;
    this.mirror = mirror;
    this.local = local;
    this.clock = clock;
  }

  /** The upstream's client, when the upstream is configured. */
  Optional<RegistryClient> client(String upstream) {
    return mirror.client(upstream);
  }

  ImageSource source(RegistryClient client, String upstream, boolean intoMirrorCache) {
    ImageSource registry = new RegistrySource(client, budget(upstream));
    return intoMirrorCache
        ? new MirrorCacheSource(registry, mirror, upstream, budget(upstream))
        : registry;
  }

  /** Where a copy writes: the mirror's cache (paired with {@link MirrorCacheSource}), or hosted. */
  ImageDestination destination(boolean intoMirrorCache, @Nullable String keptBy) {
    return intoMirrorCache
        ? new MirrorCacheDestination(local.mirrorCache(), clock, keptBy)
        : new LocalDestination(local);
  }

  ImageCopier copier(ImageSource source, ImageDestination destination) {
    return new ImageCopier(source, destination);
  }

  private UpstreamBudget budget(String upstream) {
    return budgets.computeIfAbsent(
        upstream, u -> new UpstreamBudget(config.concurrency(), config.requestsPerMinute()));
  }
}
