package dev.hoist.storage;

import dev.hoist.oci.Digest;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What the metadata store keeps of a manifest; the bytes themselves are a blob in {@link
 * BlobStore}, served byte for byte.
 *
 * @param digest the digest of the raw bytes
 * @param mediaType the stored media type, served as Content-Type
 * @param size byte length of the raw manifest
 * @param artifactType the artifact type as the referrers API reports it (its {@code artifactType},
 *     else its config media type for an image manifest), or null
 * @param subject the digest of the manifest's {@code subject}, or null
 * @param annotations the manifest's annotations (for referrers listings), never null
 * @param created when this repository first received it
 */
public record ManifestRecord(
    Digest digest,
    String mediaType,
    long size,
    @Nullable String artifactType,
    @Nullable Digest subject,
    Map<String, String> annotations,
    Instant created) {

  public ManifestRecord {
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(mediaType, "mediaType");
    Objects.requireNonNull(created, "created");
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative: " + size);
    }
  }
}
