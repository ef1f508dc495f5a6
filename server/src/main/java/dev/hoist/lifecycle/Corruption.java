package dev.hoist.lifecycle;

import dev.hoist.oci.Digest;
import dev.hoist.storage.ManifestKey;
import java.util.List;
import java.util.Objects;

/**
 * A stored blob found unsound by a scrub, and what was done about it.
 *
 * @param digest the blob
 * @param kind what was wrong
 * @param expectedSize the size its record says
 * @param actualSize the size of the bytes stored; -1 when they are missing
 * @param usedBy manifests that reference the blob or are it (at most {@link
 *     Scrubber#USERS_LISTED}): what its loss breaks until it is stored again
 * @param hosted whether any of them is in a repository hosted here, not the mirror's cache: no
 *     upstream can bring the blob back, a user must push it again
 * @param outcome what the scrub did
 */
public record Corruption(
    Digest digest,
    Kind kind,
    long expectedSize,
    long actualSize,
    List<ManifestKey> usedBy,
    boolean hosted,
    Outcome outcome) {

  public Corruption {
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(outcome, "outcome");
    usedBy = List.copyOf(usedBy);
  }

  /** What was wrong with the stored blob. */
  public enum Kind {
    /** Its bytes do not hash to its digest. */
    HASH,
    /** Its bytes are not as many as its record says. */
    SIZE,
    /** A record names it but the store has no bytes for it. */
    MISSING
  }

  /** What the scrub did about it. */
  public enum Outcome {
    /** The bytes were moved aside (never served again) and the blob's record forgotten. */
    QUARANTINED,
    /** The bytes were missing and only the mirror's cache used them: the record was forgotten. */
    FORGOTTEN,
    /**
     * The bytes were missing and a hosted manifest uses them: the record stays, so that every pass
     * reports the loss until the blob is pushed again.
     */
    KEPT
  }
}
