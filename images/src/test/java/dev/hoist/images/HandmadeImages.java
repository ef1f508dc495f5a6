package dev.hoist.images;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.ImageReference;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Platform;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Images built by hand for tests: layer tars entry by entry (whiteouts, links, hostile names),
 * stored directly in an {@link ImageStore} or written as an OCI layout that skopeo reads.
 */
public final class HandmadeImages {
  private static final ObjectMapper JSON = new ObjectMapper();

  private HandmadeImages() {}

  /** Builds one layer tar. */
  public static final class Layer {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

    public Layer() {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    }

    public Layer dir(String name, int mode) {
      TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", true);
      e.setMode(040000 | mode);
      return put(e, null);
    }

    public Layer file(String name, String content) {
      return file(name, content, 0644);
    }

    public Layer file(String name, String content, int mode) {
      byte[] b = content.getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry e = new TarArchiveEntry(name, true); // keep absolute names: tests need them
      e.setMode(0100000 | mode);
      e.setSize(b.length);
      return put(e, b);
    }

    public Layer symlink(String name, String target) {
      TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
      e.setLinkName(target);
      e.setMode(0120777);
      return put(e, null);
    }

    public Layer hardlink(String name, String target) {
      TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
      e.setLinkName(target);
      e.setMode(0100644);
      return put(e, null);
    }

    public Layer charDevice(String name) {
      TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_CHR, true);
      e.setMode(020666);
      e.setDevMajor(1);
      e.setDevMinor(3);
      return put(e, null);
    }

    /** An empty {@code .wh.<name>} file in the directory of {@code path}. */
    public Layer whiteout(String path) {
      int slash = path.lastIndexOf('/');
      String dir = slash < 0 ? "" : path.substring(0, slash + 1);
      return file(dir + ".wh." + path.substring(slash + 1), "");
    }

    /** The {@code .wh..wh..opq} marker of {@code dir}. */
    public Layer opaque(String dir) {
      return file((dir.isEmpty() || dir.endsWith("/") ? dir : dir + "/") + ".wh..wh..opq", "");
    }

    private Layer put(TarArchiveEntry e, byte[] content) {
      try {
        e.setModTime(1_700_000_000_000L);
        tar.putArchiveEntry(e);
        if (content != null) {
          tar.write(content);
        }
        tar.closeArchiveEntry();
        return this;
      } catch (IOException ex) {
        throw new UncheckedIOException(ex);
      }
    }

    /** The uncompressed tar. */
    public byte[] tar() {
      try {
        tar.finish();
        return bytes.toByteArray();
      } catch (IOException ex) {
        throw new UncheckedIOException(ex);
      }
    }

