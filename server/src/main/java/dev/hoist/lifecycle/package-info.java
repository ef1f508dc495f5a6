/**
 * The disk's lifecycle (issue 16): what keeps a node's disk bounded and its bytes sound.
 *
 * <ul>
 *   <li>{@code DiskLifecycle}: the facade the composition root builds; one background thread.
 *   <li>{@code TrackedBlobStore}: the blob store every component writes through; a commit and a
 *       deletion of the same digest exclude each other.
 *   <li>{@code UsageNamespace}, {@code UsageRecorder}: last-pull times, noted per request in memory
 *       and written in batches.
 *   <li>{@code Eviction}: the mirror cache's limits (size, free disk, idle time), least recently
 *       pulled images first.
 *   <li>{@code GarbageCollector}, {@code ReferenceIndexer}: blobs no manifest uses, after a grace
 *       window; stale uploads and spool files.
 * </ul>
 *
 * <p>Every decision is a {@link dev.hoist.storage.LifecycleTransaction} query, never a walk of the
 * blob store's files.
 */
package dev.hoist.lifecycle;
