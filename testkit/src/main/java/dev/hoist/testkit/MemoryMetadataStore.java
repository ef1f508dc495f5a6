package dev.hoist.testkit;

import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.storage.AccountsTransaction;
import dev.hoist.storage.CacheRepositories;
import dev.hoist.storage.CacheTotals;
import dev.hoist.storage.CachedImage;
import dev.hoist.storage.ClusterTransaction;
import dev.hoist.storage.LifecycleTransaction;
import dev.hoist.storage.ManifestKey;
import dev.hoist.storage.ManifestRecord;
import dev.hoist.storage.MetadataStore;
import dev.hoist.storage.MetadataTransaction;
import dev.hoist.storage.MirrorTagState;
import dev.hoist.storage.StoredBlob;
import dev.hoist.storage.SyncRuleRecord;
import dev.hoist.storage.SyncStatus;
import dev.hoist.storage.SyncTransaction;
import dev.hoist.storage.UploadSession;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A {@link MetadataStore} in memory, for fast unit tests at the storage seam. Passes {@link
 * MetadataStoreContract}.
 *
 * <p>Each write transaction works on a private copy of the state and publishes it when the work
 * returns, so readers always see a consistent snapshot and a failed write leaves no trace. Writers
 * are serialised by one lock. Instants are kept at millisecond precision, like the SQL stores.
 * {@link #close()} does nothing: the data lives as long as this object.
 *
 * <p>The disk lifecycle ({@link MetadataTransaction#lifecycle()}) follows the SQL stores' queries:
 * blob records, each manifest's references, manifest use times and kept mirror tags are state like
 * the rest, and the clock stamps links and stored manifests as "used now".
 */
public final class MemoryMetadataStore implements MetadataStore {
  private final ReentrantLock writeLock = new ReentrantLock();
  private final InstantSource clock;
  private volatile State state = new State();

  /** A store whose links and stored manifests are used at the system clock's time. */
  public MemoryMetadataStore() {
    this(InstantSource.system());
  }

  /** A store stamping links and stored manifests with {@code clock}, like the SQL store's. */
  public MemoryMetadataStore(InstantSource clock) {
    this.clock = clock;
  }

  @Override
  public <T> T read(Work<T> work) {
    Tx tx = new Tx(state, false, clock);
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
      Tx tx = new Tx(state.copy(), true, clock);
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

  /** Digests in the order of their text, as the SQL stores sort them. */
  private static final Comparator<Digest> BY_TEXT = Comparator.comparing(Digest::toString);

  private static final Comparator<RepoDigest> BY_REPO_THEN_DIGEST =
      Comparator.comparing(RepoDigest::repo).thenComparing(RepoDigest::digest, BY_TEXT);

  /** When a manifest was last used, and whether its references are recorded. */
  private record ManifestUse(Instant used, boolean indexed) {}

  /** Everything the store holds; replaced as a whole by each write transaction. */
  private static final class State {
    final Map<RepoDigest, ManifestRecord> manifests;
    final TreeMap<RepoTag, Digest> tags;
    final Map<RepoDigest, Long> links;
    final Map<String, UploadSession> uploads;
    final Map<RepoTag, MirrorTagState> mirrorTags;
    final TreeMap<String, SyncRuleRecord> syncRules;
    final Map<String, SyncStatus> syncStatus;
    // The lifecycle: blob records by digest text; each manifest's references (immutable sets, only
    // while the manifest exists); each manifest's use; the rule keeping a mirror tag.
    final NavigableMap<Digest, StoredBlob> blobs;
    final Map<RepoDigest, Set<Digest>> references;
    final Map<RepoDigest, ManifestUse> manifestUse;
    final Map<RepoTag, String> keptBy;
    MemoryAccounts accounts = new MemoryAccounts();
    MemoryCluster cluster = new MemoryCluster();

    State() {
      this(
          new HashMap<>(),
          new TreeMap<>(BY_REPO_THEN_TAG),
          new HashMap<>(),
          new HashMap<>(),
          new HashMap<>(),
          new TreeMap<>(),
          new HashMap<>(),
          new TreeMap<>(BY_TEXT),
          new HashMap<>(),
          new HashMap<>(),
          new HashMap<>());
    }

    State(
        Map<RepoDigest, ManifestRecord> manifests,
        TreeMap<RepoTag, Digest> tags,
        Map<RepoDigest, Long> links,
        Map<String, UploadSession> uploads,
        Map<RepoTag, MirrorTagState> mirrorTags,
        TreeMap<String, SyncRuleRecord> syncRules,
        Map<String, SyncStatus> syncStatus,
        NavigableMap<Digest, StoredBlob> blobs,
        Map<RepoDigest, Set<Digest>> references,
        Map<RepoDigest, ManifestUse> manifestUse,
        Map<RepoTag, String> keptBy) {
      this.manifests = manifests;
      this.tags = tags;
      this.links = links;
      this.uploads = uploads;
      this.mirrorTags = mirrorTags;
      this.syncRules = syncRules;
      this.syncStatus = syncStatus;
      this.blobs = blobs;
      this.references = references;
      this.manifestUse = manifestUse;
      this.keptBy = keptBy;
    }

    // Shallow copies suffice: keys and values are immutable records.
    State copy() {
      State copy = copyWithoutAccounts();
      copy.accounts = accounts.copy();
      copy.cluster = cluster.copy();
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
          new HashMap<>(syncStatus),
          new TreeMap<>(blobs),
          new HashMap<>(references),
          new HashMap<>(manifestUse),
          new HashMap<>(keptBy));
    }
  }

  private static final class Tx implements MetadataTransaction {
    final State state;
    final boolean writable;
    final InstantSource clock;
    volatile boolean open = true;

    Tx(State state, boolean writable, InstantSource clock) {
      this.state = state;
      this.writable = writable;
      this.clock = clock;
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
      recordBlob(digest, size, clock.instant());
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
      RepoDigest key = new RepoDigest(repository, manifest.digest());
      state.manifests.putIfAbsent(key, stored);
      // Like SQL: the references are added to any recorded (the same digest has the same ones),
      // and a manifest stored again is used now and indexed.
      addReferences(key, references);
      state.manifestUse.put(key, new ManifestUse(millis(clock.instant()), true));
      recordBlob(manifest.digest(), manifest.size(), clock.instant());
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
      RepoDigest key = new RepoDigest(repository, digest);
      if (state.manifests.remove(key) == null) {
        return false;
      }
      // Like SQL's ON DELETE CASCADE.
      state.references.remove(key);
      state.manifestUse.remove(key);
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
      return new Lifecycle();
    }

    // Lifecycle state, shared by the registry methods above and the lifecycle view below.

    /** Records a blob, or moves its use time forward (its size stays what was first recorded). */
    private void recordBlob(Digest digest, long size, Instant used) {
      Instant at = millis(used);
      StoredBlob known = state.blobs.get(digest);
      if (known == null) {
        state.blobs.put(digest, new StoredBlob(digest, size, at));
      } else if (at.isAfter(known.used())) {
        state.blobs.put(digest, new StoredBlob(digest, known.size(), at));
      }
    }

    private void addReferences(RepoDigest manifest, Set<Digest> added) {
      if (added.isEmpty()) {
        return;
      }
      Set<Digest> all = new HashSet<>(state.references.getOrDefault(manifest, Set.of()));
      all.addAll(added);
      state.references.put(manifest, Set.copyOf(all));
    }

    /** The references of a manifest, in digest order. */
    private List<Digest> referencesOf(RepoDigest manifest) {
      return state.references.getOrDefault(manifest, Set.of()).stream().sorted(BY_TEXT).toList();
    }

    /** Whether a manifest of {@code repository} other than {@code except} references the digest. */
    private boolean referencedInRepository(
        RepositoryName repository, Digest digest, @Nullable Digest except) {
      return state.references.entrySet().stream()
          .anyMatch(
              e ->
                  e.getKey().repo().equals(repository)
                      && !e.getKey().digest().equals(except)
                      && e.getValue().contains(digest));
    }

    /** Whether a mirror tag a rule keeps points at the manifest. */
    private boolean kept(RepositoryName repository, Digest digest) {
      return state.keptBy.keySet().stream()
          .anyMatch(
              t -> {
                MirrorTagState mirrorTag = state.mirrorTags.get(t);
                return t.repo().equals(repository)
                    && mirrorTag != null
                    && digest.equals(mirrorTag.digest());
              });
    }

    /** No manifest (of any repository) is the blob or references it. */
    private boolean unreferenced(Digest digest) {
      return state.manifests.keySet().stream().noneMatch(k -> k.digest().equals(digest))
          && state.references.values().stream().noneMatch(r -> r.contains(digest));
    }

    /** A repository outside the cache links the blob. */
    private boolean linkedByHosted(CacheRepositories cache, Digest digest) {
      return state.links.keySet().stream()
          .anyMatch(k -> k.digest().equals(digest) && !cache.contains(k.repo()));
    }

    /** A cache manifest no other manifest of its repository references and no kept tag names. */
    private boolean evictableRoot(RepoDigest manifest) {
      return !referencedInRepository(manifest.repo(), manifest.digest(), null)
          && !kept(manifest.repo(), manifest.digest());
    }

    private void forget(Digest digest) {
      state.links.keySet().removeIf(k -> k.digest().equals(digest));
      state.blobs.remove(digest);
    }

    private static List<StoredBlob> page(
        NavigableMap<Digest, StoredBlob> blobs,
        @Nullable Digest after,
        int limit,
        java.util.function.Predicate<StoredBlob> filter) {
      checkLimit(limit);
      return (after == null ? blobs : blobs.tailMap(after, false))
          .values().stream().filter(filter).limit(limit).toList();
    }

    /** The lifecycle view of this transaction's state. */
    private final class Lifecycle implements LifecycleTransaction {

      @Override
      public void touchBlobs(Map<Digest, Instant> used) {
        checkWritable();
        used.forEach(
            (digest, at) -> {
              StoredBlob known = state.blobs.get(digest);
              if (known != null && known.used().isBefore(millis(at))) {
                state.blobs.put(digest, new StoredBlob(digest, known.size(), millis(at)));
              }
            });
      }

      @Override
      public void touchManifests(Map<Digest, Instant> used) {
        checkWritable();
        used.forEach(
            (digest, at) -> {
              Instant millis = millis(at);
              Set<RepoDigest> touched = new HashSet<>();
              state.manifestUse.keySet().stream()
                  .filter(k -> k.digest().equals(digest))
                  .forEach(touched::add);
              state.references.forEach(
                  (manifest, children) -> {
                    if (children.contains(digest)) {
                      touched.add(manifest);
                    }
                  });
              for (RepoDigest manifest : touched) {
                ManifestUse use = state.manifestUse.get(manifest);
                if (use != null && use.used().isBefore(millis)) {
                  state.manifestUse.put(manifest, new ManifestUse(millis, use.indexed()));
                }
              }
            });
      }

      @Override
      public CacheTotals cacheTotals(CacheRepositories cache) {
        checkOpen();
        long bytes = 0;
        long blobs = 0;
        for (StoredBlob blob : state.blobs.values()) {
          if (!linkedByHosted(cache, blob.digest())) {
            bytes += blob.size();
            blobs++;
          }
        }
        long images =
            state.manifests.keySet().stream()
                .filter(k -> cache.contains(k.repo()))
                .filter(k -> !referencedInRepository(k.repo(), k.digest(), null))
                .count();
        return new CacheTotals(bytes, blobs, images);
      }

      @Override
      public long storedBytes() {
        checkOpen();
        return state.blobs.values().stream().mapToLong(StoredBlob::size).sum();
      }

      @Override
      public List<StoredBlob> unreferencedBlobs(
          Instant usedBefore, @Nullable Digest after, int limit) {
        checkOpen();
        return page(
            state.blobs,
            after,
            limit,
            b -> b.used().isBefore(usedBefore) && unreferenced(b.digest()));
      }

      @Override
      public Optional<StoredBlob> forgetUnreferencedBlob(Digest digest, Instant usedBefore) {
        checkWritable();
        Optional<StoredBlob> blob =
            Optional.ofNullable(state.blobs.get(digest))
                .filter(b -> b.used().isBefore(usedBefore) && unreferenced(digest));
        blob.ifPresent(b -> forget(digest));
        return blob;
      }

      @Override
      public List<StoredBlob> evictUnreferencedBlobs(
          CacheRepositories cache, Instant usedBefore, int limit) {
        checkWritable();
        checkLimit(limit);
        if (cache.keys().isEmpty()) {
          return List.of();
        }
        List<StoredBlob> gone =
            state.blobs.values().stream()
                .filter(b -> b.used().isBefore(usedBefore))
                .filter(b -> unreferenced(b.digest()) && !linkedByHosted(cache, b.digest()))
                .sorted(
                    Comparator.comparing(StoredBlob::used)
                        .thenComparing(b -> b.digest().toString()))
                .limit(limit)
                .toList();
        gone.forEach(b -> forget(b.digest()));
        return gone;
      }

      @Override
      public Optional<StoredBlob> forgetBlob(Digest digest) {
        checkWritable();
        Optional<StoredBlob> blob = Optional.ofNullable(state.blobs.get(digest));
        forget(digest);
        return blob;
      }

      @Override
      public void recordBlob(Digest digest, long size, Instant used) {
        checkWritable();
        Tx.this.recordBlob(digest, size, used);
      }

      @Override
      public List<CachedImage> leastRecentlyUsedImages(
          CacheRepositories cache, Instant usedBefore, int limit) {
        checkOpen();
        checkLimit(limit);
        return state.manifestUse.entrySet().stream()
            .filter(e -> cache.contains(e.getKey().repo()))
            .filter(e -> e.getValue().used().isBefore(usedBefore))
            .filter(e -> evictableRoot(e.getKey()))
            .sorted(
                Comparator.comparing((Map.Entry<RepoDigest, ManifestUse> e) -> e.getValue().used())
                    .thenComparing(Map.Entry::getKey, BY_REPO_THEN_DIGEST))
            .limit(limit)
            .map(e -> new CachedImage(e.getKey().repo(), e.getKey().digest(), e.getValue().used()))
            .toList();
      }

      @Override
      public List<StoredBlob> evictImage(
          CacheRepositories cache, CachedImage image, Instant usedBefore) {
        checkWritable();
        RepositoryName repo = image.repository();
        RepoDigest root = new RepoDigest(repo, image.digest());
        ManifestUse use = state.manifestUse.get(root);
        if (!cache.contains(repo)
            || use == null
            || !use.used().isBefore(usedBefore)
            || !evictableRoot(root)) {
          return List.of();
        }
        Set<Digest> candidates = new LinkedHashSet<>();
        candidates.add(root.digest());
        Set<Digest> manifests = new LinkedHashSet<>();
        manifests.add(root.digest());
        for (Digest child : referencesOf(root)) {
          candidates.add(child);
          boolean ownChild =
              state.manifests.containsKey(new RepoDigest(repo, child))
                  && !referencedInRepository(repo, child, root.digest())
                  && !kept(repo, child);
          if (ownChild && manifests.add(child)) {
            candidates.addAll(referencesOf(new RepoDigest(repo, child)));
          }
        }
        for (Digest digest : manifests) {
          state
              .mirrorTags
              .entrySet()
              .removeIf(
                  e ->
                      e.getKey().repo().equals(repo)
                          && digest.equals(e.getValue().digest())
                          && !state.keptBy.containsKey(e.getKey()));
          deleteManifest(repo, digest);
        }
        if (state.manifests.keySet().stream().noneMatch(k -> k.repo().equals(repo))) {
          state
              .mirrorTags
              .entrySet()
              .removeIf(e -> e.getKey().repo().equals(repo) && e.getValue().absent());
        }
        state.keptBy.keySet().retainAll(state.mirrorTags.keySet());
        List<StoredBlob> freed = new ArrayList<>();
        for (Digest digest : candidates) {
          StoredBlob blob = state.blobs.get(digest);
          if (blob != null && unreferenced(digest) && !linkedByHosted(cache, digest)) {
            forget(digest);
            freed.add(blob);
          }
        }
        return freed;
      }

      @Override
      public void keepMirrorTag(RepositoryName repository, Tag tag, @Nullable String rule) {
        checkWritable();
        RepoTag key = new RepoTag(repository, tag);
        if (!state.mirrorTags.containsKey(key)) {
          return;
        }
        if (rule == null) {
          state.keptBy.remove(key);
        } else {
          state.keptBy.put(key, rule);
        }
      }

      @Override
      public int releaseKeptMirrorTags(String rule) {
        checkWritable();
        int before = state.keptBy.size();
        state.keptBy.values().removeIf(rule::equals);
        return before - state.keptBy.size();
      }

      @Override
      public List<ManifestKey> unindexedManifests(int limit) {
        checkOpen();
        checkLimit(limit);
        return state.manifestUse.entrySet().stream()
            .filter(e -> !e.getValue().indexed())
            .map(Map.Entry::getKey)
            .sorted(BY_REPO_THEN_DIGEST)
            .limit(limit)
            .map(k -> new ManifestKey(k.repo(), k.digest()))
            .toList();
      }

      @Override
      public void indexManifest(ManifestKey manifest, Set<Digest> references) {
        checkWritable();
        RepoDigest key = new RepoDigest(manifest.repository(), manifest.digest());
        ManifestUse use = state.manifestUse.get(key);
        if (use == null) {
          return; // deleted since it was listed
        }
        state.references.remove(key);
        addReferences(key, references);
        state.manifestUse.put(key, new ManifestUse(use.used(), true));
      }

      @Override
      public List<StoredBlob> blobs(@Nullable Digest after, int limit) {
        checkOpen();
        return page(state.blobs, after, limit, b -> true);
      }

      @Override
      public Optional<StoredBlob> blob(Digest digest) {
        checkOpen();
        return Optional.ofNullable(state.blobs.get(digest));
      }

      @Override
      public List<ManifestKey> manifestsUsing(Digest digest, int limit) {
        checkOpen();
        checkLimit(limit);
        Set<RepoDigest> using = new HashSet<>();
        state.manifests.keySet().stream()
            .filter(k -> k.digest().equals(digest))
            .forEach(using::add);
        state.references.forEach(
            (manifest, children) -> {
              if (children.contains(digest)) {
                using.add(manifest);
              }
            });
        return using.stream()
            .sorted(BY_REPO_THEN_DIGEST)
            .limit(limit)
            .map(k -> new ManifestKey(k.repo(), k.digest()))
            .toList();
      }
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
    public ClusterTransaction cluster() {
      return state.cluster.transaction(
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
