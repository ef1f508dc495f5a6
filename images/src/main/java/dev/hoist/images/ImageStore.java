package dev.hoist.images;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageConfig;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageReference;
import dev.hoist.oci.InvalidReferenceException;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The local image store: a content-addressable OCI image layout that {@code hoist pull} fills and
 * the other image commands read. See the package documentation for the layout, the naming of
 * references and the concurrency rules.
 *
 * <p>Thread-safe, and safe with other processes using the same root.
 */
public final class ImageStore {
  /** The annotation an OCI layout's {@code index.json} names an entry with. */
  public static final String REF_NAME = "org.opencontainers.image.ref.name";

  /**
   * The digest the registry resolved the reference to when the image was pulled (an index's digest
   * when a single platform was taken from it): Docker's "repo digest", shown by {@code images
   * --digests} and {@code inspect}'s {@code RepoDigests}.
   */
  public static final String REPO_DIGEST = "dev.hoist.image.repo-digest";

  /**
   * The image's uncompressed size in bytes (the sum of its layers' uncompressed tar sizes), as
   * {@code pull} measured it; {@code images} and {@code inspect} measure it when it is absent.
   */
  public static final String UNCOMPRESSED_SIZE = "dev.hoist.image.uncompressed-size";

  /** When the entry was tagged (RFC 3339), informational. */
  public static final String TAGGED_AT = "dev.hoist.image.tagged-at";

  static final String OCI_LAYOUT = "{\"imageLayoutVersion\":\"1.0.0\"}";
  private static final int MAX_METADATA_BYTES = Manifest.MAX_BYTES;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path root;
  private final Path blobs;
  private final Path ingest;
  private final Path indexFile;
  private final LockFile indexLock;
  private final LockFile gcLock;

  private ImageStore(Path root) {
    this.root = root;
    this.blobs = root.resolve("blobs");
    this.ingest = root.resolve("ingest");
    this.indexFile = root.resolve("index.json");
    this.indexLock = LockFile.of(root.resolve("index.lock"));
    this.gcLock = LockFile.of(root.resolve("gc.lock"));
  }

  /** One entry of {@code index.json}. */
  public record Entry(String name, ImageReference reference, Descriptor descriptor) {
    /**
     * @param name the {@value ImageStore#REF_NAME} annotation as written, or null
     * @param reference that name parsed and normalised, or null when absent or not a reference
     *     (such an entry is an untagged, "dangling" image: {@code <none>})
     * @param descriptor the manifest or index, with its annotations
     */
    public Entry {
      Objects.requireNonNull(descriptor, "descriptor");
    }

    /** The repo digest annotation, when the entry has one. */
    public Optional<Digest> repoDigest() {
      String d = descriptor.annotations().get(REPO_DIGEST);
      try {
        return d == null ? Optional.empty() : Optional.of(Digest.parse(d));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
  }

  /** What {@link #removeUnreferenced()} deleted. */
  public record GcResult(List<Digest> removed, long bytesFreed) {
    public GcResult {
      removed = List.copyOf(removed);
    }
  }

  /** Holds off garbage collection while content is being added; see {@link #lease()}. */
  public interface Lease extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * The store's default root: {@code $HOIST_ROOT}, else {@code $XDG_DATA_HOME/hoist}, else {@code
   * <home>/.local/share/hoist}.
   */
  public static Path defaultRoot(Map<String, String> env, Path home) {
    String explicit = env.get("HOIST_ROOT");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String xdg = env.get("XDG_DATA_HOME");
    if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
      return Path.of(xdg, "hoist");
    }
    return home.resolve(".local").resolve("share").resolve("hoist");
  }

  /**
   * Opens the store at {@code root}, creating the layout ({@code oci-layout}, an empty {@code
   * index.json}, {@code blobs/sha256}) when it is not there yet.
   */
  public static ImageStore open(Path root) throws IOException {
    Path r = root.toAbsolutePath().normalize();
    ImageStore store = new ImageStore(r);
    store.init();
    return store;
  }

