/**
 * The storage seams of a Hoist node.
 *
 * <ul>
 *   <li>{@link dev.hoist.storage.BlobStore}: content-addressable bytes shared by every repository.
 *       A blob becomes visible only after its bytes are verified against their digest, made
 *       durable, and moved into place atomically. Manifests are stored here too, as blobs.
 *   <li>{@link dev.hoist.storage.MetadataStore}: repositories, tags, manifests, per-repository blob
 *       links, upload sessions and referrers, read and written in transactions.
 * </ul>
 *
 * <p>Both are blocking APIs: callers run them off event-loop threads. Every implementation passes
 * the contract suites in {@code testkit} ({@code BlobStoreContract}, {@code
 * MetadataStoreContract}).
 */
@NullMarked
package dev.hoist.storage;

import org.jspecify.annotations.NullMarked;
