package dev.hoist.images;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageConfig;
import dev.hoist.oci.ImageReference;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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

/**
 * The local image store: a content-addressable OCI image layout that {@code hoist pull} fills and
 * the other image commands read. See the package documentation for the layout, the naming of
 * references and the concurrency rules.
 *
 * <p>Thread-safe, and safe with other processes using the same root.
 *
 * <p>This class holds the names and the locks; the blobs are {@code StoreBlobs}', {@code
 * index.json} is {@code IndexFile}'s, and both replace files through {@code AtomicFiles}.
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

  private final Path root;
  private final StoreBlobs blobs;
  private final IndexFile index;
  private final LockFile indexLock;
  private final LockFile gcLock;

  private ImageStore(Path root) {
    this.root = root;
    this.blobs = new StoreBlobs(root.resolve("blobs"), root.resolve("ingest"));
    this.index = new IndexFile(root.resolve("index.json"));
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
    blobs.createDirectories();
    if (!Files.exists(root.resolve("oci-layout")) || !index.exists()) {
      try (LockFile.Held held = indexLock.exclusive()) {
        if (!Files.exists(root.resolve("oci-layout"))) {
          AtomicFiles.write(
              root.resolve("oci-layout"), OCI_LAYOUT.getBytes(StandardCharsets.UTF_8));
        }
        if (!index.exists()) {
          index.write(List.of());
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
    return blobs.path(digest);
  }

  public boolean hasBlob(Digest digest) {
    return blobs.has(digest);
  }

  /** The blob's size in bytes. @throws NoSuchFileException when it is absent */
  public long blobSize(Digest digest) throws IOException {
    return blobs.size(digest);
  }

  /** The blob's bytes, as stored (verified when they were written). */
  public InputStream openBlob(Digest digest) throws IOException {
    return blobs.open(digest);
  }

  /** A small blob (manifest, config) in memory; at most 4 MiB. */
  public byte[] readBlob(Digest digest) throws IOException {
    return blobs.read(digest);
  }

  /**
   * Adds a blob from {@code content} (read to its end, not closed), verifying it: nothing is stored
   * unless the bytes have {@code digest}. Returns the blob's size. When the blob is already here,
   * {@code content} is not read.
   *
   * @throws dev.hoist.oci.DigestMismatchException when the content is not {@code digest}
   */
  public long writeBlob(Digest digest, InputStream content) throws IOException {
    return blobs.write(digest, content);
  }

  /** Adds a small blob held in memory; returns its sha256 digest. */
  public Digest writeBlob(byte[] content) throws IOException {
    return blobs.write(content);
  }

  /**
   * A resumable, verifying writer for one blob; see {@link BlobWriter}. {@code expectedSize} is -1
   * when unknown.
   */
  public BlobWriter newBlobWriter(Digest digest, long expectedSize) throws IOException {
    return blobs.newWriter(digest, expectedSize);
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
    return index.read();
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
      List<Entry> entries = new ArrayList<>(index.read());
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
      index.write(entries);
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
      List<Entry> entries = new ArrayList<>(index.read());
      if (entries.stream().anyMatch(e -> e.descriptor().digest().equals(target.digest()))) {
        return;
      }
      entries.add(new Entry(null, null, unnamed));
      index.write(entries);
    }
  }

  /**
   * The entry {@code reference} names: an entry with the same normalised name; else, for a
   * reference by digest only, an entry of the same repository whose manifest or repo digest is that
   * digest.
   */
  public Optional<Entry> resolve(ImageReference reference) throws IOException {
    List<Entry> entries = index.read();
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
      List<Entry> entries = new ArrayList<>(index.read());
      for (int i = 0; i < entries.size(); i++) {
        if (reference.equals(entries.get(i).reference())) {
          Entry removed = entries.remove(i);
          index.write(entries);
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
      List<Entry> entries = new ArrayList<>(index.read());
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
        index.write(entries);
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
      for (Entry e : index.read()) {
        live.addAll(closure(e.descriptor()));
      }
      return blobs.sweep(live);
    }
  }

  @Override
  public String toString() {
    return "ImageStore[" + root + "]";
  }
}
