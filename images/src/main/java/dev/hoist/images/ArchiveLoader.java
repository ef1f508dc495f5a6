package dev.hoist.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestMismatchException;
import dev.hoist.oci.ImageConfig;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.ImageReference;
import dev.hoist.oci.InvalidReferenceException;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.ManifestInvalidException;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.OciException;
import dev.hoist.oci.Platform;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * {@code hoist load}: images from an archive into the {@link ImageStore}. Two formats, told apart
 * by what the tar holds (either may be gzip-compressed as a whole):
 *
 * <ul>
 *   <li><b>docker-archive</b> ({@code manifest.json}): what {@code docker save} and {@code skopeo
 *       copy ... docker-archive:FILE[:name:tag]} write. For each image, the config is stored as it
 *       is (its sha256 is the image ID) and each layer as it is in the archive: an uncompressed tar
 *       ({@value MediaTypes#OCI_LAYER_TAR}) must have its {@code diff_id} as digest; a gzip layer
 *       ({@value MediaTypes#OCI_LAYER_TAR_GZIP}) is decompressed once to check it. An OCI image
 *       manifest is synthesised over them (deterministically: loading the same archive twice gives
 *       the same manifest digest). Its {@code RepoTags} name it; without any, it is kept untagged.
 *   <li><b>OCI archive</b> ({@code index.json}, no {@code manifest.json}): a tar of an OCI image
 *       layout, as {@code skopeo copy ... oci-archive:FILE[:name]} writes. Every manifest, index
 *       and blob is stored as it is, verified against its digest. An entry is named by its {@code
 *       io.containerd.image.name} annotation, else by its {@value ImageStore#REF_NAME} when that is
 *       a full name ({@code example.com/app:1}, {@code app:1}); a bare tag ({@code v1}) names no
 *       repository, so that image is kept untagged, as containerd does.
 * </ul>
 *
 * <p>Everything is added under a {@link ImageStore#lease()}; a name is set only once its image is
 * complete. Symbolic and hard links inside the archive (skopeo links each {@code <id>/layer.tar} to
 * the layer file) are followed within the archive.
 */
public final class ArchiveLoader {
  /** The annotation containerd (and Docker 25+) names images in an OCI layout with. */
  public static final String CONTAINERD_NAME = "io.containerd.image.name";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_JSON = 16 << 20;
  private static final int MAX_LINK_HOPS = 16;

  private final ImageStore store;
  private final InstantSource clock;

  public ArchiveLoader(ImageStore store) {
    this(store, InstantSource.system());
  }

  public ArchiveLoader(ImageStore store, InstantSource clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * One image loaded.
   *
   * @param name the name it was stored under, or null when it was kept untagged
   * @param id its image ID (the config digest; an index's own digest)
   * @param descriptor the manifest or index stored
   */
  public record Loaded(ImageReference name, Digest id, Descriptor descriptor) {}

  /**
   * Loads an archive read from {@code in} (copied to a temporary file first: tars need seeking).
   */
  public List<Loaded> load(InputStream in) throws ImageException, IOException {
    Path temp = Files.createTempFile("hoist-load-", ".tar");
    try {
      try (OutputStream out = Files.newOutputStream(temp)) {
        in.transferTo(out);
      }
      return load(temp);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /**
   * Loads the archive at {@code file}.
   *
   * @throws ImageException USAGE when it is not a docker-archive or OCI archive, OTHER when its
   *     content is wrong (a digest mismatch, a missing blob)
   */
  @SuppressWarnings("try") // the lease is held, not used
  public List<Loaded> load(Path file) throws ImageException, IOException {
    if (!Files.isRegularFile(file)) {
      throw new ImageException(ImageException.Kind.NOT_FOUND, "no such file: " + file);
    }
    Path temp = null;
    try {
      Path tarPath = file;
      LayerStreams.Compression c;
      try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
        c = LayerStreams.Compression.sniff(in);
      }
      if (c == LayerStreams.Compression.GZIP) {
        temp = Files.createTempFile("hoist-load-", ".tar");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 64 * 1024);
            OutputStream out = Files.newOutputStream(temp)) {
          in.transferTo(out);
        }
        tarPath = temp;
      } else if (c != LayerStreams.Compression.NONE) {
        throw new ImageException(
            ImageException.Kind.USAGE,
            file
                + " is "
                + c.name().toLowerCase(java.util.Locale.ROOT)
                + "-compressed;"
                + " hoist reads plain or gzip-compressed archives");
      }
      TarFile tar;
      try {
        tar = new TarFile(tarPath);
      } catch (IOException | RuntimeException e) {
        throw new ImageException(
            ImageException.Kind.USAGE, file + " is not a tar archive: " + e.getMessage(), e);
      }
      try (TarFile t = tar;
          ImageStore.Lease lease = store.lease()) {
        Archive archive = new Archive(file, t);
        if (archive.has("manifest.json")) {
          return loadDockerArchive(archive);
        }
        if (archive.has("index.json")) {
          return loadOciArchive(archive);
        }
        throw new ImageException(
            ImageException.Kind.USAGE,
            file
                + " is neither a docker-archive (no manifest.json) nor an OCI archive (no"
                + " index.json)");
      }
    } finally {
      if (temp != null) {
        Files.deleteIfExists(temp);
      }
    }
  }

  // ---- docker-archive ----

  private List<Loaded> loadDockerArchive(Archive archive) throws ImageException, IOException {
    JsonNode items = archive.json("manifest.json");
    if (!items.isArray()) {
      throw archive.invalid("manifest.json is not a JSON array");
    }
    List<Loaded> out = new ArrayList<>();
    for (JsonNode item : items) {
      String configPath = text(item, "Config");
      if (configPath == null) {
        throw archive.invalid("an entry of manifest.json has no Config");
      }
      byte[] configBytes = archive.bytes(configPath, Manifest.MAX_BYTES);
      ImageConfig config;
      try {
        config = ImageConfig.parse(configBytes);
      } catch (IllegalArgumentException e) {
        throw archive.invalid(configPath + " is not a valid image config: " + e.getMessage());
      }
      Digest configDigest = store.writeBlob(configBytes);
      JsonNode layerPaths = item.path("Layers");
      if (!layerPaths.isArray() || layerPaths.size() != config.diffIds().size()) {
        throw archive.invalid(
            "the image "
                + configDigest
                + " lists "
                + layerPaths.size()
                + " layers but its config has "
                + config.diffIds().size()
                + " diff_ids");
      }
      List<Descriptor> layers = new ArrayList<>();
      for (int i = 0; i < layerPaths.size(); i++) {
        if (!layerPaths.get(i).isTextual()) {
          throw archive.invalid("a layer path in manifest.json is not a string");
        }
        layers.add(importLayer(archive, layerPaths.get(i).asText(), config.diffIds().get(i)));
      }
      byte[] manifestBytes = synthesiseManifest(configDigest, configBytes.length, layers);
      Manifest manifest = Manifest.parse(manifestBytes, MediaTypes.OCI_MANIFEST);
      store.writeBlob(manifest.digest(), new java.io.ByteArrayInputStream(manifestBytes));
      Map<String, String> annotations = new LinkedHashMap<>();
      annotations.put(ImageStore.TAGGED_AT, clock.instant().toString());
      Platform platform = null;
      try {
        platform = config.platform();
      } catch (IllegalArgumentException e) {
        platform = null; // an odd config: the descriptor goes without a platform
      }
      Descriptor d =
          new Descriptor(
              MediaTypes.OCI_MANIFEST,
              manifest.digest(),
              manifest.size(),
              null,
              platform,
              annotations,
              List.of());
      List<ImageReference> names = new ArrayList<>();
      for (JsonNode tag : item.path("RepoTags")) {
        if (!tag.isTextual()) {
          throw archive.invalid("a RepoTags entry is not a string");
        }
        try {
          names.add(ImageReference.parse(tag.asText()));
        } catch (InvalidReferenceException e) {
          throw archive.invalid("it names an image '" + tag.asText() + "': " + e.getMessage());
        }
      }
      out.addAll(name(d, configDigest, names));
    }
    return out;
  }

  /** Stores one layer of a docker-archive as it is; returns its descriptor. */
  private Descriptor importLayer(Archive archive, String path, Digest diffId)
      throws ImageException, IOException {
    TarArchiveEntry e = archive.file(path);
    LayerStreams.Compression c;
    try (InputStream in = new BufferedInputStream(archive.open(e))) {
      c = LayerStreams.Compression.sniff(in);
    }
    switch (c) {
      case NONE:
        try (InputStream in = archive.open(e)) {
          long size = store.writeBlob(diffId, in);
          return new Descriptor(MediaTypes.OCI_LAYER_TAR, diffId, size);
        } catch (DigestMismatchException ex) {
          throw archive.invalid(
              "layer " + path + " does not match its diff_id " + diffId + ": " + ex.getMessage());
        }
      case GZIP:
      case ZSTD:
        Digest digest;
        try (InputStream in = archive.open(e)) {
          digest = Digest.compute(Digest.SHA256, in);
        }
        long size;
        try (InputStream in = archive.open(e)) {
          size = store.writeBlob(digest, in);
        }
        String type =
            c == LayerStreams.Compression.GZIP
                ? MediaTypes.OCI_LAYER_TAR_GZIP
                : MediaTypes.OCI_LAYER_TAR_ZSTD;
        Descriptor d = new Descriptor(type, digest, size);
        if (c == LayerStreams.Compression.GZIP) {
          Digest actual = LayerStreams.measure(store, d).diffId();
          if (!actual.equals(diffId)) {
            throw archive.invalid(
                "layer "
                    + path
                    + " does not match its diff_id "
                    + diffId
                    + " (it is "
                    + actual
                    + ")");
          }
        }
        return d;
      default:
        throw LayerStreams.unsupported(archive.source + ":" + path, null, c);
    }
  }

  /** An OCI image manifest over a config and layers, as compact JSON in a fixed field order. */
  static byte[] synthesiseManifest(Digest config, long configSize, List<Descriptor> layers)
      throws IOException {
    ObjectNode m = JSON.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", MediaTypes.OCI_MANIFEST);
    ObjectNode c = m.putObject("config");
    c.put("mediaType", MediaTypes.OCI_CONFIG);
    c.put("digest", config.toString());
    c.put("size", configSize);
    ArrayNode ls = m.putArray("layers");
    for (Descriptor l : layers) {
      ObjectNode o = ls.addObject();
      o.put("mediaType", l.mediaType());
      o.put("digest", l.digest().toString());
      o.put("size", l.size());
    }
    return JSON.writeValueAsBytes(m);
  }

  // ---- OCI archive ----

  private List<Loaded> loadOciArchive(Archive archive) throws ImageException, IOException {
    byte[] raw = archive.bytes("index.json", MAX_JSON);
    Manifest parsed;
    try {
      parsed = Manifest.parse(raw, MediaTypes.OCI_INDEX);
    } catch (ManifestInvalidException | OciException | IllegalArgumentException e) {
      throw archive.invalid("index.json is not an OCI index: " + e.getMessage());
    }
    if (!(parsed instanceof ImageIndex index)) {
      throw archive.invalid("index.json is not an OCI index");
    }
    List<Loaded> out = new ArrayList<>();
    for (Descriptor d : index.manifests()) {
      if (!MediaTypes.isManifest(d.mediaType())) {
        continue; // not an image: nothing to name
      }
      Manifest top = importTree(archive, d);
      Digest id = top instanceof ImageManifest im ? im.config().digest() : top.digest();
      Map<String, String> annotations = new LinkedHashMap<>(d.annotations());
      String containerdName = annotations.remove(CONTAINERD_NAME);
      String refName = annotations.remove(ImageStore.REF_NAME);
      annotations.put(ImageStore.TAGGED_AT, clock.instant().toString());
      Descriptor stored =
          new Descriptor(
              d.mediaType(),
              d.digest(),
              d.size(),
              d.artifactType(),
              d.platform(),
              annotations,
              d.urls());
      List<ImageReference> names = new ArrayList<>();
      ImageReference name = nameOf(containerdName);
      if (name == null && refName != null && isFullName(refName)) {
        name = nameOf(refName);
      }
      if (name != null) {
        names.add(name);
      }
      out.addAll(name(stored, id, names));
    }
    return out;
  }

  /** A ref.name is a full name when it says more than a tag: a repository, maybe a registry. */
  private static boolean isFullName(String refName) {
    return refName.contains("/") || refName.contains(":") || refName.contains("@");
  }

  private static ImageReference nameOf(String text) {
    if (text == null) {
      return null;
    }
    try {
      return ImageReference.parse(text);
    } catch (InvalidReferenceException e) {
      return null;
    }
  }

  /** Stores a manifest or index and everything it needs, each verified; returns the top. */
  private Manifest importTree(Archive archive, Descriptor top) throws ImageException, IOException {
    Manifest topManifest = null;
    Deque<Descriptor> todo = new ArrayDeque<>();
    Set<Digest> seen = new HashSet<>();
    todo.add(top);
    while (!todo.isEmpty()) {
      Descriptor d = todo.poll();
      if (!seen.add(d.digest())) {
        continue;
      }
      String path = "blobs/" + d.digest().algorithm() + "/" + d.digest().encoded();
      if (MediaTypes.isManifest(d.mediaType())) {
        byte[] bytes =
            archive.has(path)
                ? archive.bytes(path, Manifest.MAX_BYTES)
                : storedOrMissing(archive, d);
        Manifest m;
        try {
          m = Manifest.parse(bytes, d.mediaType(), d.digest());
        } catch (ManifestInvalidException | OciException | IllegalArgumentException e) {
          throw archive.invalid("manifest " + d.digest() + " is unusable: " + e.getMessage());
        }
        store.writeBlob(d.digest(), new java.io.ByteArrayInputStream(bytes));
        todo.addAll(m.references());
        if (topManifest == null) {
          topManifest = m;
        }
      } else if (!store.hasBlob(d.digest())) {
        if (!archive.has(path)) {
          throw archive.invalid("it lacks blob " + d.digest());
        }
        try (InputStream in = archive.open(archive.file(path))) {
          store.writeBlob(d.digest(), in);
        } catch (DigestMismatchException e) {
          throw archive.invalid(path + " does not match its digest: " + e.getMessage());
        }
      }
    }
    return topManifest;
  }

  private byte[] storedOrMissing(Archive archive, Descriptor d) throws ImageException, IOException {
    if (store.hasBlob(d.digest())) {
      return store.readBlob(d.digest());
    }
    throw archive.invalid("it lacks manifest " + d.digest());
  }

  // ---- naming ----

  private List<Loaded> name(Descriptor d, Digest id, List<ImageReference> names)
      throws IOException {
    List<Loaded> out = new ArrayList<>();
    if (names.isEmpty()) {
      store.addUnnamed(d);
      out.add(new Loaded(null, id, d));
      return out;
    }
    for (ImageReference r : names) {
      store.tag(r, d);
      out.add(new Loaded(r, id, d));
    }
    return out;
  }

  private static String text(JsonNode node, String field) {
    JsonNode n = node.get(field);
    return n != null && n.isTextual() ? n.asText() : null;
  }

  /** The archive's entries by normalised path, links followed within it. */
  private static final class Archive {
    private final Path source;
    private final TarFile tar;
    private final Map<String, TarArchiveEntry> entries = new HashMap<>();

    Archive(Path file, TarFile tar) {
      this.source = file;
      this.tar = tar;
      for (TarArchiveEntry e : tar.getEntries()) {
        String name = normalize(e.getName());
        if (name != null) {
          entries.put(name, e);
        }
      }
    }

    boolean has(String path) {
      String n = normalize(path);
      return n != null && entries.containsKey(n);
    }

    /** The regular file at {@code path}, following links. */
    TarArchiveEntry file(String path) throws ImageException {
      String current = normalize(path);
      for (int hop = 0; hop <= MAX_LINK_HOPS && current != null; hop++) {
        TarArchiveEntry e = entries.get(current);
        if (e == null) {
          throw invalid("it lacks " + path);
        }
        if (e.isSymbolicLink()) {
          String target = e.getLinkName();
          int slash = current.lastIndexOf('/');
          String dir = slash < 0 ? "" : current.substring(0, slash + 1);
          current = normalize(target.startsWith("/") ? target : dir + target);
          continue;
        }
        if (e.isLink()) {
          current = normalize(e.getLinkName());
          continue;
        }
        if (e.isFile()) {
          return e;
        }
        throw invalid(path + " is not a regular file");
      }
      throw invalid(path + " is a link that leads nowhere in the archive");
    }

    InputStream open(TarArchiveEntry e) throws IOException {
      return tar.getInputStream(e);
    }

    byte[] bytes(String path, int limit) throws ImageException, IOException {
      TarArchiveEntry e = file(path);
      if (e.getSize() > limit) {
        throw invalid(path + " is too large (" + e.getSize() + " bytes)");
      }
      try (InputStream in = open(e)) {
        return in.readAllBytes();
      }
    }

    JsonNode json(String path) throws ImageException, IOException {
      try {
        return JSON.readTree(bytes(path, MAX_JSON));
      } catch (com.fasterxml.jackson.core.JacksonException e) {
        throw invalid(path + " is not valid JSON: " + e.getOriginalMessage());
      }
    }

    ImageException invalid(String what) {
      return new ImageException(
          ImageException.Kind.OTHER, "invalid archive " + source + ": " + what);
    }

    /** {@code ./a/b/} as {@code a/b}; {@code ..} resolved; null when it climbs out. */
    static String normalize(String name) {
      Deque<String> parts = new ArrayDeque<>();
      for (String p : name.split("/")) {
        if (p.isEmpty() || p.equals(".")) {
          continue;
        }
        if (p.equals("..")) {
          if (parts.isEmpty()) {
            return null;
          }
          parts.removeLast();
          continue;
        }
        parts.addLast(p);
      }
      return parts.isEmpty() ? null : String.join("/", parts);
    }
  }
}
