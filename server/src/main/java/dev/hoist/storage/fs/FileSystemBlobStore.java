package dev.hoist.storage.fs;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestMismatchException;
import dev.hoist.oci.Digester;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.BlobUpload;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A {@link BlobStore} on a local filesystem; the layout is drawn in the {@linkplain
 * dev.hoist.storage.fs package documentation}. Thread-safe. Blocking: run it off event loops.
 */
public final class FileSystemBlobStore implements BlobStore {
  private static final Pattern UPLOAD_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");
  private static final int BUFFER_SIZE = 64 * 1024;

  /**
   * The algorithm hashed while bytes arrive. Uploads do not announce their digest until commit, so
   * the near-universal one is hashed eagerly and any other is computed from the file at commit.
   */
  private static final String EAGER_ALGORITHM = Digest.SHA256;

  private final Path blobs;
  private final Path uploads;
  private final Path quarantine;
  private final InstantSource clock;

  /** Hashing progress of the uploads this instance has touched, shared by their handles. */
  private final ConcurrentMap<String, UploadState> states = new ConcurrentHashMap<>();

  /** A store under {@code dataDir}, creating its directories when missing. */
  public FileSystemBlobStore(Path dataDir) throws IOException {
    this(dataDir, InstantSource.system());
  }

  /**
   * A store under {@code dataDir}, creating its directories when missing; {@code clock} names
   * quarantined files.
   */
  public FileSystemBlobStore(Path dataDir, InstantSource clock) throws IOException {
    Path root = dataDir.toAbsolutePath().normalize();
    this.blobs = root.resolve("blobs");
    this.uploads = root.resolve("uploads");
    this.quarantine = root.resolve("quarantine");
    this.clock = Objects.requireNonNull(clock, "clock");
    Files.createDirectories(blobs);
    Files.createDirectories(uploads);
  }

  /**
   * Fails unless the blob and upload directories are directories and a file can be created (and
   * deleted) among the uploads: a full, read-only or vanished disk shows here.
   */
  @Override
  public void checkAccess() throws IOException {
    for (Path dir : new Path[] {blobs, uploads}) {
      if (!Files.isDirectory(dir)) {
        throw new IOException(dir + " is not a directory");
      }
    }
    Path probe = Files.createTempFile(uploads, ".probe-", ".tmp");
    Files.delete(probe);
  }

  @Override
  public Optional<Long> size(Digest digest) throws IOException {
    return attributes(blobPath(digest)).map(BasicFileAttributes::size);
  }

  @Override
  public Optional<BlobContent> open(Digest digest) throws IOException {
    Path path = blobPath(digest);
    return attributes(path).map(a -> new BlobContent.LocalFile(path, a.size()));
  }

  @Override
  public BlobUpload startUpload(String id) throws IOException {
    if (!isValidId(id)) {
      throw new IllegalArgumentException("invalid upload id: must match [A-Za-z0-9-]{1,64}");
    }
    Path file = uploads.resolve(id);
    Files.createFile(file); // fails when the id is in use
    UploadState state = new UploadState(id, file, 0);
    states.put(id, state);
    return new FileUpload(state);
  }

  @Override
  public Optional<BlobUpload> resumeUpload(String id) throws IOException {
    // An id that could not have been started cannot exist; it never becomes a path.
    if (!isValidId(id)) {
      return Optional.empty();
    }
    Path file = uploads.resolve(id);
    Optional<BasicFileAttributes> attributes = attributes(file);
    if (attributes.isEmpty()) {
      states.remove(id);
      return Optional.empty();
    }
    // After a restart nothing is hashed yet; the file is hashed once, at the next write or commit.
    UploadState state =
        states.computeIfAbsent(id, k -> new UploadState(k, file, attributes.get().size()));
    return Optional.of(new FileUpload(state));
  }

  @Override
  public void cancelUpload(String id) throws IOException {
    if (!isValidId(id)) {
      return;
    }
    UploadState state = states.remove(id);
    if (state == null) {
      Files.deleteIfExists(uploads.resolve(id));
      return;
    }
    synchronized (state) {
      Files.deleteIfExists(state.file);
    }
  }

  /**
   * Adopts the file with a rename when it is on the blobs' filesystem: forced to disk, renamed
   * atomically into place, directory forced, as a commit does. Otherwise it is copied through an
   * upload (the {@linkplain BlobStore#importFile default}).
   */
  @Override
  public void importFile(Digest digest, long size, Path file) throws IOException {
    Path target = blobPath(digest);
    if (attributes(target).isPresent()) {
      Files.deleteIfExists(file);
      return;
    }
    long actual = Files.size(file);
    if (size != -1 && size != actual) {
      throw new DigestMismatchException(digest, null, size, actual);
    }
    try (FileChannel channel = FileChannel.open(file, WRITE)) {
      channel.force(true);
    }
    ensureDirectory(target.getParent());
    try {
      Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      BlobStore.super.importFile(digest, size, file); // another filesystem
      return;
    } catch (FileAlreadyExistsException e) {
      Files.deleteIfExists(file);
      return;
    }
    fsyncDirectory(target.getParent());
  }