  @SuppressWarnings("try") // the locks are held, not used
  private void init() throws IOException {
    Files.createDirectories(blobs.resolve(Digest.SHA256));
    Files.createDirectories(ingest);
    if (!Files.exists(root.resolve("oci-layout")) || !Files.exists(indexFile)) {
      try (LockFile.Held held = indexLock.exclusive()) {
        if (!Files.exists(root.resolve("oci-layout"))) {
          writeAtomically(root.resolve("oci-layout"), OCI_LAYOUT.getBytes(StandardCharsets.UTF_8));
        }
        if (!Files.exists(indexFile)) {
          writeIndex(List.of());
        }
      }
    }
  }

  public Path root() {
    return root;
  }

  // ---- blobs ----

  /** Where the blob lives (or would live): {@code blobs/<algorithm>/<encoded>}. */
  public Path blobPath(Digest digest) {
    return blobs.resolve(digest.algorithm()).resolve(digest.encoded());
  }

  public boolean hasBlob(Digest digest) {
    return Files.isRegularFile(blobPath(digest));
  }

  /** The blob's size in bytes. @throws NoSuchFileException when it is absent */
  public long blobSize(Digest digest) throws IOException {
    return Files.size(blobPath(digest));
  }

  /** The blob's bytes, as stored (verified when they were written). */
  public InputStream openBlob(Digest digest) throws IOException {
    return Files.newInputStream(blobPath(digest));
  }

  /** A small blob (manifest, config) in memory; at most 4 MiB. */
  public byte[] readBlob(Digest digest) throws IOException {
    Path p = blobPath(digest);
    long size = Files.size(p);
    if (size > MAX_METADATA_BYTES) {
      throw new IOException(digest + " is too large to read into memory (" + size + " bytes)");
    }
    return Files.readAllBytes(p);
  }

  /**
   * Adds a blob from {@code content} (read to its end, not closed), verifying it: nothing is stored
   * unless the bytes have {@code digest}. Returns the blob's size. When the blob is already here,
   * {@code content} is not read.
   *
   * @throws dev.hoist.oci.DigestMismatchException when the content is not {@code digest}
   */
  public long writeBlob(Digest digest, InputStream content) throws IOException {
    if (hasBlob(digest)) {
      return blobSize(digest);
    }
    try (BlobWriter w = newBlobWriter(digest, -1)) {
      w.transferFrom(content, null);
      long size = w.size();
      w.commit();
      return size;
    }
  }

  /** Adds a small blob held in memory; returns its sha256 digest. */
  public Digest writeBlob(byte[] content) throws IOException {
    Digest d = Digest.sha256(content);
    writeBlob(d, new java.io.ByteArrayInputStream(content));
    return d;
  }

  /**
   * A resumable, verifying writer for one blob; see {@link BlobWriter}. {@code expectedSize} is -1
   * when unknown.
   */
  public BlobWriter newBlobWriter(Digest digest, long expectedSize) throws IOException {
    Files.createDirectories(ingest);
    Path temp = ingest.resolve(digest.encoded() + "." + UUID.randomUUID());
    return new BlobWriter(this, digest, expectedSize, temp);
  }

  /** Moves a verified, synced temporary file into place. */
  void install(Path temp, Digest digest) throws IOException {
    Path target = blobPath(digest);
    Files.createDirectories(target.getParent());
    moveAtomically(temp, target);
    syncDirectory(target.getParent());
  }

  // ---- manifests and configs ----

  /** Parses the stored manifest or index that {@code descriptor} names, checking its digest. */
  public Manifest readManifest(Descriptor descriptor) throws IOException {
    return Manifest.parse(
        readBlob(descriptor.digest()), descriptor.mediaType(), descriptor.digest());
  }

  /** Parses a stored image config. */
  public ImageConfig readConfig(Digest digest) throws IOException {
    return ImageConfig.parse(readBlob(digest));
  }

  /**
   * Every blob {@code descriptor} needs, itself included: for an image manifest its config and
   * layers; for an index its child manifests and theirs. Children that are not stored are listed
   * but not descended into.
   */
  public Set<Digest> closure(Descriptor descriptor) throws IOException {
    Set<Digest> out = new LinkedHashSet<>();
    Deque<Descriptor> todo = new ArrayDeque<>();
    todo.add(descriptor);
    while (!todo.isEmpty()) {
      Descriptor d = todo.poll();
      if (!out.add(d.digest())) {
        continue;
      }
      if (MediaTypes.isManifest(d.mediaType()) && hasBlob(d.digest())) {
        Manifest m = readManifest(d);
        todo.addAll(m.references());
      }
    }
    return out;
  }

