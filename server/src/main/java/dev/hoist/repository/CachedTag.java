package dev.hoist.repository;

import dev.hoist.oci.Digest;
import dev.hoist.oci.Tag;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the mirror last learned from an upstream about one tag, and when: freshness counts from
 * {@link #checked()}.
 */
public sealed interface CachedTag {

  Tag tag();

  Instant checked();

  /** The manifest the upstream said the tag points at; empty for a negative entry. */
  Optional<Digest> pointsAt();

  /** The upstream said the tag points at {@code digest}. */
  record Present(Tag tag, Digest digest, Instant checked) implements CachedTag {
    public Present {
      Objects.requireNonNull(tag, "tag");
      Objects.requireNonNull(digest, "digest");
      Objects.requireNonNull(checked, "checked");
    }

    @Override
    public Optional<Digest> pointsAt() {
      return Optional.of(digest);
    }
  }

  /** The upstream said it has no such tag: a negative entry. */
  record Absent(Tag tag, Instant checked) implements CachedTag {
    public Absent {
      Objects.requireNonNull(tag, "tag");
      Objects.requireNonNull(checked, "checked");
    }

    @Override
    public Optional<Digest> pointsAt() {
      return Optional.empty();
    }
  }
}
