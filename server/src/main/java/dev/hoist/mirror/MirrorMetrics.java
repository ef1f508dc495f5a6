package dev.hoist.mirror;

import dev.hoist.oci.Digest;
import dev.hoist.repository.CacheStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * The mirror's meters: how requests were answered (hit, miss, stale, revalidated), manifests
 * fetched, bytes filled from upstreams, fills in flight. Also the {@link FillListener} of the
 * fills.
 */
public final class MirrorMetrics implements FillListener {
  private final Map<CacheStatus, Counter> manifestResults = new EnumMap<>(CacheStatus.class);
  private final Map<CacheStatus, Counter> blobResults = new EnumMap<>(CacheStatus.class);
  private final MeterRegistry registry;
  private final Counter fillBytes;
  private final Counter fillsCommitted;
  private final Counter fillsFailed;

  public MirrorMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (CacheStatus status : CacheStatus.values()) {
      String result = status.name().toLowerCase(Locale.ROOT);
      manifestResults.put(
          status,
          Counter.builder("hoist.mirror.requests")
              .description("Mirrored manifest and blob requests, by how the cache answered")
              .tag("kind", "manifest")
              .tag("result", result)
              .register(registry));
      blobResults.put(
          status,
          Counter.builder("hoist.mirror.requests")
              .description("Mirrored manifest and blob requests, by how the cache answered")
              .tag("kind", "blob")
              .tag("result", result)
              .register(registry));
    }
    fillBytes =
        Counter.builder("hoist.mirror.fill.bytes")
            .description("Blob bytes received from upstreams")
            .baseUnit("bytes")
            .register(registry);
    fillsCommitted =
        Counter.builder("hoist.mirror.fills")
            .description("Blob fills, by outcome")
            .tag("outcome", "committed")
            .register(registry);
    fillsFailed =
        Counter.builder("hoist.mirror.fills")
            .description("Blob fills, by outcome")
            .tag("outcome", "failed")
            .register(registry);
  }

  /** Reports the number of fills in flight from {@code fills}. */
  public void watch(BlobFills fills) {
    Gauge.builder("hoist.mirror.fills.in.flight", fills, BlobFills::inFlightCount)
        .description("Blob fills running now (each shared by every client waiting for the blob)")
        .register(registry);
  }

  void served(CacheStatus status, boolean manifest) {
    (manifest ? manifestResults : blobResults).get(status).increment();
  }

  void manifestFetched(String upstream) {
    Counter.builder("hoist.mirror.manifest.fetches")
        .description("Manifests fetched from the upstream (not answered from the cache)")
        .tag("upstream", upstream)
        .register(registry)
        .increment();
  }

  @Override
  public void fillBytes(Digest digest, long bytes) {
    fillBytes.increment(bytes);
  }

  @Override
  public void fillCommitted(Digest digest, long size) {
    fillsCommitted.increment();
  }

  @Override
  public void fillFailed(Digest digest, Throwable failure) {
    fillsFailed.increment();
  }
}