  /** The blobs {@code descriptor} needs that are not stored (empty: the image is complete). */
  public List<Digest> missing(Descriptor descriptor) throws IOException {
    List<Digest> out = new ArrayList<>();
    for (Digest d : closure(descriptor)) {
      if (!hasBlob(d)) {
        out.add(d);
      }
    }
    return out;
  }

  // ---- references ----

  /**
   * Holds off {@link #removeUnreferenced()} (in every process) until closed. Take one before adding
   * blobs for an image and keep it until the image is tagged, so a concurrent {@code rmi} cannot
   * delete blobs that are about to be referenced. Do not call {@link #removeUnreferenced()} from a
   * thread holding a lease.
   */
  public Lease lease() throws IOException {
    LockFile.Held held = gcLock.shared();
    return held::close;
  }

  /** Every entry of {@code index.json}, in order. */
  public List<Entry> list() throws IOException {
    return readIndex();
  }

  /**
   * Names {@code target} {@code reference} (which must have a tag or a digest), replacing what that
   * name pointed at before. When the previous target is then named by no entry, it stays as an
   * unnamed entry (a dangling {@code <none>} image, as Docker keeps one) until removed. Annotations
   * of {@code target} are kept; {@value #REF_NAME} is set to {@link ImageReference#canonical()}.
   *
   * @throws IOException (a {@link NoSuchFileException}) when the image is not completely stored
   */
  @SuppressWarnings("try") // the locks are held, not used
  public void tag(ImageReference reference, Descriptor target) throws IOException {
    if (reference.tag() == null && reference.digest() == null) {
      throw new IllegalArgumentException("a stored name needs a tag or digest: " + reference);
    }
    if (!MediaTypes.isManifest(target.mediaType())) {
      throw new IllegalArgumentException("not a manifest or index: " + target.mediaType());
    }
    Map<String, String> annotations = new LinkedHashMap<>(target.annotations());
    annotations.put(REF_NAME, reference.canonical());
    Descriptor named =
        new Descriptor(
            target.mediaType(),
            target.digest(),
            target.size(),
            target.artifactType(),
            target.platform(),
            annotations,
            target.urls());
    try (LockFile.Held gc = gcLock.shared();
        LockFile.Held idx = indexLock.exclusive()) {
      List<Digest> missing = missing(target);
      if (!missing.isEmpty()) {
        throw new NoSuchFileException(
            "cannot tag "
                + reference.familiar()
                + ": the store lacks "
                + missing.size()
                + " of its blobs, e.g. "
                + missing.get(0));
      }
      List<Entry> entries = new ArrayList<>(readIndex());
      Descriptor previous = null;
      for (int i = entries.size() - 1; i >= 0; i--) {
        Entry e = entries.get(i);
        boolean sameName = reference.equals(e.reference());
        boolean danglingSameImage =
            e.name() == null && e.descriptor().digest().equals(target.digest());
        if (sameName || danglingSameImage) {
          if (sameName) {
            previous = e.descriptor();
          }
          entries.remove(i);
        }
      }
      entries.add(new Entry(reference.canonical(), reference, named));
      if (previous != null && !previous.digest().equals(target.digest())) {
        Digest old = previous.digest();
        boolean stillNamed = entries.stream().anyMatch(e -> e.descriptor().digest().equals(old));
        if (!stillNamed) {
          Map<String, String> a = new LinkedHashMap<>(previous.annotations());
          a.remove(REF_NAME);
          entries.add(
              new Entry(
                  null,
                  null,
                  new Descriptor(
                      previous.mediaType(),
                      previous.digest(),
                      previous.size(),
                      previous.artifactType(),
                      previous.platform(),
                      a,
                      previous.urls())));
        }
      }
      writeIndex(entries);
    }
  }

