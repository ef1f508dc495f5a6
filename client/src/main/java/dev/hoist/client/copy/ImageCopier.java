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
import java.util.List;
import java.util.Optional;

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
 * </ul>
 *
 * Not copied: referrers (signatures, attestations that are not children of the index).
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
   */
  public record Result(Digest digest, boolean copied, long bytes) {}

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
    if (present) {
      if (toTag != null) {
        destination.confirmTag(to, toTag, digest);
      }
      return Optional.of(new Result(digest, false, 0));
    }
    long bytes = copyManifest(from, digest, to, platforms, toTag);
    return Optional.of(new Result(digest, true, bytes));
  }

  /** Copies a manifest by digest, untagged; returns the bytes transferred. */
  public long copyDigest(
      RepositoryName from, Digest digest, RepositoryName to, List<Platform> platforms)
      throws IOException, RegistryException {
    return copyManifest(from, digest, to, platforms, null);
  }

  private long copyManifest(
      RepositoryName from, Digest digest, RepositoryName to, List<Platform> platforms, Tag tag)
      throws IOException, RegistryException {
    if (tag == null && destination.hasManifest(to, digest)) {
      return 0;
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
    long bytes = fetched.bytes().length;
    if (manifest instanceof ImageIndex index) {
      for (Descriptor child : index.manifests()) {
        if (wanted(child, platforms)) {
          bytes += copyManifest(from, child.digest(), to, platforms, null);
        }
      }
    } else {
      for (Descriptor blob : manifest.references()) {
        if (!destination.hasBlob(to, blob)) {
          try (InputStream in = source.blob(from, blob.digest())) {
            bytes += destination.putBlob(to, blob, in);
          }
        }
      }
    }
    destination.putManifest(to, manifest, tag);
    return bytes;
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
