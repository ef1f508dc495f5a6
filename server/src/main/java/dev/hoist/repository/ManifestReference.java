package dev.hoist.repository;

import dev.hoist.oci.Digest;
import dev.hoist.oci.Tag;
import java.util.Objects;

/** What a manifest request names: a digest or a tag. */
public sealed interface ManifestReference {

  /** A manifest by digest. */
  record ByDigest(Digest digest) implements ManifestReference {
    public ByDigest {
      Objects.requireNonNull(digest, "digest");
    }

    @Override
    public String toString() {
      return digest.toString();
    }
  }

  /** A manifest by tag. */
  record ByTag(Tag tag) implements ManifestReference {
    public ByTag {
      Objects.requireNonNull(tag, "tag");
    }

    @Override
    public String toString() {
      return tag.value();
    }
  }
}