  @Override
  public boolean delete(Digest digest) throws IOException {
    return Files.deleteIfExists(blobPath(digest));
  }

  /**
   * Renames the blob's file to {@code quarantine/<algorithm>-<hex>-<millis>}, then hashes it there,
   * where no commit can replace it; a file that matches its digest goes back. The renames are
   * atomic and their directories forced, so a crash leaves the file in one place or the other.
   */
  @Override
  public boolean quarantine(Digest digest) throws IOException {
    Path source = blobPath(digest);
    if (attributes(source).isEmpty()) {
      return false;
    }
    ensureDirectory(quarantine);
    Path aside = quarantinePath(digest);
    try {
      Files.move(source, aside, StandardCopyOption.ATOMIC_MOVE);
    } catch (NoSuchFileException e) {
      return false; // deleted or quarantined meanwhile
    }
    fsyncDirectory(quarantine);
    fsyncDirectory(source.getParent());
    boolean good;
    try (FileChannel channel = FileChannel.open(aside, READ)) {
      good = Digest.compute(digest.algorithm(), channel).equals(digest);
    } catch (IOException | RuntimeException e) {
      // Not known to be bad: it goes back rather than out of service on a failed read.
      putBack(aside, source, false);
      throw e;
    }
    if (good) {
      putBack(aside, source, true);
      return false;
    }
    return true;
  }

  /** A free name in the quarantine: when, to the millisecond, a copy of the digest went there. */
  private Path quarantinePath(Digest digest) {
    String prefix = digest.algorithm() + "-" + digest.encoded() + "-";
    long millis = clock.millis();
    Path aside = quarantine.resolve(prefix + millis);
    while (Files.exists(aside, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      aside = quarantine.resolve(prefix + ++millis);
    }
    return aside;
  }

  /**
   * Returns a quarantined file to its blob path. A blob committed there meanwhile (verified) stays;
   * then a copy that matched is a duplicate and goes, and one that could not be read stays aside.
   */
  private void putBack(Path aside, Path target, boolean matched) throws IOException {
    if (Files.exists(target)) {
      if (matched) {
        Files.deleteIfExists(aside);
      }
      return;
    }
    Files.move(aside, target, StandardCopyOption.ATOMIC_MOVE);
    fsyncDirectory(target.getParent());
    fsyncDirectory(quarantine);
  }

  /** Where a committed blob lives; digests are validated hex, so they are safe path segments. */
  @Override
  public Stream<StoredFile> list() throws IOException {
    // blobs/<algorithm>/<2 hex>/<hex>; anything else there (a stray file) is not a blob.
    return Files.walk(blobs, 3)
        .filter(p -> p.getNameCount() == blobs.getNameCount() + 3)
        .flatMap(
            p -> {
              String algorithm = p.getName(blobs.getNameCount()).toString();
              Digest digest;
              try {
                digest = Digest.parse(algorithm + ":" + p.getFileName());
              } catch (RuntimeException e) {
                return Stream.empty();
              }
              if (!p.equals(blobPath(digest))) {
                return Stream.empty();
              }
              try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                return a.isRegularFile()
                    ? Stream.of(new StoredFile(digest, a.size(), a.lastModifiedTime().toInstant()))
                    : Stream.empty();
              } catch (IOException e) {
                return Stream.empty(); // deleted meanwhile
              }
            });
  }

  Path blobPath(Digest digest) {
    String hex = digest.encoded();
    return blobs.resolve(digest.algorithm()).resolve(hex.substring(0, 2)).resolve(hex);
  }

  private static boolean isValidId(String id) {
    return id != null && UPLOAD_ID.matcher(id).matches();
  }

