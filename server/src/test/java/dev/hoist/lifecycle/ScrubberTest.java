package dev.hoist.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.oci.Digest;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.repository.LocalNamespace;
import dev.hoist.repository.Repository;
import dev.hoist.repository.RepositoryRequest;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.CacheRepositories;
import dev.hoist.storage.ManifestKey;
import dev.hoist.storage.StoredBlob;
import dev.hoist.storage.fs.FileSystemBlobStore;
import dev.hoist.storage.sql.SqliteMetadataStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Scrub passes over real stores (filesystem and SQLite) in a temporary directory. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ScrubberTest {
  private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
  private static final RepositoryName HOSTED = RepositoryName.of("team/app");
  private static final RepositoryName CACHED = RepositoryName.of("docker.io/library/app");
  private static final CacheRepositories CACHE = new CacheRepositories(List.of("docker.io"));

  @TempDir Path dir;
  private FileSystemBlobStore blobs;
  private SqliteMetadataStore metadata;
  private LocalNamespace local;
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  @BeforeEach
  void open() throws IOException {
    blobs = new FileSystemBlobStore(dir, InstantSource.fixed(NOW));
    metadata = SqliteMetadataStore.open(dir, InstantSource.fixed(NOW));
    local = new LocalNamespace(blobs, metadata, InstantSource.fixed(NOW));
  }

  @AfterEach
  void close() {
    metadata.close();
  }

  private Scrubber scrubber() {
    return new Scrubber(blobs, metadata, CACHE::contains, 0, meters, InstantSource.fixed(NOW));
  }

  @Test
  void aSoundStoreIsCleanAndEveryBlobAndByteIsCounted() throws Exception {
    Image hosted = pushHosted(1);
    Image cached = storeCached(2);

    ScrubReport report = scrubber().scrubAll();

    assertThat(report.clean()).isTrue();
    assertThat(report.blobs()).isEqualTo(6);
    assertThat(report.bytes()).isEqualTo(hosted.bytes() + cached.bytes());
    assertThat(meters.get("hoist.scrub.blobs").counter().count()).isEqualTo(6);
    assertThat(meters.get("hoist.scrub.bytes").counter().count())
        .isEqualTo(hosted.bytes() + cached.bytes());
    assertThat(meters.get("hoist.scrub.last.pass.seconds").gauge().value())
        .isEqualTo(NOW.getEpochSecond());
  }

  @Test
  void aFlippedBitIsQuarantinedForgottenAndReportedWithTheHostedManifestsUsingIt()
      throws Exception {
    Image image = pushHosted(1);
    Path file = path(image.layer());
    byte[] rotten = Files.readAllBytes(file);
    rotten[1234] ^= 0x04;
    Files.write(file, rotten);

    ScrubReport report = scrubber().scrubAll();

    assertThat(report.corruptions())
        .containsExactly(
            new Corruption(
                image.layer(),
                Corruption.Kind.HASH,
                rotten.length,
                rotten.length,
                List.of(new ManifestKey(HOSTED, image.manifest())),
                true,
                Corruption.Outcome.QUARANTINED));
    assertThat(quarantined())
        .singleElement()
        .satisfies(p -> assertThat(p).hasBinaryContent(rotten))
        .satisfies(p -> assertThat(p.getFileName().toString()).startsWith("sha256-"));
    assertThat(file).doesNotExist();
    assertThat(record(image.layer())).isEmpty();
    assertThat(link(HOSTED, image.layer())).isEmpty();
    assertThat(meters.get("hoist.scrub.corruptions").tag("kind", "hash").counter().count())
        .isEqualTo(1);
  }

  @Test
  void aTruncatedCachedBlobIsQuarantinedAndForgottenSoTheMirrorFetchesItAgain() throws Exception {
    Image image = storeCached(3);
    Path file = path(image.layer());
    long size = Files.size(file);
    try (var channel = Files.newByteChannel(file, StandardOpenOption.WRITE)) {
      channel.truncate(1000);
    }

    ScrubReport report = scrubber().scrubAll();

    assertThat(report.corruptions())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.digest()).isEqualTo(image.layer());
              assertThat(c.kind()).isEqualTo(Corruption.Kind.SIZE);
              assertThat(c.expectedSize()).isEqualTo(size);
              assertThat(c.actualSize()).isEqualTo(1000);
              assertThat(c.hosted()).isFalse();
              assertThat(c.usedBy()).containsExactly(new ManifestKey(CACHED, image.manifest()));
              assertThat(c.outcome()).isEqualTo(Corruption.Outcome.QUARANTINED);
            });
    assertThat(record(image.layer())).isEmpty();
    assertThat(link(CACHED, image.layer())).as("the mirror's next request fetches it").isEmpty();
    assertThat(meters.get("hoist.scrub.corruptions").tag("kind", "size").counter().count())
        .isEqualTo(1);
  }

  @Test
  void aMissingCachedBlobIsForgottenAndAMissingHostedOneKeptAndReportedEveryPass()
      throws Exception {
    Image hosted = pushHosted(4);
    Image cached = storeCached(5);
    Files.delete(path(hosted.layer()));
    Files.delete(path(cached.layer()));

    ScrubReport first = scrubber().scrubAll();

    assertThat(first.corruptions())
        .extracting(Corruption::digest, Corruption::kind, Corruption::outcome, Corruption::hosted)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(
                hosted.layer(), Corruption.Kind.MISSING, Corruption.Outcome.KEPT, true),
            org.assertj.core.groups.Tuple.tuple(
                cached.layer(), Corruption.Kind.MISSING, Corruption.Outcome.FORGOTTEN, false));
    assertThat(first.corruptions()).allSatisfy(c -> assertThat(c.actualSize()).isEqualTo(-1));
    assertThat(record(cached.layer())).isEmpty();
    assertThat(record(hosted.layer())).isPresent();

    ScrubReport second = scrubber().scrubAll();
    assertThat(second.blobs()).isEqualTo(first.blobs() - 1);
    assertThat(second.corruptions()).extracting(Corruption::digest).containsExactly(hosted.layer());
    assertThat(meters.get("hoist.scrub.corruptions").tag("kind", "missing").counter().count())
        .isEqualTo(3);
  }

  @Test
  void aPassAfterTheQuarantineIsCleanAndThePushedAgainBlobIsSound() throws Exception {
    Image image = pushHosted(6);
    byte[] layer = Files.readAllBytes(path(image.layer()));
    Files.write(path(image.layer()), new byte[layer.length]);
    assertThat(scrubber().scrubAll().corruptions()).hasSize(1);

    assertThat(scrubber().scrubAll().clean()).isTrue();
    push(HOSTED, layer);
    ScrubReport after = scrubber().scrubAll();
    assertThat(after.clean()).isTrue();
    assertThat(after.blobs()).isEqualTo(3);
  }

  @Test
  void everyPageOfRecordsIsChecked() throws Exception {
    pushHosted(10);
    pushHosted(11);
    List<StoredBlob> all = metadata.read(tx -> tx.lifecycle().blobs(null, 10));
    Digest last = all.get(all.size() - 1).digest();
    Files.write(path(last), "rotten".getBytes(StandardCharsets.UTF_8));
    Scrubber pagedByTwo =
        new Scrubber(
            blobs, metadata, CACHE::contains, 0, meters, InstantSource.fixed(NOW), Pacer::of, 2);

    ScrubReport report = pagedByTwo.scrubAll();

    assertThat(report.blobs()).isEqualTo(6);
    assertThat(report.corruptions()).extracting(Corruption::digest).containsExactly(last);
  }

  @Test
  void aPassReadsAtItsRate() throws Exception {
    Image image = pushHosted(7);
    AtomicLong now = new AtomicLong();
    List<Long> sleeps = new ArrayList<>();
    long rate = 100_000;
    Scrubber paced =
        new Scrubber(
            blobs,
            metadata,
            CACHE::contains,
            rate,
            meters,
            InstantSource.fixed(NOW),
            r ->
                new Pacer(
                    r,
                    now::get,
                    nanos -> {
                      sleeps.add(nanos);
                      now.addAndGet(nanos);
                    }),
            1000);

    ScrubReport report = paced.scrubAll();

    long slept = sleeps.stream().mapToLong(Long::longValue).sum();
    assertThat(report.bytes()).isEqualTo(image.bytes());
    assertThat(slept)
        .isCloseTo(
            TimeUnit.SECONDS.toNanos(1) * image.bytes() / rate,
            org.assertj.core.data.Offset.offset(TimeUnit.MILLISECONDS.toNanos(1)));
  }

  @Test
  void anInterruptedPassStops() throws Exception {
    pushHosted(8);
    Thread.currentThread().interrupt();

    assertThatThrownBy(() -> scrubber().scrubAll()).isInstanceOf(InterruptedException.class);
    assertThat(meters.get("hoist.scrub.last.pass.seconds").gauge().value()).isNaN();
  }

  @Test
  void theBackgroundScrubRunsPassesAndStopsOneUnderWayOnClose() throws Exception {
    Image image = pushHosted(9);
    Files.write(path(image.config()), "rotten".getBytes(StandardCharsets.UTF_8));
    Scrubber fast = scrubber();
    BackgroundScrub background = BackgroundScrub.start(fast, Duration.ofDays(7), Duration.ZERO);
    while (fast.lastPass().isEmpty()) {
      Thread.sleep(10);
    }
    background.close();
    assertThat(background.running()).isFalse();
    assertThat(quarantined()).hasSize(1);

    // A pass that would take days at its rate ends when the server stops.
    SimpleMeterRegistry slowMeters = new SimpleMeterRegistry();
    Scrubber slow =
        new Scrubber(blobs, metadata, CACHE::contains, 1, slowMeters, InstantSource.fixed(NOW));
    BackgroundScrub stopping = BackgroundScrub.start(slow, Duration.ofDays(7), Duration.ZERO);
    while (slowMeters.get("hoist.scrub.bytes").counter().count() == 0) {
      Thread.sleep(10);
    }
    stopping.close();
    assertThat(stopping.running()).isFalse();
    assertThat(slow.lastPass()).isEmpty();
  }

  // Fixtures.

  /** An image: config, one layer, a manifest; {@code bytes} is all of them. */
  private record Image(Digest manifest, Digest config, Digest layer, long bytes) {}

  private Image pushHosted(long seed) throws Exception {
    byte[] config = config(seed);
    byte[] layer = random(300_000 + (int) seed, seed);
    push(HOSTED, config);
    push(HOSTED, layer);
    Manifest manifest = manifest(config, layer);
    hosted(HOSTED).writer().putManifest(manifest, null);
    return new Image(
        manifest.digest(),
        Digest.sha256(config),
        Digest.sha256(layer),
        config.length + layer.length + manifest.size());
  }

  /** As the mirror stores what it pulled: the manifest, and each blob linked once fetched. */
  private Image storeCached(long seed) throws Exception {
    byte[] config = config(seed);
    byte[] layer = random(200_000 + (int) seed, seed);
    Manifest manifest = manifest(config, layer);
    local.mirrorCache().storeManifest(CACHED, manifest);
    for (byte[] blob : List.of(config, layer)) {
      Digest digest = Digest.sha256(blob);
      blobs.put(digest, blob);
      local.mirrorCache().link(CACHED, digest, blob.length);
    }
    return new Image(
        manifest.digest(),
        Digest.sha256(config),
        Digest.sha256(layer),
        config.length + layer.length + manifest.size());
  }

  private Repository hosted(RepositoryName name) {
    return local.repository(RepositoryRequest.internal(name));
  }

  private void push(RepositoryName name, byte[] bytes) throws Exception {
    Repository.Writer writer = hosted(name).writer();
    var upload = writer.uploads().create();
    upload.write(ByteBuffer.wrap(bytes));
    writer.uploads().complete(upload.id(), upload, Digest.sha256(bytes));
  }

  private static byte[] config(long seed) {
    return ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"seed\":" + seed + "}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static Manifest manifest(byte[] config, byte[] layer) {
    String json =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
            + Digest.sha256(config)
            + "\",\"size\":"
            + config.length
            + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
            + "\"digest\":\""
            + Digest.sha256(layer)
            + "\",\"size\":"
            + layer.length
            + "}]}";
    return Manifest.parse(
        json.getBytes(StandardCharsets.UTF_8), "application/vnd.oci.image.manifest.v1+json");
  }

  private Path path(Digest digest) throws IOException {
    return ((BlobContent.LocalFile) blobs.open(digest).orElseThrow()).path();
  }

  private Optional<StoredBlob> record(Digest digest) {
    return metadata.read(tx -> tx.lifecycle().blob(digest));
  }

  private Optional<Long> link(RepositoryName repository, Digest digest) {
    return metadata.read(tx -> tx.linkedBlobSize(repository, digest));
  }

  private List<Path> quarantined() throws IOException {
    Path quarantine = dir.resolve("quarantine");
    if (!Files.isDirectory(quarantine)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(quarantine)) {
      return files.toList();
    }
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }
}
