package dev.hoist.oci;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Turns manifest bytes into an {@link ImageManifest} or {@link ImageIndex}, refusing anything a
 * client could read as a different document than Hoist does: the type comes from the {@code
 * Content-Type} and the {@code mediaType} field, which must agree, and a document shaped as both an
 * index and a manifest is refused.
 */
final class ManifestParser {
  private static final Set<String> TOP_FIELDS =
      Set.of(
          "schemaVersion",
          "mediaType",
          "config",
          "layers",
          "manifests",
          "subject",
          "artifactType",
          "annotations");
  private static final Set<String> DESCRIPTOR_FIELDS =
      Set.of(
          "mediaType", "digest", "size", "urls", "annotations", "data", "artifactType", "platform");
  private static final Set<String> PLATFORM_FIELDS =
      Set.of("architecture", "os", "os.version", "os.features", "variant", "features");

  private ManifestParser() {}

  static Manifest parse(byte[] raw, @Nullable String contentType, @Nullable Digest expected) {
    Objects.requireNonNull(raw, "raw");
    if (raw.length > Manifest.MAX_BYTES) {
      throw new ManifestTooLargeException(raw.length, Manifest.MAX_BYTES);
    }
    // Checked first: a push under the wrong digest is DIGEST_INVALID whatever the content is.
    Digest digest = Digest.of(expected == null ? Digest.SHA256 : expected.algorithm(), raw);
    if (expected != null && !digest.equals(expected)) {
      throw new ManifestDigestMismatchException(expected, digest);
    }
    try {
      return parseChecked(raw, contentType, digest);
    } catch (StrictJson.ShapeException e) {
      throw new ManifestInvalidException("invalid manifest: " + e.getMessage(), e);
    }
  }

  private static Manifest parseChecked(byte[] raw, @Nullable String contentType, Digest digest) {
    ObjectNode root = StrictJson.readObject(raw);
    StrictJson.checkKeyCase(root, "", TOP_FIELDS);

    long schemaVersion = StrictJson.requiredInteger(root, "schemaVersion", "");
    if (schemaVersion != 2) {
      throw shape("schemaVersion must be 2, got " + schemaVersion);
    }

    boolean hasManifests = root.has("manifests");
    boolean hasConfig = root.has("config");
    boolean hasLayers = root.has("layers");
    if (hasManifests && (hasConfig || hasLayers)) {
      throw shape(
          "ambiguous document: it has manifests and also "
              + (hasConfig ? "config" : "layers")
              + ", so it could be read as an index or as an image manifest");
    }

    String declared = StrictJson.string(root, "mediaType", "");
    String type = effectiveType(contentType, declared, hasManifests, hasConfig);
    boolean docker =
        type.equals(MediaTypes.DOCKER_MANIFEST) || type.equals(MediaTypes.DOCKER_MANIFEST_LIST);
    if (docker && declared == null) {
      throw shape("a Docker schema 2 manifest must carry its mediaType field (" + type + ")");
    }

    Optional<Descriptor> subject =
        Optional.ofNullable(StrictJson.object(root, "subject", ""))
            .map(s -> descriptor(s, "subject"));
    Optional<String> artifactType =
        Optional.ofNullable(StrictJson.string(root, "artifactType", ""))
            .map(t -> mediaType(t, "artifactType"));
    Map<String, String> annotations = StrictJson.stringMap(root, "annotations", "");
    ByteBuffer bytes = ByteBuffer.wrap(raw);

    if (MediaTypes.isIndex(type)) {
      if (hasConfig || hasLayers) {
        throw shape(type + " must not have config or layers");
      }
      List<Descriptor> manifests = descriptors(root, "manifests", true);
      return new ImageIndex(2, type, manifests, subject, artifactType, annotations, digest, bytes);
    }
    if (hasManifests) {
      throw shape(type + " must not have manifests");
    }
    ObjectNode configNode = StrictJson.object(root, "config", "");
    if (configNode == null) {
      throw shape("config is required in an image manifest");
    }
    Descriptor config = descriptor(configNode, "config");
    // Layers may be empty (or absent) for OCI artifacts.
    List<Descriptor> layers = descriptors(root, "layers", false);
    return new ImageManifest(
        2, type, config, layers, subject, artifactType, annotations, digest, bytes);
  }

  private static String effectiveType(
      @Nullable String contentType,
      @Nullable String declared,
      boolean hasManifests,
      boolean hasConfig) {
    String ct = MediaTypes.withoutParameters(contentType);
    if (ct != null && !isGeneric(ct)) {
      if (!MediaTypes.MANIFEST_TYPES.contains(ct)) {
        throw shape("unsupported manifest media type " + Texts.quote(contentType));
      }
      if (declared != null && !declared.equals(ct)) {
        throw shape(
            "mediaType "
                + Texts.quote(declared)
                + " does not match Content-Type "
                + Texts.quote(contentType));
      }
      return ct;
    }
    if (declared != null) {
      if (!MediaTypes.MANIFEST_TYPES.contains(declared)) {
        throw shape("unsupported manifest media type " + Texts.quote(declared));
      }
      return declared;
    }
    if (hasManifests) {
      return MediaTypes.OCI_INDEX;
    }
    if (hasConfig) {
      return MediaTypes.OCI_MANIFEST;
    }
    throw shape("cannot tell the manifest type: no mediaType, and neither config nor manifests");
  }

