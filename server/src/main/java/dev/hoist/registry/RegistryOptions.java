package dev.hoist.registry;

import dev.hoist.oci.Manifest;
import java.time.Duration;
import java.util.Objects;

/**
 * How the {@code /v2/} API behaves; validated on construction, then frozen.
 *
 * @param deleteEnabled whether tag, manifest and blob deletes are allowed (else 405 {@code
 *     UNSUPPORTED})
 * @param maxManifestBytes the largest manifest a push may carry (at most {@link
 *     Manifest#MAX_BYTES}); larger ones get 413 {@code MANIFEST_TOO_LARGE}
 * @param maxPageSize the most tags or repositories one listing returns, whatever {@code n} asks
 * @param chunkMinLength advertised as {@code OCI-Chunk-Min-Length} when a session starts (0: not
 *     advertised); advisory, not enforced
 * @param uploadPurgeAge an upload session untouched for this long is removed
 * @param verifyOnRead whether a whole blob or manifest is hashed while it is sent ({@code
 *     storage.verifyOnRead}): copied through memory instead of zero-copy file transfer, with its
 *     last 64 KiB held back until the digest matched; on a mismatch the connection is cut and the
 *     bytes go to the quarantine. Byte ranges are served unverified (a part cannot be checked
 *     against the whole's digest).
 */
public record RegistryOptions(
    boolean deleteEnabled,
    long maxManifestBytes,
    int maxPageSize,
    long chunkMinLength,
    Duration uploadPurgeAge,
    boolean verifyOnRead) {

  public static final long DEFAULT_MAX_MANIFEST_BYTES = Manifest.MAX_BYTES;
  public static final int DEFAULT_MAX_PAGE_SIZE = 1000;
  public static final Duration DEFAULT_UPLOAD_PURGE_AGE = Duration.ofHours(24);

  public RegistryOptions {
    if (maxManifestBytes < 1 || maxManifestBytes > Manifest.MAX_BYTES) {
      throw new IllegalArgumentException(
          "maxManifestBytes must be between 1 and " + Manifest.MAX_BYTES + ": " + maxManifestBytes);
    }
    if (maxPageSize < 1) {
      throw new IllegalArgumentException("maxPageSize must be positive: " + maxPageSize);
    }
    if (chunkMinLength < 0) {
      throw new IllegalArgumentException("chunkMinLength must not be negative: " + chunkMinLength);
    }
    Objects.requireNonNull(uploadPurgeAge, "uploadPurgeAge");
    if (uploadPurgeAge.isNegative() || uploadPurgeAge.isZero()) {
      throw new IllegalArgumentException("uploadPurgeAge must be positive: " + uploadPurgeAge);
    }
  }

  /**
   * Deletes allowed, 4 MiB manifests, pages of at most 1000, no chunk minimum, sessions purged
   * after 24 hours, content sent without verifying it (zero-copy).
   */
  public static RegistryOptions defaults() {
    return new RegistryOptions(
        true,
        DEFAULT_MAX_MANIFEST_BYTES,
        DEFAULT_MAX_PAGE_SIZE,
        0,
        DEFAULT_UPLOAD_PURGE_AGE,
        false);
  }

  public RegistryOptions withDeleteEnabled(boolean enabled) {
    return new RegistryOptions(
        enabled, maxManifestBytes, maxPageSize, chunkMinLength, uploadPurgeAge, verifyOnRead);
  }

  public RegistryOptions withMaxManifestBytes(long bytes) {
    return new RegistryOptions(
        deleteEnabled, bytes, maxPageSize, chunkMinLength, uploadPurgeAge, verifyOnRead);
  }

  public RegistryOptions withMaxPageSize(int size) {
    return new RegistryOptions(
        deleteEnabled, maxManifestBytes, size, chunkMinLength, uploadPurgeAge, verifyOnRead);
  }

  public RegistryOptions withChunkMinLength(long length) {
    return new RegistryOptions(
        deleteEnabled, maxManifestBytes, maxPageSize, length, uploadPurgeAge, verifyOnRead);
  }

  public RegistryOptions withUploadPurgeAge(Duration age) {
    return new RegistryOptions(
        deleteEnabled, maxManifestBytes, maxPageSize, chunkMinLength, age, verifyOnRead);
  }

  /** See {@link #verifyOnRead()}. */
  public RegistryOptions withVerifyOnRead(boolean verify) {
    return new RegistryOptions(
        deleteEnabled, maxManifestBytes, maxPageSize, chunkMinLength, uploadPurgeAge, verify);
  }
}
