package dev.hoist.client;

import dev.hoist.oci.Digest;
import java.util.Objects;

/**
 * A manifest (or index) as the registry served it: its digest, its {@code Content-Type} without
 * parameters, its size, and for a {@code GET} the raw bytes, byte for byte (never re-serialise a
 * manifest: its digest is over these bytes). For a {@code HEAD} there are no bytes.
 *
 * <p>The digest of a fetched manifest has been checked against the bytes: against the reference
 * when it was a digest, and against {@code Docker-Content-Digest} when the registry sent one.
 */
public final class ManifestResponse {
  private final Digest digest;
  private final String mediaType;
  private final long size;
  private final byte[] bytes;

  ManifestResponse(Digest digest, String mediaType, long size, byte[] bytes) {
    this.digest = Objects.requireNonNull(digest, "digest");
    this.mediaType = mediaType;
    this.size = size;
    this.bytes = bytes;
  }

  public Digest digest() {
    return digest;
  }

  /** The {@code Content-Type}, lowercased, parameters removed; null if the registry sent none. */
  public String mediaType() {
    return mediaType;
  }

  /** The size in bytes; -1 when a {@code HEAD} answer did not say. */
  public long size() {
    return size;
  }

  /** Whether this is a {@code GET} answer, with the bytes. */
  public boolean hasBytes() {
    return bytes != null;
  }

  /**
   * A copy of the raw manifest bytes.
   *
   * @throws IllegalStateException for a {@code HEAD} answer
   */
  public byte[] bytes() {
    if (bytes == null) {
      throw new IllegalStateException("a HEAD answer has no manifest bytes");
    }
    return bytes.clone();
  }

  @Override
  public String toString() {
    return "ManifestResponse[" + digest + ", " + mediaType + ", " + size + " bytes]";
  }
}