  /** A Content-Type that names no manifest type, so the document itself decides. */
  private static boolean isGeneric(String ct) {
    return ct.isEmpty() || ct.equals("application/json") || ct.equals("application/octet-stream");
  }

  private static List<Descriptor> descriptors(ObjectNode root, String field, boolean required) {
    List<ObjectNode> nodes = StrictJson.objects(root, field, "", required);
    List<Descriptor> out = new ArrayList<>(nodes.size());
    for (int i = 0; i < nodes.size(); i++) {
      out.add(descriptor(nodes.get(i), field + "[" + i + "]"));
    }
    return out;
  }

  static Descriptor descriptor(ObjectNode node, String path) {
    StrictJson.checkKeyCase(node, path, DESCRIPTOR_FIELDS);
    String mediaType =
        mediaType(
            StrictJson.requiredString(node, "mediaType", path), StrictJson.join(path, "mediaType"));
    String digestText = StrictJson.requiredString(node, "digest", path);
    Digest digest;
    try {
      digest = Digest.parse(digestText);
    } catch (IllegalArgumentException e) {
      throw shape(StrictJson.join(path, "digest") + ": " + e.getMessage());
    }
    long size = StrictJson.requiredInteger(node, "size", path);
    if (size < 0) {
      throw shape(StrictJson.join(path, "size") + " must not be negative, got " + size);
    }
    String artifactType = StrictJson.string(node, "artifactType", path);
    if (artifactType != null) {
      mediaType(artifactType, StrictJson.join(path, "artifactType"));
    }
    checkEmbeddedData(node, path, digest, size);
    ObjectNode platformNode = StrictJson.object(node, "platform", path);
    Platform platform =
        platformNode == null ? null : platform(platformNode, StrictJson.join(path, "platform"));
    return new Descriptor(
        mediaType,
        digest,
        size,
        artifactType,
        platform,
        StrictJson.stringMap(node, "annotations", path),
        StrictJson.strings(node, "urls", path));
  }

  /** Embedded {@code data} must be the very content the descriptor names, or it is a second one. */
  private static void checkEmbeddedData(ObjectNode node, String path, Digest digest, long size) {
    String data = StrictJson.string(node, "data", path);
    if (data == null) {
      return;
    }
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(data);
    } catch (IllegalArgumentException e) {
      throw shape(StrictJson.join(path, "data") + " is not valid base64");
    }
    if (decoded.length != size || !Digest.of(digest.algorithm(), decoded).equals(digest)) {
      throw shape(
          StrictJson.join(path, "data") + " does not match the descriptor's digest and size");
    }
  }

  private static Platform platform(ObjectNode node, String path) {
    StrictJson.checkKeyCase(node, path, PLATFORM_FIELDS);
    String os = StrictJson.requiredString(node, "os", path);
    String architecture = StrictJson.requiredString(node, "architecture", path);
    try {
      return new Platform(
          os,
          architecture,
          StrictJson.string(node, "variant", path),
          StrictJson.string(node, "os.version", path),
          StrictJson.strings(node, "os.features", path));
    } catch (IllegalArgumentException e) {
      throw shape(path + ": " + e.getMessage());
    }
  }

  private static String mediaType(String value, String path) {
    if (!MediaTypes.isValid(value)) {
      throw shape(path + " " + Texts.quote(value) + " is not a valid media type");
    }
    return value;
  }

  private static StrictJson.ShapeException shape(String message) {
    return new StrictJson.ShapeException(message);
  }

  /** An unmodifiable copy in the given order; never null. */
  static Map<String, String> copyAnnotations(@Nullable Map<String, String> annotations) {
    if (annotations == null || annotations.isEmpty()) {
      return Map.of();
    }
    Map<String, String> copy = new LinkedHashMap<>();
    annotations.forEach(
        (k, v) -> copy.put(Objects.requireNonNull(k, "key"), Objects.requireNonNull(v, "value")));
    return Collections.unmodifiableMap(copy);
  }

  /** A private read-only copy of {@code raw}, after checking that it has {@code digest}. */
  static ByteBuffer checkedCopy(ByteBuffer raw, Digest digest) {
    Objects.requireNonNull(raw, "rawBuffer");
    Objects.requireNonNull(digest, "digest");
    byte[] copy = new byte[raw.remaining()];
    raw.duplicate().get(copy);
    Digest actual = Digest.of(digest.algorithm(), copy);
    if (!actual.equals(digest)) {
      throw new IllegalArgumentException(
          "digest " + digest + " does not match the raw bytes (" + actual + ")");
    }
    return ByteBuffer.wrap(copy).asReadOnlyBuffer();
  }
}
