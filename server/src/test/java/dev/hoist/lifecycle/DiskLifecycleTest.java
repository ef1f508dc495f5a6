package dev.hoist.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.oci.Digest;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.repository.CachedTag;
import dev.hoist.repository.LocalNamespace;
import dev.hoist.repository.RepositoryRequest;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.CacheRepositories;
import dev.hoist.storage.fs.FileSystemBlobStore;
import dev.hoist.storage.sql.SqliteMetadataStore;
import dev.hoist.testkit.RandomImages;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eviction and garbage collection over the real stores (SQLite, filesystem), with a clock the test
 * moves and a disk probe it sets.
 */
class DiskLifecycleTest {
  private static final String UPSTREAM = "up.example";
  private static final CacheRepositories CACHE = new CacheRepositories(List.of(UPSTREAM));
  private static final long MIB = 1 << 20;

  @TempDir Path dir;
  final AtomicLong now = new AtomicLong(Instant.parse("2026-12-01T00:00:00Z").toEpochMilli());
  final InstantSource clock = () -> Instant.ofEpochMilli(now.get());
  final AtomicLong free = new AtomicLong(1000 * MIB);
  final DiskProbe probe = () -> new DiskProbe.Space(1000 * MIB, free.get());
  SqliteMetadataStore metadata;
  DiskLifecycle disk;
  LocalNamespace local;
  BlobStore blobs;
  BlobStore raw; // for the test's own checks: looking through the tracked store leases a blob
  long seed;

  void open(DiskConfig config) throws IOException {
    metadata = SqliteMetadataStore.open(dir, clock);
    disk =
        DiskLifecycle.create(
            config,
            raw = new FileSystemBlobStore(dir),
            metadata,
            CACHE,
            dir,
            probe,
            clock,
            new SimpleMeterRegistry());
    blobs = disk.blobs();
    local = new LocalNamespace(blobs, metadata, clock);
    disk.start(local.uploadJanitor(), Duration.ofHours(24));
  }

  @AfterEach
  void close() {
    if (disk != null) {
      disk.close();
    }
    if (metadata != null) {
      metadata.close();
    }
  }

  record Stored(Digest manifest, List<Digest> blobs) {}

  /** Stores an image in a cache repository as the mirror does: blobs linked, manifest untagged. */
  Stored cached(String path, int... layerMiB) throws IOException {
    RepositoryName name = RepositoryName.of(UPSTREAM + "/" + path);
    List<Digest> digests = new ArrayList<>();
    StringBuilder layers = new StringBuilder();
    for (int size : layerMiB) {
      byte[] bytes = RandomImages.randomBytes(seed++, size * (int) MIB);
      Digest d = Digest.sha256(bytes);
      blobs.put(d, bytes);
      local.mirrorCache().link(name, d, bytes.length);
      digests.add(d);
      layers
          .append(layers.isEmpty() ? "" : ",")
          .append(descriptor(MediaTypes.OCI_LAYER_TAR_GZIP, d, bytes.length));
    }
    byte[] config =
        ("{\"path\":\"" + path + "\",\"seed\":" + seed++ + "}").getBytes(StandardCharsets.UTF_8);
    Digest configDigest = Digest.sha256(config);
    blobs.put(configDigest, config);
    local.mirrorCache().link(name, configDigest, config.length);
    digests.add(configDigest);
    String json =
        "{\"schemaVersion\":2,\"mediaType\":\""
            + MediaTypes.OCI_MANIFEST
            + "\",\"config\":"
            + descriptor(MediaTypes.OCI_CONFIG, configDigest, config.length)
            + ",\"layers\":["
            + layers
            + "]}";
    Manifest manifest =
        Manifest.parse(json.getBytes(StandardCharsets.UTF_8), MediaTypes.OCI_MANIFEST);
    local.mirrorCache().storeManifest(name, manifest);
    local
        .mirrorCache()
        .remember(name, new CachedTag.Present(Tag.LATEST, manifest.digest(), clock.instant()));
    return new Stored(manifest.digest(), digests);
  }

  private static String descriptor(String mediaType, Digest digest, long size) {
    return "{\"mediaType\":\""
        + mediaType
        + "\",\"digest\":\""
        + digest
        + "\",\"size\":"
        + size
        + "}";
  }

  void later(Duration d) {
    now.addAndGet(d.toMillis());
  }

  boolean stored(Digest d) throws IOException {
    return raw.size(d).isPresent();
  }

