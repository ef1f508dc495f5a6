package dev.hoist.images;

import dev.hoist.client.ManifestResponse;
import dev.hoist.client.RegistryException;
import dev.hoist.images.RegistryAccess.Source;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.ImageReference;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.OciException;
import dev.hoist.oci.Platform;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The first step of a pull: the manifest (or index) a reference names, from the first source that
 * serves it, and from an index the platform's manifest (or, for all platforms, every child), each
 * fetched by digest the same way. A source that fails or sends something that is not a manifest is
 * skipped, and the output says so.
 */
final class ManifestResolver {
  private final PullSources sources;
  private final Progress progress;

  ManifestResolver(PullSources sources, Progress progress) {
    this.sources = sources;
    this.progress = progress;
  }

  /** A manifest or index, and the source that served it. */
  record Fetched(Manifest manifest, Source source) {}

  /**
   * What a reference resolved to.
   *
   * @param top the manifest or index the reference names; its digest is the repo digest
   * @param images the image manifests to complete, by digest
   * @param target what to name in the store (the top manifest, the index for all platforms, or the
   *     platform's manifest), annotated with the repo digest
   */
  record Resolved(Fetched top, Map<Digest, Fetched> images, Descriptor target) {}

  /**
   * Fetches the manifest that {@code sources.reference()} names and, from an index, the image
   * manifests for {@code platform} or, with {@code allPlatforms}, every child.
   */
  Resolved resolve(Platform platform, boolean allPlatforms) throws ImageException {
    ImageReference reference = sources.reference();
    Fetched top = fetch(reference.manifestReference(), reference.digest());
    progress.println("Manifest " + top.manifest().digest() + " from " + top.source());
    Digest repoDigest = top.manifest().digest();

    Map<Digest, Fetched> children = new LinkedHashMap<>();
    Descriptor target;
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(ImageStore.REPO_DIGEST, repoDigest.toString());
    if (top.manifest() instanceof ImageIndex index) {
      if (allPlatforms) {
        for (Descriptor d : index.manifests()) {
          if (!MediaTypes.isImageManifest(d.mediaType())) {
            throw new ImageException(
                ImageException.Kind.OTHER,
                reference.familiar() + ": nested index " + d.digest() + " is not supported");
          }
          children.put(d.digest(), fetch(d.digest().toString(), d.digest()));
        }
        target = describe(index, null, annotations);
      } else {
        Descriptor chosen =
            index
                .select(platform)
                .orElseThrow(
                    () ->
                        new ImageException(
                            ImageException.Kind.NOT_FOUND,
                            "no matching manifest for "
                                + platform
                                + " in the manifest list entries of "
                                + reference.familiar()));
        Fetched child = fetch(chosen.digest().toString(), chosen.digest());
        if (!(child.manifest() instanceof ImageManifest)) {
          throw new ImageException(
              ImageException.Kind.OTHER,
              reference.familiar() + ": nested index " + chosen.digest() + " is not supported");
        }
        children.put(chosen.digest(), child);
        target = describe(child.manifest(), chosen.platform(), annotations);
      }
    } else {
      children.put(top.manifest().digest(), top);
      target = describe(top.manifest(), null, annotations);
    }
    return new Resolved(top, children, target);
  }

  /** A manifest or index from the first source that serves it. */
  private Fetched fetch(String ref, Digest expected) throws ImageException {
    ImageReference reference = sources.reference();
    List<String> failures = new ArrayList<>();
    RegistryException lastOrigin = null;
    for (Source s : sources.all()) {
      if (sources.isSkipped(s)) {
        continue;
      }
      try {
        ManifestResponse r = s.client().getManifest(sources.repository(), ref, List.of());
        Manifest m =
            expected != null
                ? Manifest.parse(r.bytes(), r.mediaType(), expected)
                : Manifest.parse(r.bytes(), r.mediaType(), r.digest());
        return new Fetched(m, s);
      } catch (RegistryException e) {
        failures.add(s + ": " + Puller.problem(e));
        if (s.mirror()) {
          if (PullSources.unreachable(e)) {
            sources.skip(s);
          }
          sources.note(null, s, Puller.problem(e));
        } else {
          lastOrigin = e;
        }
      } catch (OciException | IllegalArgumentException e) {
        failures.add(s + ": sent an unusable manifest: " + e.getMessage());
        if (s.mirror()) {
          sources.skip(s);
          sources.note(null, s, "sent an unusable manifest");
        } else {
          throw new ImageException(
              ImageException.Kind.OTHER,
              reference.familiar() + ": the registry sent an unusable manifest: " + e.getMessage(),
              e);
        }
      }
    }
    String what =
        expected == null && reference.tag() != null && ref.equals(reference.tag().value())
            ? "tag '" + ref + "'"
            : ref;
    throw sources.allFailed("manifest " + what, lastOrigin, failures);
  }

  private static Descriptor describe(
      Manifest m, Platform platform, Map<String, String> annotations) {
    return new Descriptor(
        m.mediaType(), m.digest(), m.size(), null, platform, annotations, List.of());
  }
}