  /**
   * Keeps {@code target} as an unnamed entry (an untagged {@code <none>} image, as {@code docker
   * load} keeps an image that comes without a name) unless an entry already refers to it. Its
   * {@value #REF_NAME} annotation, if any, is dropped.
   *
   * @throws IOException (a {@link NoSuchFileException}) when the image is not completely stored
   */
  @SuppressWarnings("try") // the locks are held, not used
  public void addUnnamed(Descriptor target) throws IOException {
    if (!MediaTypes.isManifest(target.mediaType())) {
      throw new IllegalArgumentException("not a manifest or index: " + target.mediaType());
    }
    Map<String, String> annotations = new LinkedHashMap<>(target.annotations());
    annotations.remove(REF_NAME);
    Descriptor unnamed =
        new Descriptor(
            target.mediaType(),
            target.digest(),
            target.size(),
            target.artifactType(),
            target.platform(),
            annotations,
            target.urls());
    try (LockFile.Held gc = gcLock.shared();
        LockFile.Held idx = indexLock.exclusive()) {
      List<Digest> missing = missing(target);
      if (!missing.isEmpty()) {
        throw new NoSuchFileException(
            "cannot keep image "
                + target.digest()
                + ": the store lacks "
                + missing.size()
                + " of its blobs, e.g. "
                + missing.get(0));
      }
      List<Entry> entries = new ArrayList<>(readIndex());
      if (entries.stream().anyMatch(e -> e.descriptor().digest().equals(target.digest()))) {
        return;
      }
      entries.add(new Entry(null, null, unnamed));
      writeIndex(entries);
    }
  }

  /**
   * The entry {@code reference} names: an entry with the same normalised name; else, for a
   * reference by digest only, an entry of the same repository whose manifest or repo digest is that
   * digest.
   */
  public Optional<Entry> resolve(ImageReference reference) throws IOException {
    List<Entry> entries = readIndex();
    for (Entry e : entries) {
      if (reference.equals(e.reference())) {
        return Optional.of(e);
      }
    }
    if (reference.digest() != null && reference.tag() == null) {
      for (Entry e : entries) {
        ImageReference r = e.reference();
        if (r != null
            && r.registry().equals(reference.registry())
            && r.repository().equals(reference.repository())
            && (e.descriptor().digest().equals(reference.digest())
                || e.repoDigest().map(reference.digest()::equals).orElse(false))) {
          return Optional.of(e);
        }
      }
    }
    return Optional.empty();
  }

  /** Removes the entry with this name; returns it, or empty when there was none. */
  @SuppressWarnings("try") // the locks are held, not used
  public Optional<Entry> untag(ImageReference reference) throws IOException {
    try (LockFile.Held idx = indexLock.exclusive()) {
      List<Entry> entries = new ArrayList<>(readIndex());
      for (int i = 0; i < entries.size(); i++) {
        if (reference.equals(entries.get(i).reference())) {
          Entry removed = entries.remove(i);
          writeIndex(entries);
          return Optional.of(removed);
        }
      }
      return Optional.empty();
    }
  }

  /** Removes every entry (named or not) whose manifest or index is {@code digest}. */
  @SuppressWarnings("try") // the locks are held, not used
  public List<Entry> remove(Digest digest) throws IOException {
    try (LockFile.Held idx = indexLock.exclusive()) {
      List<Entry> entries = new ArrayList<>(readIndex());
      List<Entry> removed = new ArrayList<>();
      entries.removeIf(
          e -> {
            boolean hit = e.descriptor().digest().equals(digest);
            if (hit) {
              removed.add(e);
            }
            return hit;
          });
      if (!removed.isEmpty()) {
        writeIndex(entries);
      }
      return removed;
    }
  }