  private static Optional<BasicFileAttributes> attributes(Path path) throws IOException {
    try {
      BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
      return a.isRegularFile() ? Optional.of(a) : Optional.empty();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** Creates a blob directory and makes its entry in its parent durable. */
  private void ensureDirectory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    ensureDirectory(dir.getParent());
    try {
      Files.createDirectory(dir);
    } catch (FileAlreadyExistsException e) {
      return; // another commit created it
    }
    fsyncDirectory(dir.getParent());
  }

  /** Makes a directory's entries (a rename into it, a new subdirectory) durable. */
  private static void fsyncDirectory(Path dir) throws IOException {
    FileChannel channel;
    try {
      channel = FileChannel.open(dir, READ);
    } catch (IOException e) {
      // Some platforms (Windows) cannot open a directory; there a rename is as durable as it gets.
      return;
    }
    try (channel) {
      channel.force(true);
    }
  }

  /**
   * One upload's bytes and how far they are hashed. Guarded by its own monitor; the file is the
   * truth for the size, so a failed write leaves an offset a client can resume from.
   */
  private static final class UploadState {
    final String id;
    final Path file;
    volatile long size; // read without the monitor, so a status check never waits for a write
    Digester digester; // null when it must be rebuilt from the file
    long hashed;

    UploadState(String id, Path file, long size) {
      this.id = id;
      this.file = file;
      this.size = size;
      if (size == 0) {
        this.digester = Digester.forAlgorithm(EAGER_ALGORITHM);
      }
    }

    /** Hashes whatever the file holds beyond what the digester has seen. */
    void catchUp() throws IOException {
      if (digester == null || hashed > size) {
        digester = Digester.forAlgorithm(EAGER_ALGORITHM);
        hashed = 0;
      }
      if (hashed == size) {
        return;
      }
      try (FileChannel channel = FileChannel.open(file, READ)) {
        channel.position(hashed);
        ByteBuffer buffer = ByteBuffer.allocate(BUFFER_SIZE);
        while (hashed < size) {
          buffer.clear().limit((int) Math.min(BUFFER_SIZE, size - hashed));
          int n = channel.read(buffer);
          if (n < 0) {
            throw new IOException("upload " + id + " is shorter than its recorded size");
          }
          buffer.flip();
          digester.update(buffer);
          hashed += n;
        }
      }
    }

    /** Refreshes the size from the file after a write failed part way. */
    void resync() {
      try {
        size = Files.size(file);
      } catch (IOException e) {
        // The upload is unusable anyway; the next operation reports it.
      }
    }
  }

  private final class FileUpload implements BlobUpload {
    private final UploadState state;
    private boolean done;

    FileUpload(UploadState state) {
      this.state = state;
    }

    @Override
    public String id() {
      return state.id;
    }

    @Override
    public long size() {
      return state.size;
    }

    @Override
    public void write(ByteBuffer bytes) throws IOException {
      synchronized (state) {
        checkOpen();
        state.catchUp();
        ByteBuffer written = bytes.duplicate();
        try (FileChannel channel = FileChannel.open(state.file, WRITE, APPEND)) {
          while (bytes.hasRemaining()) {
            channel.write(bytes);
          }
        } catch (IOException e) {
          state.resync();
          throw e;
        }
        written.limit(bytes.position());
        state.size += written.remaining();
        state.digester.update(written);
        state.hashed = state.size;
      }
    }

    @Override
    public long write(InputStream in) throws IOException {
      synchronized (state) {
        checkOpen();
        state.catchUp();
        byte[] buffer = new byte[BUFFER_SIZE];
        long total = 0;
        try (FileChannel channel = FileChannel.open(state.file, WRITE, APPEND)) {
          for (int n; (n = in.read(buffer)) != -1; ) {
            ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
            try {
              while (chunk.hasRemaining()) {
                channel.write(chunk);
              }
            } catch (IOException e) {
              state.resync();
              throw e;
            }
            // Bytes read before a failing read stay written and hashed: the offset stays exact.
            state.digester.update(buffer, 0, n);
            state.size += n;
            state.hashed = state.size;
            total += n;
          }
        }
        return total;
      }
    }

    @Override
    public void commit(Digest expected, long expectedSize) throws IOException {
      Objects.requireNonNull(expected, "expected");
      synchronized (state) {
        checkOpen();
        long size = state.size;
        if (expectedSize != -1 && expectedSize != size) {
          discard();
          throw new DigestMismatchException(expected, null, expectedSize, size);
        }
        Digest actual = digestOfContent(expected.algorithm());
        if (!actual.equals(expected)) {
          discard();
          throw new DigestMismatchException(expected, actual, expectedSize, size);
        }
        publish(expected);
        done = true;
        states.remove(state.id, state);
      }
    }

    @Override
    public void cancel() throws IOException {
      synchronized (state) {
        if (!done) {
          discard();
        }
      }
    }

    private Digest digestOfContent(String algorithm) throws IOException {
      if (algorithm.equals(EAGER_ALGORITHM)) {
        state.catchUp();
        Digest digest = state.digester.digest();
        state.digester = null; // finished; rebuilt from the file if this commit fails later
        return digest;
      }
      try (FileChannel channel = FileChannel.open(state.file, READ)) {
        return Digest.compute(algorithm, channel);
      }
    }

    /** Makes the bytes durable, then visible, in that order. */
    private void publish(Digest digest) throws IOException {
      try (FileChannel channel = FileChannel.open(state.file, WRITE)) {
        channel.force(true);
      }
      Path target = blobPath(digest);
      ensureDirectory(target.getParent());
      if (Files.exists(target)) {
        // Same digest, same bytes: the stored copy stays, this one goes.
        Files.deleteIfExists(state.file);
        return;
      }
      try {
        Files.move(state.file, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException e) {
        Files.deleteIfExists(state.file);
        return;
      }
      fsyncDirectory(target.getParent());
    }

    private void discard() throws IOException {
      done = true;
      if (states.remove(state.id, state)) {
        Files.deleteIfExists(state.file);
      }
    }

    private void checkOpen() {
      if (done || states.get(state.id) != state) {
        throw new IllegalStateException("upload " + state.id + " was committed or cancelled");
      }
    }
  }
}