  void pull(String path, Digest manifest) throws IOException {
    var repo =
        disk.decorate(local)
            .repository(RepositoryRequest.internal(RepositoryName.of(UPSTREAM + "/" + path)));
    repo.manifests().get(new dev.hoist.repository.ManifestReference.ByDigest(manifest), true);
  }

  @Test
  void leastRecentlyPulledImagesGoFirstDownToTheLowWaterMark() throws IOException {
    open(DiskConfig.off().withCacheMaxSize(10 * MIB));
    Stored a = cached("a", 3);
    later(Duration.ofMinutes(1));
    Stored b = cached("b", 3);
    later(Duration.ofMinutes(1));
    Stored c = cached("c", 3);
    later(Duration.ofMinutes(1));
    pull("a", a.manifest()); // a is now the most recently pulled
    later(Duration.ofMinutes(1));
    Stored d = cached("d", 3); // 12 MiB: over the 10 MiB limit

    // A round runs as soon as a commit passes the limit; this one finishes the job.
    disk.evictNow();

    // Down to 9 MiB: b (least recently used), then c go; a (pulled) and d (new) stay.
    for (Digest blob : b.blobs()) {
      assertThat(stored(blob)).isFalse();
    }
    for (Digest blob : c.blobs()) {
      assertThat(stored(blob)).isFalse();
    }
    for (Digest blob : a.blobs()) {
      assertThat(stored(blob)).isTrue();
    }
    assertThat(stored(d.manifest())).isTrue();
    assertThat(disk.status().cache().bytes()).isLessThanOrEqualTo(9 * MIB);
    // The tag record went with the image: the mirror asks the upstream again.
    assertThat(local.mirrorCache().tag(RepositoryName.of(UPSTREAM + "/b"), Tag.LATEST)).isEmpty();
    assertThat(local.mirrorCache().tag(RepositoryName.of(UPSTREAM + "/a"), Tag.LATEST)).isPresent();
  }

  @Test
  void aLayerSharedWithAKeptImageIsNeverDeleted() throws IOException {
    open(DiskConfig.off().withCacheMaxSize(6 * MIB));
    Stored old = cached("old", 4, 2);
    later(Duration.ofMinutes(1));
    // The same layer in another repository, pulled later.
    byte[] shared = RandomImages.randomBytes(0, 4 * (int) MIB);
    assertThat(Digest.sha256(shared)).isEqualTo(old.blobs().get(0));
    seed = 0;
    Stored recent = cached("recent", 4);
    later(Duration.ofMinutes(1));
    cached("newest", 1); // 7 MiB: evicting old's own 2 MiB is enough

    disk.evictNow();

    assertThat(stored(old.manifest())).isFalse();
    assertThat(stored(old.blobs().get(1))).isFalse();
    assertThat(stored(old.blobs().get(0))).isTrue(); // recent uses it
    assertThat(stored(recent.manifest())).isTrue();
  }

  @Test
  void hostedContentAndImagesKeptBySyncAreNeverEvicted() throws IOException {
    open(DiskConfig.off().withCacheMaxSize(1));
    Stored kept = cached("kept", 2);
    metadata.write(
        tx -> {
          tx.lifecycle()
              .keepMirrorTag(RepositoryName.of(UPSTREAM + "/kept"), Tag.LATEST, "nightly");
          return null;
        });
    byte[] hostedLayer = RandomImages.randomBytes(99, (int) MIB);
    Digest hosted = Digest.sha256(hostedLayer);
    blobs.put(hosted, hostedLayer);
    metadata.write(
        tx -> {
          tx.linkBlob(RepositoryName.of("team/app"), hosted, hostedLayer.length);
          return null;
        });
    later(Duration.ofMinutes(1));

    Eviction.Report report = disk.evictNow();

    assertThat(report.images()).isZero();
    assertThat(stored(kept.manifest())).isTrue();
    assertThat(stored(hosted)).isTrue();
  }

  @Test
  void imagesIdlePastMaxIdleGoEvenWithoutASizeLimit() throws IOException {
    open(DiskConfig.off().withCacheMaxIdle(Duration.ofDays(30)));
    Stored idle = cached("idle", 1);
    later(Duration.ofDays(20));
    Stored active = cached("active", 1);
    later(Duration.ofDays(11));

    Eviction.Report report = disk.evictNow();

    assertThat(report.images()).isEqualTo(1);
    assertThat(stored(idle.manifest())).isFalse();
    assertThat(stored(active.manifest())).isTrue();
  }