  /**
   * Deletes every blob no entry reaches (mark from {@code index.json}, sweep {@code blobs/}), and
   * abandoned temporary files. Waits until no process holds a {@link #lease()}. Manifests and
   * configs come first in the result, then layers.
   */
  @SuppressWarnings("try") // the locks are held, not used
  public GcResult removeUnreferenced() throws IOException {
    try (LockFile.Held gc = gcLock.exclusive()) {
      Set<Digest> live = new LinkedHashSet<>();
      for (Entry e : readIndex()) {
        live.addAll(closure(e.descriptor()));
      }
      List<Digest> metadata = new ArrayList<>();
      List<Digest> layers = new ArrayList<>();
      long freed = 0;
      try (DirectoryStream<Path> algorithms = Files.newDirectoryStream(blobs)) {
        for (Path alg : algorithms) {
          if (!Files.isDirectory(alg)
              || !Digest.isSupportedAlgorithm(alg.getFileName().toString())) {
            continue;
          }
          try (DirectoryStream<Path> files = Files.newDirectoryStream(alg)) {
            for (Path f : files) {
              Digest d;
              try {
                d = new Digest(alg.getFileName().toString(), f.getFileName().toString());
              } catch (IllegalArgumentException e) {
                continue; // not ours
              }
              if (live.contains(d)) {
                continue;
              }
              long size = Files.size(f);
              boolean small = size <= MAX_METADATA_BYTES && looksLikeJson(f);
              Files.deleteIfExists(f);
              freed += size;
              (small ? metadata : layers).add(d);
            }
          }
        }
      }
      if (Files.isDirectory(ingest)) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(ingest)) {
          for (Path f : files) {
            Files.deleteIfExists(f); // no lease is held: nobody is writing
          }
        }
      }
      List<Digest> removed = new ArrayList<>(metadata);
      removed.addAll(layers);
      return new GcResult(removed, freed);
    }
  }

  // ---- index.json ----

  private List<Entry> readIndex() throws IOException {
    byte[] raw;
    try {
      raw = Files.readAllBytes(indexFile);
    } catch (NoSuchFileException e) {
      return List.of();
    }
    Manifest parsed;
    try {
      parsed = Manifest.parse(raw, MediaTypes.OCI_INDEX);
    } catch (RuntimeException e) {
      throw new IOException("the store's " + indexFile + " is not a valid OCI index: " + e, e);
    }
    if (!(parsed instanceof ImageIndex index)) {
      throw new IOException("the store's " + indexFile + " is not an OCI index");
    }
    List<Entry> out = new ArrayList<>();
    for (Descriptor d : index.manifests()) {
      String name = d.annotations().get(REF_NAME);
      ImageReference ref = null;
      if (name != null) {
        try {
          ref = ImageReference.parseWithoutDefaultTag(name).withDefaultTag();
        } catch (InvalidReferenceException e) {
          ref = null; // named by another tool in a way we cannot read: shown as <none>
        }
      }
      out.add(new Entry(name, ref, d));
    }
    return out;
  }

  /** Writes index.json atomically; the caller holds the index lock. */
  private void writeIndex(List<Entry> entries) throws IOException {
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaTypes.OCI_INDEX);
    ArrayNode manifests = index.putArray("manifests");
    for (Entry e : entries) {
      manifests.add(descriptorJson(e.descriptor()));
    }
    writeAtomically(indexFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(index));
  }

  /** A descriptor as OCI JSON. */
  static ObjectNode descriptorJson(Descriptor d) {
    ObjectNode o = JSON.createObjectNode();
    o.put("mediaType", d.mediaType());
    o.put("digest", d.digest().toString());
    o.put("size", d.size());
    if (d.artifactType() != null) {
      o.put("artifactType", d.artifactType());
    }
    if (!d.urls().isEmpty()) {
      ArrayNode urls = o.putArray("urls");
      d.urls().forEach(urls::add);
    }
    if (!d.annotations().isEmpty()) {
      ObjectNode a = o.putObject("annotations");
      d.annotations().forEach(a::put);
    }
    Platform p = d.platform();
    if (p != null) {
      ObjectNode po = o.putObject("platform");
      po.put("architecture", p.architecture());
      po.put("os", p.os());
      if (p.osVersion() != null) {
        po.put("os.version", p.osVersion());
      }
      if (!p.osFeatures().isEmpty()) {
        ArrayNode f = po.putArray("os.features");
        p.osFeatures().forEach(f::add);
      }
      if (p.variant() != null) {
        po.put("variant", p.variant());
      }
    }
    return o;
  }

  // ---- files ----

  private void writeAtomically(Path target, byte[] bytes) throws IOException {
    Path temp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID());
    try {
      try (FileChannel ch =
          FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      moveAtomically(temp, target);
      syncDirectory(target.getParent());
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static void moveAtomically(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the store needs atomic renames within " + to.getParent(), e);
    }
  }

  /**
   * Makes a rename durable: fsync of the directory (a no-op where directories cannot be opened).
   */
  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // not supported on this platform; the rename itself is still atomic
    }
  }

  private static boolean looksLikeJson(Path f) {
    try (InputStream in = Files.newInputStream(f)) {
      int c;
      do {
        c = in.read();
      } while (c == ' ' || c == '\n' || c == '\r' || c == '\t');
      return c == '{';
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return "ImageStore[" + root + "]";
  }
}
