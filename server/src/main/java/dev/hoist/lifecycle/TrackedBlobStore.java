package dev.hoist.lifecycle;

import dev.hoist.oci.Digest;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.BlobUpload;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

/**
 * The blob store as the rest of the server sees it once the disk has a lifecycle: every commit, and
 * every look at a stored blob ({@link #size}, {@link #open}), leases the digest for a while, so
 * that a deletion never races with a writer that found the blob already stored, and what is being
 * served is not deleted under its reader.
 *
 * <p>The race it closes: eviction or garbage collection removes a blob's record in one transaction
 * and its bytes just after; a writer that stores or checks the same digest in between finds the
 * bytes present (so writes nothing) and then links the blob, re-creating the record, and the bytes
 * go. Here a lease and a {@link #deleteUnlessUsedSince} of the same digest exclude each other, and
 * the deleter skips a digest leased since it decided: the writer's link, which follows within
 * moments, keeps a record of the bytes that stay.
 */
public final class TrackedBlobStore implements BlobStore {
  private static final int STRIPES = 1024;

  private final BlobStore delegate;
  private final InstantSource clock;
  // ReentrantLock, not synchronized: fills commit on virtual threads, which must not pin.
  private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
  private final ConcurrentHashMap<Digest, Long> lastUse = new ConcurrentHashMap<>();
  private volatile LongConsumer onCommit = bytes -> {};

  public TrackedBlobStore(BlobStore delegate, InstantSource clock) {
    this.delegate = delegate;
    this.clock = clock;
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new ReentrantLock();
    }
  }

  /** Called with the size of every committed blob (the cache's limits are checked from it). */
  void onCommit(LongConsumer listener) {
    this.onCommit = listener;
  }

  /** The store underneath, for what must bypass the tracking (a scrub's quarantine). */
  BlobStore delegate() {
    return delegate;
  }

  @Override
  public void checkAccess() throws IOException {
    delegate.checkAccess();
  }

  @Override
  public Optional<Long> size(Digest digest) throws IOException {
    ReentrantLock lock = stripe(digest);
    lock.lock();
    try {
      Optional<Long> size = delegate.size(digest);
      if (size.isPresent()) {
        lastUse.put(digest, clock.millis());
      }
      return size;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Optional<BlobContent> open(Digest digest) throws IOException {
    ReentrantLock lock = stripe(digest);
    lock.lock();
    try {
      Optional<BlobContent> content = delegate.open(digest);
      if (content.isPresent()) {
        lastUse.put(digest, clock.millis());
      }
      return content;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public BlobUpload startUpload(String id) throws IOException {
    return new TrackedUpload(delegate.startUpload(id));
  }

  @Override
  public Optional<BlobUpload> resumeUpload(String id) throws IOException {
    return delegate.resumeUpload(id).map(TrackedUpload::new);
  }

  @Override
  public void cancelUpload(String id) throws IOException {
    delegate.cancelUpload(id);
  }

  @Override
  public void put(Digest digest, byte[] content) throws IOException {
    committing(digest, content.length, () -> delegate.put(digest, content));
  }

  @Override
  public void importFile(Digest digest, long size, Path file) throws IOException {
    committing(digest, size, () -> delegate.importFile(digest, size, file));
  }

  @Override
  public java.util.stream.Stream<StoredFile> list() throws IOException {
    return delegate.list();
  }

  @Override
  public boolean quarantine(Digest digest) throws IOException {
    ReentrantLock lock = stripe(digest);
    lock.lock();
    try {
      return delegate.quarantine(digest);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean delete(Digest digest) throws IOException {
    return delegate.delete(digest);
  }

  /** What {@link #deleteUnlessUsedSince} did. */
  enum Deletion {
    /** The bytes were there and are gone. */
    DELETED,
    /**
     * There were no bytes: a record of a blob never stored (the mirror links a blob when its fill
     * starts, and a fill may fail or be cut by a crash), or bytes deleted before a crash.
     */
    ABSENT,
    /** Committed, checked or opened since: the bytes stay (a writer links them, a reader reads). */
    KEPT
  }

  /**
   * Deletes a blob's bytes unless it was committed, checked or opened at or after {@code
   * sinceMillis}.
   */
  Deletion deleteUnlessUsedSince(Digest digest, long sinceMillis) throws IOException {
    ReentrantLock lock = stripe(digest);
    lock.lock();
    try {
      Long committed = lastUse.get(digest);
      if (committed != null && committed >= sinceMillis) {
        return Deletion.KEPT;
      }
      lastUse.remove(digest);
      return delegate.delete(digest) ? Deletion.DELETED : Deletion.ABSENT;
    } finally {
      lock.unlock();
    }
  }

  /** The digests committed, checked or opened at or after {@code sinceMillis}. */
  Set<Digest> usedSince(long sinceMillis) {
    Set<Digest> digests = new HashSet<>();
    lastUse.forEach(
        (digest, at) -> {
          if (at >= sinceMillis) {
            digests.add(digest);
          }
        });
    return digests;
  }

  /** Forgets uses older than {@code beforeMillis}: no deleter decides that far back. */
  void pruneUsesBefore(long beforeMillis) {
    lastUse.values().removeIf(t -> t < beforeMillis);
  }

  private interface Commit {
    void run() throws IOException;
  }

  private void committing(Digest digest, long size, Commit commit) throws IOException {
    ReentrantLock lock = stripe(digest);
    lock.lock();
    try {
      commit.run();
      lastUse.put(digest, clock.millis());
    } finally {
      lock.unlock();
    }
    if (size > 0) {
      onCommit.accept(size);
    }
  }

  private ReentrantLock stripe(Digest digest) {
    return stripes[Math.floorMod(digest.hashCode(), STRIPES)];
  }

  private final class TrackedUpload implements BlobUpload {
    private final BlobUpload upload;

    TrackedUpload(BlobUpload upload) {
      this.upload = upload;
    }

    @Override
    public String id() {
      return upload.id();
    }

    @Override
    public long size() {
      return upload.size();
    }

    @Override
    public void write(ByteBuffer bytes) throws IOException {
      upload.write(bytes);
    }

    @Override
    public long write(InputStream in) throws IOException {
      return upload.write(in);
    }

    @Override
    public void commit(Digest expected, long expectedSize) throws IOException {
      long size = upload.size();
      committing(expected, size, () -> upload.commit(expected, expectedSize));
    }

    @Override
    public void cancel() throws IOException {
      upload.cancel();
    }
  }
}
