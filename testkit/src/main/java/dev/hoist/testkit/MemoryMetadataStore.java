package dev.hoist.testkit;

import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.storage.AccountsTransaction;
import dev.hoist.storage.LifecycleTransaction;
import dev.hoist.storage.ManifestRecord;
import dev.hoist.storage.MetadataStore;
import dev.hoist.storage.MetadataTransaction;
import dev.hoist.storage.MirrorTagState;
import dev.hoist.storage.SyncRuleRecord;
import dev.hoist.storage.SyncStatus;
import dev.hoist.storage.SyncTransaction;
import dev.hoist.storage.UploadSession;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link MetadataStore} in memory, for fast unit tests at the storage seam. Passes {@link
 * MetadataStoreContract}.
 *
 * <p>Each write transaction works on a private copy of the state and publishes it when the work
 * returns, so readers always see a consistent snapshot and a failed write leaves no trace. Writers
 * are serialised by one lock. Instants are kept at millisecond precision, like the SQL stores.
 * {@link #close()} does nothing: the data lives as long as this object.
 */
public final class MemoryMetadataStore implements MetadataStore {
  private final ReentrantLock writeLock = new ReentrantLock();
  private volatile State state = new State();

  @Override
  public <T> T read(Work<T> work) {
    Tx tx = new Tx(state, false);
    try {
      return work.run(tx);
    } finally {
      tx.open = false;
    }
  }

  @Override
  public <T> T write(Work<T> work) {
    if (writeLock.isHeldByCurrentThread()) {
      throw new IllegalStateException("write transactions do not nest");
    }
    writeLock.lock();
    try {
      Tx tx = new Tx(state.copy(), true);
      try {
        T result = work.run(tx);
        state = tx.state;
        return result;
      } finally {
        tx.open = false;
      }
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public void close() {}

  private record RepoDigest(RepositoryName repo, Digest digest) {}

  private record RepoTag(RepositoryName repo, Tag tag) {}

  private static final Comparator<RepoTag> BY_REPO_THEN_TAG =
      Comparator.comparing(RepoTag::repo).thenComparing(RepoTag::tag);

  /** Everything the store holds; replaced as a whole by each write transaction. */
  private static final class State {
    final Map<RepoDigest, ManifestRecord> manifests;
    final TreeMap<RepoTag, Digest> tags;
    final Map<RepoDigest, Long> links;
    final Map<String, UploadSession> uploads;
    final Map<RepoTag, MirrorTagState> mirrorTags;
    final TreeMap<String, SyncRuleRecord> syncRules;
    final Map<String, SyncStatus> syncStatus;
    MemoryAccounts accounts = new MemoryAccounts();

    State() {
      this(
          new HashMap<>(),
          new TreeMap<>(BY_REPO_THEN_TAG),
          new HashMap<>(),
          new HashMap<>(),
          new HashMap<>(),
          new TreeMap<>(),
          new HashMap<>());
    }

    State(
        Map<RepoDigest, ManifestRecord> manifests,
        TreeMap<RepoTag, Digest> tags,
        Map<RepoDigest, Long> links,
        Map<String, UploadSession> uploads,
        Map<RepoTag, MirrorTagState> mirrorTags,
        TreeMap<String, SyncRuleRecord> syncRules,
        Map<String, SyncStatus> syncStatus) {
      this.manifests = manifests;
      this.tags = tags;
      this.links = links;
      this.uploads = uploads;
      this.mirrorTags = mirrorTags;
      this.syncRules = syncRules;
      this.syncStatus = syncStatus;
    }

    // Shallow copies suffice: keys and values are immutable records.
    State copy() {
      State copy = copyWithoutAccounts();
      copy.accounts = accounts.copy();
      return copy;
    }

    private State copyWithoutAccounts() {
      return new State(
          new HashMap<>(manifests),
          new TreeMap<>(tags),
          new HashMap<>(links),
          new HashMap<>(uploads),
          new HashMap<>(mirrorTags),
          new TreeMap<>(syncRules),
          new HashMap<>(syncStatus));
    }
  }

  private static final class Tx implements MetadataTransaction {
    final State state;
    final boolean writable;
    volatile boolean open = true;

    Tx(State state, boolean writable) {
      this.state = state;
      this.writable = writable;
    }

    private void checkOpen() {
      if (!open) {
        throw new IllegalStateException("transaction has ended");
      }
    }

    private void checkWritable() {
      checkOpen();
      if (!writable) {
        throw new IllegalStateException("cannot write in a read transaction");
      }
    }

    private static void checkLimit(int limit) {
      if (limit < 0) {
        throw new IllegalArgumentException("limit must not be negative: " + limit);
      }
    }

    @Override
    public List<RepositoryName> repositories(RepositoryName last, int limit) {
      checkOpen();
      checkLimit(limit);
      TreeSet<RepositoryName> names = new TreeSet<>();
      state.manifests.keySet().forEach(k -> names.add(k.repo()));
      state.links.keySet().forEach(k -> names.add(k.repo()));
      return (last == null ? names : names.tailSet(last, false)).stream().limit(limit).toList();
    }

    @Override
    public boolean repositoryExists(RepositoryName repository) {
      checkOpen();
      // A tag always points at a manifest of its repository, so manifests and links suffice.
      return state.manifests.keySet().stream().anyMatch(k -> k.repo().equals(repository))
          || state.links.keySet().stream().anyMatch(k -> k.repo().equals(repository));
    }

    @Override
    public void linkBlob(RepositoryName repository, Digest digest, long size) {
      checkWritable();
      state.links.putIfAbsent(new RepoDigest(repository, digest), size);
    }

    @Override
    public Optional<Long> linkedBlobSize(RepositoryName repository, Digest digest) {
      checkOpen();
      return Optional.ofNullable(state.links.get(new RepoDigest(repository, digest)));
    }

    @Override
    public boolean unlinkBlob(RepositoryName repository, Digest digest) {
      checkWritable();
      return state.links.remove(new RepoDigest(repository, digest)) != null;
    }

    @Override
    public int blobLinkCount(Digest digest) {
      checkOpen();
      return (int) state.links.keySet().stream().filter(k -> k.digest().equals(digest)).count();
    }

    @Override
    public void putManifest(
        RepositoryName repository, ManifestRecord manifest, Set<Digest> references, Tag tag) {
      checkWritable();
      ManifestRecord stored =
          new ManifestRecord(
              manifest.digest(),
              manifest.mediaType(),
              manifest.size(),
              manifest.artifactType(),
              manifest.subject(),
              manifest.annotations(),
              millis(manifest.created()));
      state.manifests.putIfAbsent(new RepoDigest(repository, manifest.digest()), stored);
      if (tag != null) {
        state.tags.put(new RepoTag(repository, tag), manifest.digest());
      }
    }

    @Override
    public Optional<ManifestRecord> manifest(RepositoryName repository, Digest digest) {
      checkOpen();
      return Optional.ofNullable(state.manifests.get(new RepoDigest(repository, digest)));
    }

    @Override
    public boolean deleteManifest(RepositoryName repository, Digest digest) {
      checkWritable();
      if (state.manifests.remove(new RepoDigest(repository, digest)) == null) {
        return false;
      }
      state
          .tags
          .entrySet()
          .removeIf(e -> e.getKey().repo().equals(repository) && e.getValue().equals(digest));
      return true;
    }

    @Override
    public Optional<Digest> tag(RepositoryName repository, Tag tag) {
      checkOpen();
      return Optional.ofNullable(state.tags.get(new RepoTag(repository, tag)));
    }

    @Override
    public List<Tag> tags(RepositoryName repository, Tag last, int limit) {
      checkOpen();
      checkLimit(limit);
      List<Tag> result = new ArrayList<>();
      for (RepoTag key : state.tags.keySet()) {
        if (result.size() >= limit) {
          break;
        }
        if (key.repo().equals(repository) && (last == null || key.tag().compareTo(last) > 0)) {
          result.add(key.tag());
        }
      }
      return result;
    }

    @Override
    public boolean deleteTag(RepositoryName repository, Tag tag) {
      checkWritable();
      return state.tags.remove(new RepoTag(repository, tag)) != null;
    }

    @Override
    public List<ManifestRecord> referrers(
        RepositoryName repository, Digest subject, String artifactType) {
      checkOpen();
      return state.manifests.entrySet().stream()
          .filter(e -> e.getKey().repo().equals(repository))
          .map(Map.Entry::getValue)
          .filter(m -> subject.equals(m.subject()))
          .filter(m -> artifactType == null || artifactType.equals(m.artifactType()))
          .sorted(Comparator.comparing(m -> m.digest().toString()))
          .toList();
    }

    @Override
    public void createUpload(UploadSession session) {
      checkWritable();
      UploadSession stored =
          new UploadSession(
              session.id(),
              session.repository(),
              session.size(),
              millis(session.started()),
              millis(session.updated()));
      if (state.uploads.putIfAbsent(session.id(), stored) != null) {
        throw new IllegalStateException("upload session exists: " + session.id());
      }
    }

    @Override
    public Optional<UploadSession> upload(String id) {
      checkOpen();
      return Optional.ofNullable(state.uploads.get(id));
    }

    @Override
    public void updateUpload(String id, long size, Instant updated) {
      checkWritable();
      state.uploads.computeIfPresent(
          id, (k, s) -> new UploadSession(k, s.repository(), size, s.started(), millis(updated)));
    }

    @Override
    public boolean deleteUpload(String id) {
      checkWritable();
      return state.uploads.remove(id) != null;
    }

    @Override
    public List<UploadSession> uploadsUpdatedBefore(Instant before, int limit) {
      checkOpen();
      checkLimit(limit);
      return state.uploads.values().stream()
          .filter(s -> s.updated().isBefore(before))
          .sorted(Comparator.comparing(UploadSession::updated).thenComparing(UploadSession::id))
          .limit(limit)
          .toList();
    }

    @Override
    public Optional<MirrorTagState> mirrorTag(RepositoryName repository, Tag tag) {
      checkOpen();
      return Optional.ofNullable(state.mirrorTags.get(new RepoTag(repository, tag)));
    }

    @Override
    public List<MirrorTagState> mirrorTags(RepositoryName repository) {
      checkOpen();
      return state.mirrorTags.entrySet().stream()
          .filter(e -> e.getKey().repo().equals(repository))
          .sorted(Map.Entry.comparingByKey(BY_REPO_THEN_TAG))
          .map(Map.Entry::getValue)
          .toList();
    }

    @Override
    public void putMirrorTag(MirrorTagState mirrorTag) {
      checkWritable();
      state.mirrorTags.put(
          new RepoTag(mirrorTag.repository(), mirrorTag.tag()),
          new MirrorTagState(
              mirrorTag.repository(),
              mirrorTag.tag(),
              mirrorTag.digest(),
              millis(mirrorTag.checked())));
    }

    @Override
    public LifecycleTransaction lifecycle() {
      throw new UnsupportedOperationException("not yet");
    }

    @Override
    public AccountsTransaction accounts() {
      return state.accounts.transaction(
          writes -> {
            if (writes) {
              checkWritable();
            } else {
              checkOpen();
            }
          });
    }

    @Override
    public SyncTransaction sync() {
      return new SyncTransaction() {
        @Override
        public List<SyncRuleRecord> rules() {
          checkOpen();
          return List.copyOf(state.syncRules.values());
        }

        @Override
        public Optional<SyncRuleRecord> rule(String name) {
          checkOpen();
          return Optional.ofNullable(state.syncRules.get(name));
        }

        @Override
        public void putRule(SyncRuleRecord rule) {
          checkWritable();
          state.syncRules.put(
              rule.name(),
              new SyncRuleRecord(rule.name(), rule.definition(), millis(rule.updated())));
        }

        @Override
        public boolean deleteRule(String name) {
          checkWritable();
          state.syncStatus.remove(name);
          return state.syncRules.remove(name) != null;
        }

        @Override
        public Optional<SyncStatus> status(String name) {
          checkOpen();
          return Optional.ofNullable(state.syncStatus.get(name));
        }

        @Override
        public void putStatus(SyncStatus s) {
          checkWritable();
          state.syncStatus.put(
              s.rule(),
              new SyncStatus(
                  s.rule(),
                  nullableMillis(s.lastStarted()),
                  nullableMillis(s.lastFinished()),
                  nullableMillis(s.nextRun()),
                  s.copiedImages(),
                  s.skippedImages(),
                  s.failedImages(),
                  s.copiedBytes(),
                  s.lastError()));
        }
      };
    }

    private static Instant nullableMillis(Instant instant) {
      return instant == null ? null : millis(instant);
    }

    private static Instant millis(Instant instant) {
      return instant.truncatedTo(ChronoUnit.MILLIS);
    }
  }
}
