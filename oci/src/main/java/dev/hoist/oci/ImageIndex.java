package dev.hoist.oci;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An OCI image index or a Docker manifest list: one manifest per platform, and in recent images
 * also attestation manifests marked with platform {@code unknown/unknown}.
 *
 * @param mediaType the effective type, {@link MediaTypes#OCI_INDEX} or {@link
 *     MediaTypes#DOCKER_MANIFEST_LIST}
 * @param rawBuffer the exact bytes; the accessor returns a fresh read-only view
 */
public record ImageIndex(
    int schemaVersion,
    String mediaType,
    List<Descriptor> manifests,
    Optional<Descriptor> subject,
    Optional<String> artifactType,
    Map<String, String> annotations,
    Digest digest,
    ByteBuffer rawBuffer)
    implements Manifest {

  public ImageIndex {
    if (schemaVersion != 2) {
      throw new IllegalArgumentException("schemaVersion must be 2");
    }
    if (!MediaTypes.OCI_INDEX.equals(mediaType)
        && !MediaTypes.DOCKER_MANIFEST_LIST.equals(mediaType)) {
      throw new IllegalArgumentException("not an index media type: " + Texts.quote(mediaType));
    }
    manifests = List.copyOf(manifests);
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(artifactType, "artifactType");
    annotations = ManifestParser.copyAnnotations(annotations);
    rawBuffer = ManifestParser.checkedCopy(rawBuffer, digest);
  }

  @Override
  public ByteBuffer rawBuffer() {
    return rawBuffer.duplicate();
  }

  /** The child manifests. */
  @Override
  public List<Descriptor> references() {
    return manifests;
  }

  /**
   * The child manifest for {@code wanted}, choosing among entries of the same OS and architecture
   * (after {@linkplain Platform#normalized() normalisation}), in this order of preference:
   *
   * <ol>
   *   <li>the variant exactly as written ({@code arm64/v8} for {@code arm64/v8});
   *   <li>the same variant once normalised ({@code arm64} for {@code arm64/v8}, {@code arm} for
   *       {@code arm/v7});
   *   <li>an entry without a variant (unless that implies a newer one: {@code arm} means {@code
   *       arm/v7});
   *   <li>an older variant of the same family ({@code arm/v6} for {@code arm/v7}), newest first.
   * </ol>
   *
   * A newer variant is never chosen (an {@code arm/v7} image does not run on an {@code arm/v6}
   * CPU). Entries without a platform, and {@code unknown/unknown} attestation entries, are skipped.
   * Ties go to the entry listed first.
   */
  public Optional<Descriptor> select(Platform wanted) {
    Platform want = wanted.normalized();
    Descriptor best = null;
    int bestRank = Integer.MAX_VALUE;
    int bestLevel = -1;
    for (Descriptor d : manifests) {
      Platform p = d.platform();
      if (p == null || p.isUnknown()) {
        continue;
      }
      Platform have = p.normalized();
      if (!have.os().equals(want.os()) || !have.architecture().equals(want.architecture())) {
        continue;
      }
      int rank;
      int level = have.variantLevel();
      if (Objects.equals(p.variant(), wanted.variant())) {
        rank = 0;
      } else if (Objects.equals(have.variant(), want.variant())) {
        rank = 1;
      } else if (p.variant() == null && !newer(level, want.variantLevel())) {
        rank = 2;
      } else if (level >= 0 && want.variantLevel() >= 0 && level < want.variantLevel()) {
        rank = 3;
      } else {
        continue;
      }
      if (rank < bestRank || (rank == 3 && rank == bestRank && level > bestLevel)) {
        best = d;
        bestRank = rank;
        bestLevel = level;
      }
    }
    return Optional.ofNullable(best);
  }

  private static boolean newer(int level, int wantedLevel) {
    return level >= 0 && wantedLevel >= 0 && level > wantedLevel;
  }

  @Override
  public String toString() {
    return "ImageIndex[" + mediaType + " " + digest + ", " + manifests.size() + " manifests]";
  }
}
