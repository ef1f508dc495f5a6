/**
 * The pull-through cache (ARCHITECTURE §3): {@link dev.hoist.mirror.Mirror#decorate} wraps the
 * local namespace, so that names routed to an upstream are served through the cache and every other
 * name stays local. The registry never knows which answered.
 *
 * <ul>
 *   <li>{@code MirrorRouting}: which upstream a {@code /v2/<name>} request is for ({@code ?ns=},
 *       path prefix, hosted prefixes, default upstream); only configured upstreams are ever named.
 *   <li>{@code MirroringNamespace}, {@code MirroredRepository}: the decorator, and a mirrored
 *       repository (read-only: writes get 405 {@code UNSUPPORTED}).
 *   <li>{@code TagFreshness}: manifests by tag (a new tag fetched with one GET, a known one
 *       revalidated with HEAD once its fresh time ends, stale-while-revalidate, stale-if-error,
 *       negative caching; one upstream check per tag for concurrent callers).
 *   <li>{@code ManifestFetcher}: manifests into the cache, type and digest checked, once for
 *       concurrent callers; {@code Prefetcher}: an image's config right after its manifest (every
 *       pull asks for it next), and an index's other platforms when configured.
 *   <li>{@code BlobLookup}: blobs from the store, else through {@code BlobFills}: one upstream
 *       fetch per digest ({@code Fill}), spooled under {@code <data-dir>/spool}, streamed to every
 *       waiting client as it grows ({@code SpoolReader}), the tail held back until the digest
 *       checks, resumed with Range, committed with {@code BlobStore.importFile}.
 *   <li>{@code UpstreamFailures}: what clients see of upstream errors, and which a stale copy
 *       covers; {@code Upstreams}, {@code UpstreamClients}, {@code MirrorMetrics}: the registry
 *       client of each upstream, and the Prometheus meters.
 * </ul>
 *
 * <p>What is cached, and under which names, is the {@link dev.hoist.repository.MirrorCache}'s
 * model, shared with sync; the composition root builds the clients, the fills and the executor.
 */
package dev.hoist.mirror;
