package dev.hoist.oci;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An OCI image manifest or a Docker schema 2 manifest: a config and layers. Also the shape of OCI
 * artifacts (a signature, an SBOM), which set {@code artifactType} and often an empty config.
 *
 * @param mediaType the effective type, {@link MediaTypes#OCI_MANIFEST} or {@link
 *     MediaTypes#DOCKER_MANIFEST}
 * @param declaredArtifactType the document's own {@code artifactType} field; see {@link
 *     #artifactType()} for the value the referrers API reports
 * @param rawBuffer the exact bytes; the accessor returns a fresh read-only view
 */
public record ImageManifest(
    int schemaVersion,
    String mediaType,
    Descriptor config,
    List<Descriptor> layers,
    Optional<Descriptor> subject,
    Optional<String> declaredArtifactType,
    Map<String, String> annotations,
    Digest digest,
    ByteBuffer rawBuffer)
    implements Manifest {

  public ImageManifest {
    if (schemaVersion != 2) {
      throw new IllegalArgumentException("schemaVersion must be 2");
    }
    if (!MediaTypes.OCI_MANIFEST.equals(mediaType)
        && !MediaTypes.DOCKER_MANIFEST.equals(mediaType)) {
      throw new IllegalArgumentException(
          "not an image manifest media type: " + Texts.quote(mediaType));
    }
    Objects.requireNonNull(config, "config");
    layers = List.copyOf(layers);
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(declaredArtifactType, "declaredArtifactType");
    annotations = ManifestParser.copyAnnotations(annotations);
    rawBuffer = ManifestParser.checkedCopy(rawBuffer, digest);
  }

  @Override
  public ByteBuffer rawBuffer() {
    return rawBuffer.duplicate();
  }

  /** The config followed by the layers. */
  @Override
  public List<Descriptor> references() {
    List<Descriptor> refs = new ArrayList<>(layers.size() + 1);
    refs.add(config);
    refs.addAll(layers);
    return List.copyOf(refs);
  }

  /** The declared {@code artifactType}, else the config's media type, as the referrers API says. */
  @Override
  public Optional<String> artifactType() {
    return declaredArtifactType.or(() -> Optional.of(config.mediaType()));
  }

  @Override
  public String toString() {
    return "ImageManifest[" + mediaType + " " + digest + ", " + size() + " bytes]";
  }
}