    public byte[] gzip() {
      return HandmadeImages.gzip(tar());
    }
  }

  public static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] gunzip(byte[] data) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(data))) {
      return in.readAllBytes();
    }
  }

  /** A layer blob as it will be stored: gzip-compressed or plain, by its first bytes. */
  private static boolean isGzip(byte[] blob) {
    return blob.length > 1 && (blob[0] & 0xff) == 0x1f && (blob[1] & 0xff) == 0x8b;
  }

  /** The blobs of an image: config, layers (as given) and manifest. */
  public record Built(
      byte[] config, List<byte[]> layers, List<String> layerTypes, byte[] manifest) {
    public Digest manifestDigest() {
      return Digest.sha256(manifest);
    }

    public Digest configDigest() {
      return Digest.sha256(config);
    }

    public Descriptor descriptor() {
      return new Descriptor(
          MediaTypes.OCI_MANIFEST,
          manifestDigest(),
          manifest.length,
          null,
          new Platform("linux", "amd64"),
          Map.of(),
          List.of());
    }
  }

  /**
   * A linux/amd64 image over {@code layers} (each gzip-compressed or a plain tar; anything else is
   * given zstd's media type). The config's diff_ids are computed.
   */
  public static Built build(List<byte[]> layers) throws IOException {
    return build(layers, null);
  }

  /** As {@link #build(List)}, but the config claims {@code diffIds} (null: the true ones). */
  public static Built build(List<byte[]> layers, List<Digest> claimedDiffIds) throws IOException {
    ObjectNode config = JSON.createObjectNode();
    config.put("architecture", "amd64");
    config.put("os", "linux");
    config.put("created", "2024-01-02T03:04:05Z");
    config.putObject("config").putArray("Cmd").add("/bin/sh");
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode diffIds = rootfs.putArray("diff_ids");
    List<String> types = new ArrayList<>();
    for (byte[] l : layers) {
      if (isGzip(l)) {
        diffIds.add(Digest.sha256(gunzip(l)).toString());
        types.add(MediaTypes.OCI_LAYER_TAR_GZIP);
      } else if (l.length > 3 && (l[0] & 0xff) == 0x28 && (l[1] & 0xff) == 0xb5) {
        diffIds.add(Digest.sha256(l).toString()); // cannot know: any digest will do
        types.add(MediaTypes.OCI_LAYER_TAR_ZSTD);
      } else {
        diffIds.add(Digest.sha256(l).toString());
        types.add(MediaTypes.OCI_LAYER_TAR);
      }
    }
    if (claimedDiffIds != null) {
      diffIds.removeAll();
      claimedDiffIds.forEach(d -> diffIds.add(d.toString()));
    }
    byte[] configBytes = JSON.writeValueAsBytes(config);
    ObjectNode m = JSON.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", MediaTypes.OCI_MANIFEST);
    ObjectNode c = m.putObject("config");
    c.put("mediaType", MediaTypes.OCI_CONFIG);
    c.put("digest", Digest.sha256(configBytes).toString());
    c.put("size", configBytes.length);
    ArrayNode ls = m.putArray("layers");
    for (int i = 0; i < layers.size(); i++) {
      ObjectNode o = ls.addObject();
      o.put("mediaType", types.get(i));
      o.put("digest", Digest.sha256(layers.get(i)).toString());
      o.put("size", layers.get(i).length);
    }
    return new Built(configBytes, List.copyOf(layers), types, JSON.writeValueAsBytes(m));
  }

  /** Stores the image in {@code store} under {@code name}; returns its manifest. */
  public static ImageManifest store(ImageStore store, String name, List<byte[]> layers)
      throws IOException {
    Built b = build(layers);
    store.writeBlob(b.config());
    for (byte[] l : layers) {
      store.writeBlob(l);
    }
    store.writeBlob(b.manifest());
    store.tag(ImageReference.parse(name), b.descriptor());
    return (ImageManifest) Manifest.parse(b.manifest(), MediaTypes.OCI_MANIFEST);
  }

  /** Writes the image as an OCI layout at {@code dir}, named {@code refName} in index.json. */
  public static Built writeLayout(Path dir, String refName, List<byte[]> layers)
      throws IOException {
    return writeLayout(dir, refName, layers, null);
  }

  /** As {@link #writeLayout(Path, String, List)}, the config claiming {@code diffIds}. */
  public static Built writeLayout(
      Path dir, String refName, List<byte[]> layers, List<Digest> claimedDiffIds)
      throws IOException {
    Built b = build(layers, claimedDiffIds);
    Path blobs = dir.resolve("blobs").resolve("sha256");
    Files.createDirectories(blobs);
    Files.write(blobs.resolve(b.configDigest().encoded()), b.config());
    for (byte[] l : layers) {
      Files.write(blobs.resolve(Digest.sha256(l).encoded()), l);
    }
    Files.write(blobs.resolve(b.manifestDigest().encoded()), b.manifest());
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaTypes.OCI_INDEX);
    ObjectNode entry = index.putArray("manifests").addObject();
    entry.put("mediaType", MediaTypes.OCI_MANIFEST);
    entry.put("digest", b.manifestDigest().toString());
    entry.put("size", b.manifest().length);
    entry.putObject("annotations").put(ImageStore.REF_NAME, refName);
    Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(index));
    return b;
  }
}