  @Test
  void lowFreeDiskEvictsUntilTheMarginIsBack() throws IOException {
    open(DiskConfig.off().withMinFreeDisk(DiskConfig.FreeSpace.percent(10)));
    Stored a = cached("a", 2);
    later(Duration.ofMinutes(1));
    Stored b = cached("b", 2);
    later(Duration.ofMinutes(1));
    free.set(99 * MIB); // 9.9% free of 1000 MiB: needs 111 MiB - 99 MiB = 12 MiB, more than all

    Eviction.Report report = disk.evictNow();

    assertThat(report.needed()).isEqualTo((long) (100 * MIB / 0.9) - 99 * MIB);
    assertThat(stored(a.manifest())).isFalse();
    assertThat(stored(b.manifest())).isFalse();
  }

  @Test
  void nothingIsEvictedWithinTheLimits() throws IOException {
    open(DiskConfig.off().withCacheMaxSize(100 * MIB));
    Stored a = cached("a", 2);
    later(Duration.ofMinutes(1));

    assertThat(disk.evictNow().images()).isZero();
    assertThat(stored(a.manifest())).isTrue();
  }

  @Test
  void garbageCollectionDeletesWhatNoManifestUsesOnlyAfterTheGraceWindow() throws IOException {
    open(DiskConfig.off().withGc(Duration.ofHours(1), Duration.ZERO));
    Stored a = cached("a", 1);
    Stored b = cached("b", 1);
    metadata.write(tx -> tx.deleteManifest(RepositoryName.of(UPSTREAM + "/a"), a.manifest()));

    assertThat(disk.collectGarbage(false).blobs()).isZero();
    later(Duration.ofMinutes(61));
    GarbageCollector.Report dry = disk.collectGarbage(true);
    assertThat(dry.blobs()).isEqualTo(3); // layer, config, manifest
    assertThat(stored(a.manifest())).isTrue();

    GarbageCollector.Report report = disk.collectGarbage(false);

    assertThat(report.blobs()).isEqualTo(3);
    for (Digest blob : a.blobs()) {
      assertThat(stored(blob)).isFalse();
    }
    assertThat(stored(a.manifest())).isFalse();
    for (Digest blob : b.blobs()) {
      assertThat(stored(blob)).isTrue();
    }
    // Links went too: the repository no longer claims the blob.
    assertThat(local.mirrorCache().linked(RepositoryName.of(UPSTREAM + "/a"), a.blobs().get(0)))
        .isFalse();
  }

  @Test
  void aBlobCheckedByAPushIsKeptThroughTheGraceWindow() throws IOException {
    open(DiskConfig.off().withGc(Duration.ofHours(1), Duration.ZERO));
    byte[] layer = RandomImages.randomBytes(7, 1000);
    Digest digest = Digest.sha256(layer);
    blobs.put(digest, layer);
    RepositoryName repo = RepositoryName.of("team/app");
    metadata.write(
        tx -> {
          tx.linkBlob(repo, digest, layer.length);
          return null;
        });
    later(Duration.ofMinutes(59));
    // A push's HEAD of the blob counts as a use.
    disk.decorate(local).repository(RepositoryRequest.internal(repo)).blobs().get(digest, true);
    later(Duration.ofMinutes(59));

    assertThat(disk.collectGarbage(false).blobs()).isZero();
    assertThat(stored(digest)).isTrue();
    later(Duration.ofMinutes(2));
    assertThat(disk.collectGarbage(false).blobs()).isEqualTo(1);
    assertThat(stored(digest)).isFalse();
  }

  @Test
  void bytesNoRecordNamesAreDeletedOnceOlderThanTheGrace() throws IOException {
    // Files carry the real time they were written: the clock starts there.
    now.set(System.currentTimeMillis());
    open(DiskConfig.off().withGc(Duration.ofHours(1), Duration.ZERO));
    Stored kept = cached("kept", 1);
    // A crash between forgetting a blob and deleting its bytes leaves bytes no record names.
    byte[] orphan = RandomImages.randomBytes(42, 1000);
    raw.put(Digest.sha256(orphan), orphan);
    later(Duration.ofMinutes(30));

    assertThat(disk.collectGarbage(false).orphans()).isZero();
    assertThat(stored(Digest.sha256(orphan))).isTrue();
    later(Duration.ofMinutes(31));

    GarbageCollector.Report report = disk.collectGarbage(false);

    assertThat(report.orphans()).isEqualTo(1);
    assertThat(report.bytes()).isEqualTo(orphan.length);
    assertThat(stored(Digest.sha256(orphan))).isFalse();
    for (Digest blob : kept.blobs()) {
      assertThat(stored(blob)).isTrue();
    }
  }
}
