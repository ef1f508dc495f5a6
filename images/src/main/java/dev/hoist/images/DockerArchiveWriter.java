package dev.hoist.images;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestingInputStream;
import dev.hoist.oci.ImageConfig;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.ImageReference;
import dev.hoist.oci.InvalidReferenceException;
import dev.hoist.oci.Platform;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * {@code hoist save}: local images as a docker-archive, the tar {@code docker save} writes and
 * {@code docker load} and {@code skopeo copy docker-archive:FILE ...} read.
 *
 * <pre>
 * manifest.json          [{"Config":"&lt;config hex&gt;.json","RepoTags":["ubuntu:latest"],
 *                          "Layers":["&lt;layer id&gt;/layer.tar", ...]}, ...]   one object per image
 * repositories           {"ubuntu":{"latest":"&lt;top layer id&gt;"}}          the legacy index
 * &lt;config hex&gt;.json      the image config, byte for byte (its sha256 is the image ID)
 * &lt;layer id&gt;/layer.tar    the layer, UNCOMPRESSED (gzip layers are decompressed)
 * &lt;layer id&gt;/VERSION      "1.0"
 * &lt;layer id&gt;/json         {"id": ..., "parent": ...}: the legacy v1 layer description
 * </pre>
 *
 * <p>A layer ID is the layer's chain ID (sha256 over the diff_ids up to and including it, as the
 * image-spec defines it), so a layer shared by several saved images is written once, and the same
 * diff_id at two positions of one image stays two layers. Every uncompressed layer is checked
 * against the config's {@code diff_ids}. zstd layers cannot be saved (Hoist has no zstd decoder).
 *
 * <p>A reference to a multi-platform index saves the image for {@code platform}. Several references
 * to one image give one object with several {@code RepoTags}. The file is written next to its
 * destination and renamed into place when complete.
 */
public final class DockerArchiveWriter {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BUFFER = 64 * 1024;

  private final ImageStore store;
  private final Platform platform;

  /**
   * @param platform the platform to take from multi-platform images
   */
  public DockerArchiveWriter(ImageStore store, Platform platform) {
    this.store = Objects.requireNonNull(store, "store");
    this.platform = Objects.requireNonNull(platform, "platform");
  }

  /** One image of the archive: its manifest and config, and the tags it is saved under. */
  private record Item(ImageManifest manifest, ImageConfig config, Set<ImageReference> tags) {}

