package dev.hoist.oci;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A reference to content: its media type, digest and size, plus the optional fields of the OCI
 * descriptor. {@code annotations} and {@code urls} are never null (empty when absent); {@code
 * artifactType} and {@code platform} may be.
 */
public record Descriptor(
    String mediaType,
    Digest digest,
    long size,
    @Nullable String artifactType,
    @Nullable Platform platform,
    Map<String, String> annotations,
    List<String> urls) {

  public Descriptor {
    if (mediaType == null || mediaType.isBlank()) {
      throw new IllegalArgumentException("descriptor mediaType must not be blank");
    }
    if (!MediaTypes.isValid(mediaType)) {
      throw new IllegalArgumentException(
          "descriptor mediaType " + Texts.quote(mediaType) + " is not a valid media type");
    }
    Objects.requireNonNull(digest, "digest");
    if (size < 0) {
      throw new IllegalArgumentException("descriptor size must not be negative: " + size);
    }
    if (artifactType != null && !MediaTypes.isValid(artifactType)) {
      throw new IllegalArgumentException(
          "descriptor artifactType " + Texts.quote(artifactType) + " is not a valid media type");
    }
    // Insertion order kept so that listings follow the document.
    annotations =
        annotations == null || annotations.isEmpty()
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(annotations));
    annotations.forEach(
        (k, v) -> {
          Objects.requireNonNull(k, "annotation key");
          Objects.requireNonNull(v, "annotation value");
        });
    urls = urls == null ? List.of() : List.copyOf(urls);
  }

  public Descriptor(String mediaType, Digest digest, long size) {
    this(mediaType, digest, size, null, null, Map.of(), List.of());
  }
}
