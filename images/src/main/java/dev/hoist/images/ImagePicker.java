package dev.hoist.images;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Platform;
import java.io.IOException;

/** The single-platform container image that {@code save} and {@code export} work on. */
final class ImagePicker {
  private ImagePicker() {}

  /**
   * The image manifest of {@code image}: itself, or for a multi-platform index the child for {@code
   * platform} (which must be in the store). {@code ref} is what the user typed, for messages.
   *
   * @throws ImageException NOT_FOUND when the index has no such platform or the store lacks it,
   *     OTHER when it is not a container image (an artifact, a nested index)
   */
  static ImageManifest pick(
      ImageStore store, LocalImages.Image image, Platform platform, String ref)
      throws ImageException, IOException {
    Manifest m = store.readManifest(image.descriptor());
    if (m instanceof ImageManifest im) {
      return requireImage(im, ref);
    }
    ImageIndex index = (ImageIndex) m;
    Descriptor chosen =
        index
            .select(platform)
            .orElseThrow(
                () ->
                    new ImageException(
                        ImageException.Kind.NOT_FOUND,
                        ref
                            + ": no image for "
                            + platform
                            + " in its index; choose another with --platform"));
    if (!store.hasBlob(chosen.digest())) {
      throw new ImageException(
          ImageException.Kind.NOT_FOUND,
          ref + ": its " + platform + " image is not in the store (pull it with --platform)");
    }
    Manifest child = store.readManifest(chosen);
    if (!(child instanceof ImageManifest im)) {
      throw new ImageException(
          ImageException.Kind.OTHER,
          ref + ": nested index " + chosen.digest() + " is not supported");
    }
    return requireImage(im, ref);
  }

  private static ImageManifest requireImage(ImageManifest m, String ref) throws ImageException {
    String t = m.config().mediaType();
    if (!MediaTypes.OCI_CONFIG.equals(t) && !MediaTypes.DOCKER_CONFIG.equals(t)) {
      throw new ImageException(
          ImageException.Kind.OTHER, ref + " is not a container image (its config is " + t + ")");
    }
    return m;
  }
}