  /**
   * Writes the images {@code refs} name (names, or image IDs) into a docker-archive at {@code
   * output}. Returns the familiar names of the tags written.
   *
   * @throws ImageException NOT_FOUND for an unknown image, OTHER for an image that cannot be saved
   */
  public List<String> save(List<String> refs, Path output) throws ImageException, IOException {
    Map<Digest, Item> items = items(refs);
    Path dir = output.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp = Files.createTempFile(dir, "." + output.getFileName() + ".", ".tmp");
    List<String> written;
    try {
      try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(temp), BUFFER)) {
        written = write(items, file);
      }
      try {
        Files.move(
            temp, output, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, output, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
    return written;
  }

  /**
   * Writes the archive to {@code out} (standard output, a pipe), flushed and left open. Every image
   * and its config is found before the first byte, so an unknown name writes nothing; a layer that
   * cannot be saved (zstd) is found only when its turn comes, after part of the archive.
   */
  public List<String> save(List<String> refs, OutputStream out) throws ImageException, IOException {
    Map<Digest, Item> items = items(refs);
    BufferedOutputStream buffered = new BufferedOutputStream(out, BUFFER);
    List<String> written = write(items, buffered);
    buffered.flush();
    return written;
  }

  private Map<Digest, Item> items(List<String> refs) throws ImageException, IOException {
    LocalImages local = new LocalImages(store);
    Map<Digest, Item> items = new LinkedHashMap<>();
    for (String ref : refs) {
      LocalImages.Image image = local.find(ref);
      ImageManifest manifest = ImagePicker.pick(store, image, platform, ref);
      Item item = items.get(manifest.config().digest());
      if (item == null) {
        ImageConfig config = config(manifest, ref);
        item = new Item(manifest, config, new LinkedHashSet<>());
        items.put(manifest.config().digest(), item);
      }
      tagOf(ref, image).ifPresent(item.tags()::add);
    }
    return items;
  }

  /** The archive of {@code items}, into {@code out}, which is flushed and not closed. */
  private List<String> write(Map<Digest, Item> items, OutputStream out)
      throws ImageException, IOException {
    List<String> written = new ArrayList<>();
    // not closed: closing the tar would close out, which is the caller's
    TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    tar.setAddPaxHeadersForNonAsciiNames(true);
    ArrayNode manifestJson = JSON.createArrayNode();
    ObjectNode repositories = JSON.createObjectNode();
    Set<String> layersWritten = new HashSet<>();
    for (Item item : items.values()) {
      Instant mtime = item.config().created() == null ? Instant.EPOCH : item.config().created();
      Digest configDigest = item.manifest().config().digest();
      String configName = configDigest.encoded() + ".json";
      writeFile(tar, configName, store.readBlob(configDigest), mtime);

      ObjectNode entry = manifestJson.addObject();
      entry.put("Config", configName);
      ArrayNode tags = entry.putArray("RepoTags");
      ArrayNode layerPaths = entry.putArray("Layers");
      List<Digest> diffIds = item.config().diffIds();
      List<Descriptor> layers = item.manifest().layers();
      String parent = null;
      Digest chain = null;
      for (int i = 0; i < layers.size(); i++) {
        chain = chain == null ? diffIds.get(i) : chainOf(chain, diffIds.get(i));
        String id = chain.encoded();
        if (layersWritten.add(id)) {
          writeLayer(tar, id, parent, layers.get(i), diffIds.get(i), mtime);
        }
        layerPaths.add(id + "/layer.tar");
        parent = id;
      }
      for (ImageReference t : item.tags()) {
        String familiar = t.familiar();
        tags.add(familiar);
        written.add(familiar);
        if (parent != null) {
          String name = t.familiarName();
          ObjectNode repo =
              repositories.has(name)
                  ? (ObjectNode) repositories.get(name)
                  : repositories.putObject(name);
          repo.put(t.tag().value(), parent);
        }
      }
    }
    writeFile(tar, "manifest.json", JSON.writeValueAsBytes(manifestJson), Instant.EPOCH);
    writeFile(tar, "repositories", JSON.writeValueAsBytes(repositories), Instant.EPOCH);
    tar.finish();
    tar.flush();
    return written;
  }

  private ImageConfig config(ImageManifest m, String ref) throws ImageException, IOException {
    ImageConfig config;
    try {
      config = store.readConfig(m.config().digest());
    } catch (IllegalArgumentException e) {
      throw new ImageException(
          ImageException.Kind.OTHER, ref + ": its config is invalid: " + e.getMessage(), e);
    }
    if (config.diffIds().size() != m.layers().size()) {
      throw new ImageException(
          ImageException.Kind.OTHER,
          ref
              + ": its config lists "
              + config.diffIds().size()
              + " diff_ids for "
              + m.layers().size()
              + " layers");
    }
    return config;
  }

  /** The tag a reference saves the image under: none for an image ID or a digest. */
  private static Optional<ImageReference> tagOf(String ref, LocalImages.Image image) {
    ImageReference r;
    try {
      r = ImageReference.parse(ref);
    } catch (InvalidReferenceException e) {
      return Optional.empty();
    }
    if (r.tag() == null || r.digest() != null) {
      return Optional.empty();
    }
    for (ImageStore.Entry e : image.names()) {
      if (r.equals(e.reference())) {
        return Optional.of(r);
      }
    }
    return Optional.empty(); // the argument was an image ID that happens to parse as a name
  }

  /** The image-spec's chain ID: sha256 of {@code "<parent chain> <diff_id>"}. */
  static Digest chainOf(Digest parentChain, Digest diffId) {
    return Digest.sha256((parentChain + " " + diffId).getBytes(StandardCharsets.UTF_8));
  }

  private void writeLayer(
      TarArchiveOutputStream tar,
      String id,
      String parent,
      Descriptor layer,
      Digest diffId,
      Instant mtime)
      throws IOException, ImageException {
    TarArchiveEntry dir = entry(id + "/");
    dir.setModTime(mtime.toEpochMilli());
    dir.setMode(040755);
    tar.putArchiveEntry(dir);
    tar.closeArchiveEntry();
    writeFile(tar, id + "/VERSION", "1.0".getBytes(StandardCharsets.UTF_8), mtime);
    ObjectNode v1 = JSON.createObjectNode();
    v1.put("id", id);
    if (parent != null) {
      v1.put("parent", parent);
    }
    writeFile(tar, id + "/json", JSON.writeValueAsBytes(v1), mtime);

    // The tar header needs the size first: measure, then copy, checking the diff_id both times.
    LayerStreams.Measured measured = LayerStreams.measure(store, layer);
    if (!measured.diffId().equals(diffId)) {
      throw new ImageException(
          ImageException.Kind.OTHER,
          "layer "
              + layer.digest()
              + " does not match its diff_id "
              + diffId
              + " (its content is "
              + measured.diffId()
              + ")");
    }
    TarArchiveEntry e = entry(id + "/layer.tar");
    e.setSize(measured.size());
    e.setModTime(mtime.toEpochMilli());
    e.setMode(0100644);
    tar.putArchiveEntry(e);
    try (InputStream in = LayerStreams.openUncompressed(store, layer);
        DigestingInputStream hashed = new DigestingInputStream(in)) {
      long copied = hashed.transferTo(tar);
      if (copied != measured.size() || !hashed.digest().equals(diffId)) {
        throw new IOException("layer " + layer.digest() + " changed while it was being saved");
      }
    }
    tar.closeArchiveEntry();
  }

  private static void writeFile(
      TarArchiveOutputStream tar, String name, byte[] content, Instant mtime) throws IOException {
    TarArchiveEntry e = entry(name);
    e.setSize(content.length);
    e.setModTime(mtime.toEpochMilli());
    e.setMode(0100644);
    tar.putArchiveEntry(e);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  /** An entry owned by root, without the user name of whoever runs hoist. */
  private static TarArchiveEntry entry(String name) {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setUserId(0);
    e.setGroupId(0);
    e.setUserName("");
    e.setGroupName("");
    return e;
  }
}
