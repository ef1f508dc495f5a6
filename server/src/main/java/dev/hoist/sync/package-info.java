/**
 * Sync: scheduled replication of chosen upstream images into hosted repositories or into the mirror
 * cache, and pre-warming of the most pulled mirrored tags.
 *
 * <ul>
 *   <li>{@link dev.hoist.sync.SyncService}: rules, schedules (interval or 5-field cron, UTC), runs,
 *       status, pre-warming; the composition root starts it.
 *   <li>{@link dev.hoist.client.copy.ImageCopier} (in {@code client}, shared with {@code hoist
 *       copy}): copies one image or index by digest, only what is missing, children first, tag
 *       last; see its doc for what platform filtering stores. {@code LocalDestination} is this
 *       node's stores as a hosted repository or as the mirror cache.
 *   <li>{@code SyncRule}: the rule and its JSON form; {@code TagFilter}: include/exclude regular
 *       expressions, semantic-version ranges ({@code >=1.20 <2}), newest N.
 *   <li>{@link dev.hoist.sync.SyncApi}: {@code /api/v1/sync}. With auth configured it needs HTTP
 *       Basic credentials of a Hoist user to read and of an admin to change rules or run them, and
 *       is served on any address; without auth it is open and served by default only when Hoist
 *       listens on a loopback address ({@code sync.api.enabled} overrides both defaults).
 *   <li>A copy into the mirror cache reads its blobs through the mirror's fills ({@code
 *       MirrorCacheSource}), so a client pulling the same image meanwhile shares each blob's one
 *       upstream transfer, and the fill alone writes the blob to the store.
 *   <li>Referrers of every copied manifest are copied with it (see {@code ImageCopier}); a {@code
 *       vanished: delete} rule into the mirror cache records a vanished tag as absent upstream.
 * </ul>
 *
 * <p>Upstream manners: a tag is resolved with a HEAD (not counted by Docker Hub) and its manifest
 * is fetched only when its digest changed; requests go through the mirror's own clients (shared
 * circuit breaker, retries honouring Retry-After) and a per-upstream budget (concurrency and
 * requests per minute); a run backs off on 429.
 */
package dev.hoist.sync;
