package dev.hoist.oci;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An image configuration (OCI {@code application/vnd.oci.image.config.v1+json} or Docker {@code
 * application/vnd.docker.container.image.v1+json}): the platform, the defaults a container starts
 * with, and the uncompressed layer digests. Fields Hoist does not use are left in the raw bytes.
 *
 * @param variant null when absent
 * @param osVersion null when absent
 * @param created null when absent
 * @param author null when absent
 * @param diffIds the uncompressed layer digests, {@code rootfs.diff_ids}
 * @param rawBuffer the exact bytes; the accessor returns a fresh read-only view
 */
public record ImageConfig(
    String architecture,
    String os,
    @Nullable String variant,
    @Nullable String osVersion,
    List<String> osFeatures,
    @Nullable Instant created,
    @Nullable String author,
    Config config,
    List<Digest> diffIds,
    List<History> history,
    ByteBuffer rawBuffer) {

  public ImageConfig {
    Objects.requireNonNull(architecture, "architecture");
    Objects.requireNonNull(os, "os");
    osFeatures = List.copyOf(osFeatures);
    Objects.requireNonNull(config, "config");
    diffIds = List.copyOf(diffIds);
    history = List.copyOf(history);
    byte[] copy = new byte[rawBuffer.remaining()];
    rawBuffer.duplicate().get(copy);
    rawBuffer = ByteBuffer.wrap(copy).asReadOnlyBuffer();
  }

  /**
   * The defaults for a container (the config's {@code config} object). Lists, labels and ports are
   * empty when absent; {@code workingDir} and {@code user} are null when absent.
   *
   * @param exposedPorts the keys of {@code ExposedPorts}, such as {@code 80/tcp}
   */
  public record Config(
      List<String> env,
      List<String> cmd,
      List<String> entrypoint,
      @Nullable String workingDir,
      @Nullable String user,
      Map<String, String> labels,
      Set<String> exposedPorts) {
    public static final Config EMPTY =
        new Config(List.of(), List.of(), List.of(), null, null, Map.of(), Set.of());

    public Config {
      env = List.copyOf(env);
      cmd = List.copyOf(cmd);
      entrypoint = List.copyOf(entrypoint);
      labels = ManifestParser.copyAnnotations(labels);
      exposedPorts = Collections.unmodifiableSet(new LinkedHashSet<>(exposedPorts));
    }
  }

  /**
   * One step of the build; {@code emptyLayer} steps (ENV, CMD) add no layer. The texts and the time
   * are null when absent.
   */
  public record History(
      @Nullable Instant created,
      @Nullable String createdBy,
      @Nullable String author,
      @Nullable String comment,
      boolean emptyLayer) {}

  /**
   * Parses a config blob.
   *
   * @throws IllegalArgumentException with a message saying what is wrong
   */
  public static ImageConfig parse(byte[] raw) {
    Objects.requireNonNull(raw, "raw");
    try {
      return parseChecked(raw);
    } catch (StrictJson.ShapeException e) {
      throw new IllegalArgumentException("invalid image config: " + e.getMessage(), e);
    }
  }

  private static ImageConfig parseChecked(byte[] raw) {
    ObjectNode root = StrictJson.readObject(raw);
    ObjectNode c = StrictJson.object(root, "config", "");
    Config config =
        c == null
            ? Config.EMPTY
            : new Config(
                StrictJson.strings(c, "Env", "config"),
                StrictJson.strings(c, "Cmd", "config"),
                StrictJson.strings(c, "Entrypoint", "config"),
                StrictJson.string(c, "WorkingDir", "config"),
                StrictJson.string(c, "User", "config"),
                StrictJson.stringMap(c, "Labels", "config"),
                keys(StrictJson.object(c, "ExposedPorts", "config")));

    List<Digest> diffIds = new ArrayList<>();
    ObjectNode rootfs = StrictJson.object(root, "rootfs", "");
    if (rootfs != null) {
      List<String> ids = StrictJson.strings(rootfs, "diff_ids", "rootfs");
      for (int i = 0; i < ids.size(); i++) {
        try {
          diffIds.add(Digest.parse(ids.get(i)));
        } catch (IllegalArgumentException e) {
          throw new StrictJson.ShapeException("rootfs.diff_ids[" + i + "]: " + e.getMessage());
        }
      }
    }

    List<History> history = new ArrayList<>();
    List<ObjectNode> steps = StrictJson.objects(root, "history", "", false);
    for (int i = 0; i < steps.size(); i++) {
      ObjectNode h = steps.get(i);
      String path = "history[" + i + "]";
      history.add(
          new History(
              time(StrictJson.string(h, "created", path), path + ".created"),
              StrictJson.string(h, "created_by", path),
              StrictJson.string(h, "author", path),
              StrictJson.string(h, "comment", path),
              StrictJson.bool(h, "empty_layer", path)));
    }

    return new ImageConfig(
        StrictJson.requiredString(root, "architecture", ""),
        StrictJson.requiredString(root, "os", ""),
        StrictJson.string(root, "variant", ""),
        StrictJson.string(root, "os.version", ""),
        StrictJson.strings(root, "os.features", ""),
        time(StrictJson.string(root, "created", ""), "created"),
        StrictJson.string(root, "author", ""),
        config,
        diffIds,
        history,
        ByteBuffer.wrap(raw));
  }

  /** The platform this image was built for. */
  public Platform platform() {
    return new Platform(os, architecture, variant, osVersion, osFeatures);
  }

  @Override
  public ByteBuffer rawBuffer() {
    return rawBuffer.duplicate();
  }

  /** A copy of the exact bytes. */
  public byte[] raw() {
    byte[] out = new byte[rawBuffer.remaining()];
    rawBuffer.duplicate().get(out);
    return out;
  }

  @Override
  public String toString() {
    return "ImageConfig[" + platform() + ", " + diffIds.size() + " layers]";
  }

  private static Set<String> keys(@Nullable ObjectNode node) {
    if (node == null) {
      return Set.of();
    }
    Set<String> out = new LinkedHashSet<>();
    node.properties().forEach(e -> out.add(e.getKey()));
    return out;
  }

  // RFC 3339, as Go writes it: "2024-05-01T10:00:00.123456789Z" or with an offset.
  private static @Nullable Instant time(@Nullable String text, String path) {
    if (text == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      throw new StrictJson.ShapeException(path + " is not an RFC 3339 time: " + Texts.quote(text));
    }
  }
}
