package dev.hoist.repository;

import dev.hoist.oci.Digest;
import dev.hoist.storage.BlobContent;
import java.io.IOException;
import java.util.Objects;

/**
 * Stored bytes a repository found for a request, and what the response needs to send them.
 *
 * @param body how to read them; for a HEAD of a blob not cached, null with {@code size} known
 * @param size their length in bytes
 * @param digest their digest
 * @param mediaType the media type of a manifest, or null for a blob
 * @param cacheStatus how the mirror's cache answered, or null for content hosted here
 * @param gate asked before the body is sent (the accelerator's quota); {@link
 *     TransferGate#UNLIMITED} unless a decorator set one
 * @param quarantine run when the bytes, read to be sent, did not match their digest; {@link
 *     Quarantine#NONE} unless the repository that found them set one
 */
public record Content(
    BlobContent body,
    long size,
    Digest digest,
    String mediaType,
    CacheStatus cacheStatus,
    TransferGate gate,
    Quarantine quarantine) {

  public Content {
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(gate, "gate");
    Objects.requireNonNull(quarantine, "quarantine");
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative: " + size);
    }
  }

  /** Content hosted here. */
  public static Content hosted(BlobContent body, Digest digest, String mediaType) {
    return new Content(
        body, body.size(), digest, mediaType, null, TransferGate.UNLIMITED, Quarantine.NONE);
  }

  /** Content of the mirror's cache, answered as {@code status}. */
  public static Content cached(
      BlobContent body, long size, Digest digest, String mediaType, CacheStatus status) {
    return new Content(
        body, size, digest, mediaType, status, TransferGate.UNLIMITED, Quarantine.NONE);
  }

  /** The same content, sent through {@code newGate}. */
  public Content withGate(TransferGate newGate) {
    return new Content(body, size, digest, mediaType, cacheStatus, newGate, quarantine);
  }

  /** The same content, taken out of service by {@code newQuarantine} when found rotten. */
  public Content withQuarantine(Quarantine newQuarantine) {
    return new Content(body, size, digest, mediaType, cacheStatus, gate, newQuarantine);
  }

  /**
   * Takes stored bytes out of service once a read (the registry's {@code verifyOnRead}) found that
   * they do not match their digest. Blocks: run it off event loops.
   */
  @FunctionalInterface
  public interface Quarantine {
    /** Content nothing can take out of service (an upstream's answer, a fill in progress). */
    Quarantine NONE = () -> {};

    void run() throws IOException;
  }
}
