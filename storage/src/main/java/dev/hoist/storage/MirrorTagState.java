package dev.hoist.storage;

import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a mirror last learned from its upstream about one tag.
 *
 * @param repository the cache name of the mirrored repository ({@code <upstream>/<path>})
 * @param tag the upstream tag
 * @param digest the manifest the tag pointed at, or null when the upstream said it has no such tag
 * @param checked when the upstream said so (freshness counts from here)
 */
public record MirrorTagState(
    RepositoryName repository, Tag tag, @Nullable Digest digest, Instant checked) {
  public MirrorTagState {
    Objects.requireNonNull(repository, "repository");
    Objects.requireNonNull(tag, "tag");
    Objects.requireNonNull(checked, "checked");
  }

  /** Whether the upstream said the tag does not exist. */
  public boolean absent() {
    return digest == null;
  }
}
