package dev.hoist.testkit;

import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestMismatchException;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.BlobUpload;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * A {@link BlobStore} in memory, for fast unit tests at the storage seam. Thread-safe; passes
 * {@link BlobStoreContract}. Blobs are served as {@link BlobContent.Streamed}.
 */
public final class MemoryBlobStore implements BlobStore {
  private static final Pattern UPLOAD_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");

  private final Map<Digest, byte[]> blobs = new ConcurrentHashMap<>();
  private final Map<String, Bytes> uploads = new ConcurrentHashMap<>();
  private final List<Digest> quarantined = new CopyOnWriteArrayList<>();

  @Override
  public Optional<Long> size(Digest digest) {
    return Optional.ofNullable(blobs.get(digest)).map(b -> (long) b.length);
  }

  @Override
  public Optional<BlobContent> open(Digest digest) {
    byte[] bytes = blobs.get(digest);
    if (bytes == null) {
      return Optional.empty();
    }
    return Optional.of(
        new BlobContent.Streamed(
            bytes.length,
            (offset, length) -> {
              Objects.checkFromIndexSize(offset, length, bytes.length);
              return new ByteArrayInputStream(bytes, (int) offset, (int) length);
            }));
  }

  @Override
  public BlobUpload startUpload(String id) throws IOException {
    requireValidId(id);
    Bytes bytes = new Bytes();
    if (uploads.putIfAbsent(id, bytes) != null) {
      throw new FileAlreadyExistsException(id, null, "upload exists");
    }
    return new Upload(id, bytes);
  }

  @Override
  public Optional<BlobUpload> resumeUpload(String id) {
    if (id == null || !UPLOAD_ID.matcher(id).matches()) {
      return Optional.empty();
    }
    return Optional.ofNullable(uploads.get(id)).map(b -> new Upload(id, b));
  }

  @Override
  public void cancelUpload(String id) {
    if (id != null) {
      uploads.remove(id);
    }
  }

  @Override
  public boolean delete(Digest digest) {
    return blobs.remove(digest) != null;
  }

  /** Keeps bad bytes aside in memory ({@link #quarantined()}); good ones stay in service. */
  @Override
  public boolean quarantine(Digest digest) {
    byte[] bytes = blobs.get(digest);
    if (bytes == null || Digest.of(digest.algorithm(), bytes).equals(digest)) {
      return false;
    }
    if (!blobs.remove(digest, bytes)) {
      return false; // replaced or removed meanwhile
    }
    quarantined.add(digest);
    return true;
  }

  /** Digests whose bytes quarantines took out of service, in order, for assertions. */
  public List<Digest> quarantined() {
    return List.copyOf(quarantined);
  }

  /** Replaces a committed blob's bytes behind the store's back, as a disk fault would. */
  public void corrupt(Digest digest, byte[] bytes) {
    if (blobs.replace(digest, bytes.clone()) == null) {
      throw new IllegalArgumentException("no blob " + digest);
    }
  }

  /** Committed blob digests, for assertions. */
  public java.util.Set<Digest> digests() {
    return java.util.Set.copyOf(blobs.keySet());
  }

  /** Ids of uploads in progress, for assertions. */
  public java.util.Set<String> uploadIds() {
    return java.util.Set.copyOf(uploads.keySet());
  }

  static void requireValidId(String id) {
    if (id == null || !UPLOAD_ID.matcher(id).matches()) {
      throw new IllegalArgumentException("invalid upload id: must match [A-Za-z0-9-]{1,64}");
    }
  }

  /** An upload's bytes, shared by every handle to the same id. */
  private static final class Bytes extends ByteArrayOutputStream {
    synchronized byte[] copy() {
      return Arrays.copyOf(buf, count);
    }
  }

  private final class Upload implements BlobUpload {
    private final String id;
    private final Bytes bytes;
    private boolean done;

    Upload(String id, Bytes bytes) {
      this.id = id;
      this.bytes = bytes;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public long size() {
      return bytes.size();
    }

    @Override
    public void write(ByteBuffer buffer) {
      checkOpen();
      byte[] chunk = new byte[buffer.remaining()];
      buffer.get(chunk);
      bytes.writeBytes(chunk);
    }

    @Override
    public long write(InputStream in) throws IOException {
      checkOpen();
      return in.transferTo(bytes);
    }

    @Override
    public void commit(Digest expected, long expectedSize) throws IOException {
      checkOpen();
      done = true;
      byte[] content = bytes.copy();
      uploads.remove(id, bytes);
      if (expectedSize != -1 && expectedSize != content.length) {
        throw new DigestMismatchException(expected, null, expectedSize, content.length);
      }
      Digest actual = Digest.of(expected.algorithm(), content);
      if (!actual.equals(expected)) {
        throw new DigestMismatchException(expected, actual, expectedSize, content.length);
      }
      blobs.putIfAbsent(expected, content);
    }

    @Override
    public void cancel() {
      done = true;
      uploads.remove(id, bytes);
    }

    private void checkOpen() {
      if (done || uploads.get(id) != bytes) {
        throw new IllegalStateException("upload " + id + " was committed or cancelled");
      }
    }
  }

  @Override
  public java.util.stream.Stream<StoredFile> list() {
    return blobs.entrySet().stream()
        .map(e -> new StoredFile(e.getKey(), e.getValue().length, java.time.Instant.EPOCH))
        .toList()
        .stream();
  }
}
