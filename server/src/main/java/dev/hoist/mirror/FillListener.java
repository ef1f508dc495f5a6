package dev.hoist.mirror;

import dev.hoist.oci.Digest;

/**
 * What {@link BlobFills} reports while it fills the cache, for metrics. Every method is a no-op
 * unless overridden; they are called on fill threads and must not block.
 */
public interface FillListener {

  /** A listener that ignores everything. */
  FillListener NONE = new FillListener() {};

  /** A fill began: the upstream is about to be asked for the blob. */
  default void fillStarted(Digest digest) {}

  /** {@code bytes} more bytes arrived from the upstream and were spooled. */
  default void fillBytes(Digest digest, long bytes) {}

  /** The blob was verified and committed to the blob store. */
  default void fillCommitted(Digest digest, long size) {}

  /** The fill ended without storing anything. */
  default void fillFailed(Digest digest, Throwable failure) {}
}
