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
 * The blob store as the rest of the server sees it once the disk has a lifecycle: every commit is
 * noted, so that a deletion never races with a writer that found the blob already stored.
 *
 * <p>The race it closes: eviction or garbage collection removes a blob's record in one transaction
 * and its bytes just after; a writer that commits the same digest in between finds the bytes
 * present (so writes nothing) and then links the blob, re-creating the record, and the bytes go.
 * Here a commit and a {@link #deleteUnlessCommittedSince} of the same digest exclude each other,
 * and the deleter skips a digest committed since it decided: the writer's link, which follows
 * within moments, keeps a record of the bytes that stay.
 */
public final class TrackedBlobStore implements BlobStore {
  private static final int STRIPES = 1024;

  private final BlobStore delegate;
  private final InstantSource clock;
  // ReentrantLock, not synchronized: fills commit on virtual threads, which must not pin.
  private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
  private final ConcurrentHashMap<Digest, Long> lastCommit = new ConcurrentHashMap<>();
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
  public Optional<Long> size(Digest digest) throws IOException {
    return delegate.size(digest);
  }

  @Override
  public Optional<BlobContent> open(Digest digest) throws IOException {
    return delegate.open(digest);
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
  public boolean delete(Digest digest) throws IOException {
    return delegate.delete(digest);
  }

  /** What {@link #deleteUnlessCommittedSince} did. */
  enum Deletion {
    /** The bytes were there and are gone. */
    DELETED,
    /**
     * There were no bytes: a record of a blob never stored (the mirror links a blob when its fill
     * starts, and a fill may fail or be cut by a crash), or bytes deleted before a crash.
     */
    ABSENT,
    /** Committed since: the bytes stay, and the writer links them. */
    KEPT
  }

  /** Deletes a blob's bytes unless it was committed at or after {@code sinceMillis}. */
  Deletion deleteUnlessCommittedSince(Digest digest, long sinceMillis) throws IOException {
    ReentrantLock lock = stripe(digest);
    lock.lock();
    try {
      Long committed = lastCommit.get(digest);
      if (committed != null && committed >= sinceMillis) {
        return Deletion.KEPT;
      }
      lastCommit.remove(digest);
      return delegate.delete(digest) ? Deletion.DELETED : Deletion.ABSENT;
    } finally {
      lock.unlock();
    }
  }

  /** The digests committed at or after {@code sinceMillis} (as far back as commits are kept). */
  Set<Digest> committedSince(long sinceMillis) {
    Set<Digest> digests = new HashSet<>();
    lastCommit.forEach(
        (digest, at) -> {
          if (at >= sinceMillis) {
            digests.add(digest);
          }
        });
    return digests;
  }

  /** Forgets commits older than {@code beforeMillis}: no deleter decides that far back. */
  void pruneCommitsBefore(long beforeMillis) {
    lastCommit.values().removeIf(t -> t < beforeMillis);
  }

  private interface Commit {
    void run() throws IOException;
  }

  private void committing(Digest digest, long size, Commit commit) throws IOException {
    ReentrantLock lock = stripe(digest);
    lock.lock();
    try {
      commit.run();
      lastCommit.put(digest, clock.millis());
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
