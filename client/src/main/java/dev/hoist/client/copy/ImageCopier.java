package dev.hoist.client.copy;

import dev.hoist.client.RegistryException;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.ManifestInvalidException;
import dev.hoist.oci.Platform;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Copies one image or index, by digest, from a source to a destination, and only what the
 * destination lacks.
 *
 * <ul>
 *   <li>A tag is resolved with a HEAD first; when the destination's tag already points at that
 *       digest nothing else is asked of the source.
 *   <li>Every manifest is parsed and checked against its digest; every blob is verified by the
 *       destination before it is committed.
 *   <li>Children are committed before their parents, and the tag last, in the same step as its
 *       manifest: a tag never points at a manifest whose blobs are not all present, and an
 *       interrupted copy leaves only complete, untagged pieces that the next copy reuses.
 *   <li>Platforms: an index is copied byte for byte (its digest must not change), but only the
 *       children of the chosen platforms (and children without a platform) are copied. The other
 *       platforms of a filtered index are not present in the destination: pulling one of them by
 *       digest from a hosted copy fails with "manifest unknown" (from the mirror cache, the mirror
 *       fetches it from the upstream on demand).
 *   <li>Referrers (signatures, SBOMs, attestations: manifests whose {@code subject} is a copied
 *       manifest) are copied after their subject, by digest, with their own referrers. The source
 *       finds them with the referrers API or the referrers tag ({@link ImageSource#referrers}); the
 *       destination makes them listable (a registry without the API gets the referrers tag). The
 *       referrers of the top-level manifest are looked up on every copy, even when the image is up
 *       to date, because signatures usually arrive after the image; those of children only when the
 *       child is copied.
 * </ul>
 */
public final class ImageCopier {
  private final ImageSource source;
  private final ImageDestination destination;

  public ImageCopier(ImageSource source, ImageDestination destination) {
    this.source = source;
    this.destination = destination;
  }

  /**
   * What a copy did.
   *
   * @param digest the manifest the tag points at
   * @param copied whether anything was written (false: the destination was already up to date)
   * @param bytes manifest and blob bytes transferred
   * @param referrers how many referrer manifests were copied
   */
  public record Result(Digest digest, boolean copied, long bytes, int referrers) {}

  /** What one copy has visited and moved so far. */
  private static final class Walk {
    final Set<Digest> seen = new HashSet<>();
    long bytes;
    int referrers;
  }

  /**
   * Makes {@code to:tag} what {@code from:tag} is; empty when the source has no such tag.
   *
   * @param platforms the platforms to copy of an index; empty: all
   */
  public Optional<Result> copyTag(
      RepositoryName from, Tag tag, RepositoryName to, List<Platform> platforms)
      throws IOException, RegistryException {
    return copy(from, tag.value(), to, tag, platforms);
  }

  /**
   * Copies what {@code from:reference} (a tag or a digest) names to {@code to}, tagged {@code
   * toTag} (null: untagged, by digest only); empty when the source has no such thing.
   */
  public Optional<Result> copy(
      RepositoryName from, String reference, RepositoryName to, Tag toTag, List<Platform> platforms)
      throws IOException, RegistryException {
    Optional<Digest> resolved = source.resolve(from, reference);
    if (resolved.isEmpty()) {
      return Optional.empty();
    }
    Digest digest = resolved.get();
    boolean present =
        toTag == null
            ? destination.hasManifest(to, digest)
            : destination.tag(to, toTag).filter(digest::equals).isPresent()
                && destination.hasManifest(to, digest);
    Walk walk = new Walk();
    if (present) {
      if (toTag != null) {
        destination.confirmTag(to, toTag, digest);
      }
      walk.seen.add(digest);
      copyReferrers(from, digest, to, walk);
    } else {
      copyManifest(from, digest, to, platforms, toTag, walk);
    }
    return Optional.of(
        new Result(digest, !present || walk.referrers > 0, walk.bytes, walk.referrers));
  }

  /** Copies a manifest by digest, untagged, with its referrers; returns the bytes transferred. */
  public long copyDigest(
      RepositoryName from, Digest digest, RepositoryName to, List<Platform> platforms)
      throws IOException, RegistryException {
    Walk walk = new Walk();
    copyManifest(from, digest, to, platforms, null, walk);
    return walk.bytes;
  }

  private void copyManifest(
      RepositoryName from,
      Digest digest,
      RepositoryName to,
      List<Platform> platforms,
      Tag tag,
      Walk walk)
      throws IOException, RegistryException {
    walk.seen.add(digest);
    if (tag == null && destination.hasManifest(to, digest)) {
      return;
    }
    ImageSource.Fetched fetched = source.manifest(from, digest);
    Manifest manifest;
    try {
      manifest = Manifest.parse(fetched.bytes(), fetched.mediaType(), digest);
    } catch (ManifestInvalidException e) {
      throw new IOException(
          "the source sent an invalid manifest " + digest + " for " + from + ": " + e.getMessage(),
          e);
    }
    walk.bytes += fetched.bytes().length;
    if (manifest instanceof ImageIndex index) {
      for (Descriptor child : index.manifests()) {
        if (wanted(child, platforms)) {
          copyManifest(from, child.digest(), to, platforms, null, walk);
        }
      }
    } else {
      for (Descriptor blob : manifest.references()) {
        if (!destination.hasBlob(to, blob)) {
          try (InputStream in = source.blob(from, blob.digest())) {
            walk.bytes += destination.putBlob(to, blob, in);
          }
        }
      }
    }
    destination.putManifest(to, manifest, tag);
    copyReferrers(from, digest, to, walk);
  }

  /**
   * Copies the referrers of {@code subject} the destination lacks (every platform of a referrer
   * that is an index), and theirs in turn; a referrer already present is not walked again.
   */
  private void copyReferrers(RepositoryName from, Digest subject, RepositoryName to, Walk walk)
      throws IOException, RegistryException {
    if (!destination.keepsReferrers()) {
      return;
    }
    for (Descriptor referrer : source.referrers(from, subject)) {
      if (walk.seen.contains(referrer.digest()) || destination.hasManifest(to, referrer.digest())) {
        continue;
      }
      copyManifest(from, referrer.digest(), to, List.of(), null, walk);
      walk.referrers++;
    }
  }

  public static boolean wanted(Descriptor child, List<Platform> platforms) {
    if (platforms.isEmpty() || child.platform() == null) {
      return true;
    }
    for (Platform p : platforms) {
      if (p.matches(child.platform())) {
        return true;
      }
    }
    return false;
  }
}
