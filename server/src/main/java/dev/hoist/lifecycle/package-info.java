/**
 * The disk's lifecycle (ARCHITECTURE §4b): what keeps stored bytes bounded and sound. Decisions
 * come from metadata queries ({@link dev.hoist.storage.LifecycleTransaction}), never from walks of
 * the blob store's files, so they work the same on every store.
 *
 * <ul>
 *   <li>{@link dev.hoist.lifecycle.Scrubber}: one pass re-hashes every stored blob a record names,
 *       at a rate limit; bytes that do not match their digest or their recorded size go to the
 *       quarantine and are forgotten (the mirror fetches them again on the next request, a hosted
 *       blob is reported); a record whose bytes are missing is reported, and forgotten when only
 *       the mirror's cache uses it. {@code hoist fsck} runs one pass; {@link
 *       dev.hoist.lifecycle.BackgroundScrub} runs them in a server, every interval.
 * </ul>
 */
package dev.hoist.lifecycle;
