/**
 * The disk's lifecycle (issue 16): what keeps a node's disk bounded and its bytes sound. Decisions
 * come from metadata queries ({@link dev.hoist.storage.LifecycleTransaction}), never from walks of
 * the blob store's files, so they work the same on every store.
 *
 * <ul>
 *   <li>{@code DiskLifecycle}: the facade the composition root builds; one background thread.
 *   <li>{@code TrackedBlobStore}: the blob store every component writes through; a commit or a look
 *       at a blob, and a deletion of the same digest, exclude each other.
 *   <li>{@code UsageNamespace}, {@code UsageRecorder}: last-pull times, noted per request in memory
 *       and written in batches.
 *   <li>{@code Eviction}: the mirror cache's limits (size, free disk, idle time), least recently
 *       pulled images first.
 *   <li>{@code GarbageCollector}, {@code ReferenceIndexer}: blobs no manifest uses, after a grace
 *       window; stale uploads and spool files.
 *   <li>{@link dev.hoist.lifecycle.Scrubber}: one pass re-hashes every stored blob a record names,
 *       at a rate limit; bytes that do not match their digest or their recorded size go to the
 *       quarantine and are forgotten (the mirror fetches them again on the next request, a hosted
 *       blob is reported); a record whose bytes are missing is reported, and forgotten when only
 *       the mirror's cache uses it. {@code hoist fsck} runs one pass; {@link
 *       dev.hoist.lifecycle.BackgroundScrub} runs them in a server, every interval.
 * </ul>
 */
package dev.hoist.lifecycle;
