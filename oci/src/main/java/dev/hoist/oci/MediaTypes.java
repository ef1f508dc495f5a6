package dev.hoist.oci;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** The media types Hoist recognises, and helpers to classify them. */
public final class MediaTypes {
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";

  /**
   * The empty descriptor's type: a two-byte {@code {}} blob used as the config of artifacts that
   * have none.
   */
  public static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";

  public static final String OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
  public static final String OCI_LAYER_TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  public static final String OCI_LAYER_TAR_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";

  // Deprecated by the image-spec but still found in Windows images.
  public static final String OCI_LAYER_NONDISTRIBUTABLE_TAR =
      "application/vnd.oci.image.layer.nondistributable.v1.tar";
  public static final String OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP =
      "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
  public static final String OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD =
      "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

  public static final String DOCKER_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_MANIFEST_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  public static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";

  /** A layer fetched from its descriptor's URLs rather than the registry (Windows base layers). */
  public static final String DOCKER_FOREIGN_LAYER =
      "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

  /**
   * The manifest and index types Hoist parses, OCI first, in the order to offer them in an {@code
   * Accept} header.
   */
  public static final List<String> MANIFEST_TYPES =
      List.of(OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST);

  // RFC 6838 restricted-name for type and subtype; also keeps header-breaking text out.
  private static final String RESTRICTED_NAME = "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}";
  private static final Pattern MEDIA_TYPE =
      Pattern.compile(RESTRICTED_NAME + "/" + RESTRICTED_NAME);

  private MediaTypes() {}

  /**
   * Whether {@code mediaType} is any of the {@link #MANIFEST_TYPES} (an image manifest or an
   * index). Parameters and case are ignored.
   */
  public static boolean isManifest(@Nullable String mediaType) {
    return isImageManifest(mediaType) || isIndex(mediaType);
  }

  /** Whether {@code mediaType} is an OCI image manifest or a Docker schema 2 manifest. */
  public static boolean isImageManifest(@Nullable String mediaType) {
    String t = withoutParameters(mediaType);
    return OCI_MANIFEST.equals(t) || DOCKER_MANIFEST.equals(t);
  }

  /** Whether {@code mediaType} is an OCI index or a Docker manifest list. */
  public static boolean isIndex(@Nullable String mediaType) {
    String t = withoutParameters(mediaType);
    return OCI_INDEX.equals(t) || DOCKER_MANIFEST_LIST.equals(t);
  }

  /**
   * The type without parameters, trimmed and lowercased ({@code "Application/JSON; charset=utf-8"}
   * gives {@code "application/json"}); null stays null.
   */
  public static @Nullable String withoutParameters(@Nullable String mediaType) {
    if (mediaType == null) {
      return null;
    }
    int semi = mediaType.indexOf(';');
    String t = semi < 0 ? mediaType : mediaType.substring(0, semi);
    return t.strip().toLowerCase(Locale.ROOT);
  }

  /** Whether {@code mediaType} is a {@code type/subtype} per RFC 6838, without parameters. */
  public static boolean isValid(@Nullable String mediaType) {
    return mediaType != null && MEDIA_TYPE.matcher(mediaType).matches();
  }
}
