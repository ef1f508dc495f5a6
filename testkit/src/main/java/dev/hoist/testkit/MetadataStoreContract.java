package dev.hoist.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.storage.AccessTokenRecord;
import dev.hoist.storage.AccountRecord;
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
import dev.hoist.storage.QuotaHold;
import dev.hoist.storage.StoredBlob;
import dev.hoist.storage.SyncRuleRecord;
import dev.hoist.storage.SyncStatus;
import dev.hoist.storage.UploadSession;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link MetadataStore} must do. Extend it, implement {@link #openStore(Path)}, and the
 * tests run against the implementation. Instants are compared at millisecond precision, which is
 * what the SQL stores keep.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class MetadataStoreContract {

  protected static final RepositoryName ALPHA = RepositoryName.of("alpha/app");
  protected static final RepositoryName BETA = RepositoryName.of("beta");
  protected static final Instant T0 = Instant.ofEpochMilli(1_700_000_000_123L);
  protected static final String IMAGE_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  @TempDir protected Path dataDir;

  protected MetadataStore store;

  /**
   * A store keeping its data under {@code dataDir}. Called again with the same directory after
   * {@link MetadataStore#close()} to simulate a restart.
   */
  protected abstract MetadataStore openStore(Path dataDir) throws Exception;

  @BeforeEach
  void openTheStore() throws Exception {
    store = openStore(dataDir);
  }

  @AfterEach
  void closeTheStore() {
    if (store != null) {
      store.close();
    }
  }

  // Manifests and tags.

  @Test
  void mirrorTagStateIsRecordedReplacedAndKeptPerRepository() {
    RepositoryName cache = RepositoryName.of("docker.io/library/ubuntu");
    Optional<MirrorTagState> none = store.read(tx -> tx.mirrorTag(cache, Tag.LATEST));
    assertThat(none).isEmpty();
    store.write(
        tx -> {
          tx.putMirrorTag(new MirrorTagState(cache, Tag.LATEST, digest("one"), T0));
          return null;
        });
    Optional<MirrorTagState> one = store.read(tx -> tx.mirrorTag(cache, Tag.LATEST));
    assertThat(one).contains(new MirrorTagState(cache, Tag.LATEST, digest("one"), T0));
    Instant later = T0.plusSeconds(60);
    store.write(
        tx -> {
          tx.putMirrorTag(new MirrorTagState(cache, Tag.LATEST, null, later));
          return null;
        });
    MirrorTagState absent = store.read(tx -> tx.mirrorTag(cache, Tag.LATEST)).orElseThrow();
    assertThat(absent.absent()).isTrue();
    assertThat(absent.checked()).isEqualTo(later);
    Optional<MirrorTagState> other =
        store.read(tx -> tx.mirrorTag(RepositoryName.of("ghcr.io/library/ubuntu"), Tag.LATEST));
    assertThat(other).as("another upstream's tag is another entry").isEmpty();
    Optional<Digest> registryTag = store.read(tx -> tx.tag(cache, Tag.LATEST));
    assertThat(registryTag).as("mirror state is not a registry tag").isEmpty();
  }

  @Test
  void mirrorTagsListsOneRepositorysTagsInOrderPresentAndAbsent() {
    RepositoryName cache = RepositoryName.of("docker.io/library/ubuntu");
    RepositoryName other = RepositoryName.of("docker.io/library/debian");
    store.write(
        tx -> {
          tx.putMirrorTag(new MirrorTagState(cache, Tag.of("b"), digest("b"), T0));
          tx.putMirrorTag(new MirrorTagState(cache, Tag.of("a"), null, T0));
          tx.putMirrorTag(new MirrorTagState(other, Tag.of("c"), digest("c"), T0));
          return null;
        });
    List<MirrorTagState> tags = store.read(tx -> tx.mirrorTags(cache));
    assertThat(tags)
        .containsExactly(
            new MirrorTagState(cache, Tag.of("a"), null, T0),
            new MirrorTagState(cache, Tag.of("b"), digest("b"), T0));
    List<MirrorTagState> none = store.read(tx -> tx.mirrorTags(RepositoryName.of("x/y")));
    assertThat(none).isEmpty();
  }

  @Test
  void mirrorTagStateCannotBeWrittenInAReadTransaction() {
    RepositoryName cache = RepositoryName.of("docker.io/library/ubuntu");
    assertThatThrownBy(
            () ->
                store.read(
                    tx -> {
                      tx.putMirrorTag(new MirrorTagState(cache, Tag.LATEST, null, T0));
                      return null;
                    }))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void syncRulesAreCreatedReplacedListedByNameAndDeletedWithTheirStatus() {
    List<SyncRuleRecord> none = store.read(tx -> tx.sync().rules());
    assertThat(none).isEmpty();
    store.write(
        tx -> {
          tx.sync().putRule(new SyncRuleRecord("web", "{\"a\":1}", T0));
          tx.sync().putRule(new SyncRuleRecord("alpine", "{}", T0));
          return null;
        });
    Instant later = T0.plusSeconds(5);
    store.write(
        tx -> {
          tx.sync().putRule(new SyncRuleRecord("web", "{\"a\":2}", later));
          tx.sync()
              .putStatus(new SyncStatus("web", T0, later, later.plusSeconds(60), 3, 2, 1, 99, "x"));
          return null;
        });
    List<SyncRuleRecord> rules = store.read(tx -> tx.sync().rules());
    assertThat(rules)
        .containsExactly(
            new SyncRuleRecord("alpine", "{}", T0), new SyncRuleRecord("web", "{\"a\":2}", later));
    Optional<SyncStatus> status = store.read(tx -> tx.sync().status("web"));
    assertThat(status)
        .contains(new SyncStatus("web", T0, later, later.plusSeconds(60), 3, 2, 1, 99, "x"));
    assertThatThrownBy(() -> store.read(tx -> tx.sync().deleteRule("web")))
        .isInstanceOf(IllegalStateException.class);
    boolean deleted = store.write(tx -> tx.sync().deleteRule("web"));
    boolean deletedAgain = store.write(tx -> tx.sync().deleteRule("web"));
    assertThat(deleted).isTrue();
    assertThat(deletedAgain).isFalse();
    Optional<SyncRuleRecord> gone = store.read(tx -> tx.sync().rule("web"));
    Optional<SyncStatus> statusGone = store.read(tx -> tx.sync().status("web"));
    assertThat(gone).isEmpty();
    assertThat(statusGone).isEmpty();
  }

  @Test
  void syncStatusKeepsMissingTimesAsNullAndSurvivesARestart() {
    store.write(
        tx -> {
          tx.sync().putRule(new SyncRuleRecord("r", "{}", T0));
          tx.sync().putStatus(new SyncStatus("r", T0, null, null, 0, 0, 0, 0, null));
          return null;
        });
    store.close();
    try {
      store = openStore(dataDir);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    Optional<SyncStatus> status = store.read(tx -> tx.sync().status("r"));
    Optional<SyncRuleRecord> rule = store.read(tx -> tx.sync().rule("r"));
    assertThat(status).contains(new SyncStatus("r", T0, null, null, 0, 0, 0, 0, null));
    assertThat(rule).isPresent();
  }

  @Test
  void syncRulesCannotBeWrittenInAReadTransaction() {
    assertThatThrownBy(
            () ->
                store.read(
                    tx -> {
                      tx.sync().putRule(new SyncRuleRecord("r", "{}", T0));
                      return null;
                    }))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void manifestAndItsTagAppearTogether() {
    ManifestRecord m = manifest("one");

    write(tx -> tx.putManifest(ALPHA, m, Set.of(), Tag.LATEST));

    read(
        tx -> {
          assertThat(tx.manifest(ALPHA, m.digest())).contains(m);
          assertThat(tx.tag(ALPHA, Tag.LATEST)).contains(m.digest());
          assertThat(tx.tags(ALPHA, null, 100)).containsExactly(Tag.LATEST);
        });
  }

  @Test
  void manifestKeepsEveryField() {
    Digest subject = digest("subject");
    ManifestRecord m =
        new ManifestRecord(
            digest("full"),
            "application/vnd.oci.image.manifest.v1+json",
            1234,
            "application/vnd.example.sbom",
            subject,
            Map.of("org.opencontainers.image.created", "2024-01-01T00:00:00Z", "k", "v \"q\" é"),
            T0);

    write(tx -> tx.putManifest(ALPHA, m, Set.of(), null));

    read(tx -> assertThat(tx.manifest(ALPHA, m.digest())).contains(m));
  }

  @Test
  void manifestWithoutOptionalFieldsRoundTrips() {
    ManifestRecord m = new ManifestRecord(digest("bare"), IMAGE_MANIFEST, 0, null, null, null, T0);

    write(tx -> tx.putManifest(ALPHA, m, Set.of(), null));

    ManifestRecord stored = store.read(tx -> tx.manifest(ALPHA, m.digest())).orElseThrow();
    assertThat(stored).isEqualTo(m);
    assertThat(stored.annotations()).isEmpty();
  }

  @Test
  void manifestWithoutTagHasNoTag() {
    ManifestRecord m = manifest("untagged");

    write(tx -> tx.putManifest(ALPHA, m, Set.of(), null));

    read(
        tx -> {
          assertThat(tx.manifest(ALPHA, m.digest())).isPresent();
          assertThat(tx.tags(ALPHA, null, 100)).isEmpty();
        });
  }

  @Test
  void puttingAManifestAgainKeepsTheFirstRecord() {
    ManifestRecord first = manifest("same");
    ManifestRecord again =
        new ManifestRecord(
            first.digest(), first.mediaType(), first.size(), null, null, null, T0.plusSeconds(60));

    write(tx -> tx.putManifest(ALPHA, first, Set.of(), null));
    write(tx -> tx.putManifest(ALPHA, again, Set.of(), Tag.of("v1")));

    read(
        tx -> {
          assertThat(tx.manifest(ALPHA, first.digest())).contains(first);
          assertThat(tx.tag(ALPHA, Tag.of("v1"))).contains(first.digest());
        });
  }

  @Test
  void manifestsBelongToTheirRepository() {
    ManifestRecord m = manifest("scoped");

    write(tx -> tx.putManifest(ALPHA, m, Set.of(), Tag.LATEST));

    read(
        tx -> {
          assertThat(tx.manifest(BETA, m.digest())).isEmpty();
          assertThat(tx.tag(BETA, Tag.LATEST)).isEmpty();
          assertThat(tx.tags(BETA, null, 100)).isEmpty();
        });
  }

  @Test
  void tagMovesToAnotherManifestInOneStep() {
    ManifestRecord v1 = manifest("v1");
    ManifestRecord v2 = manifest("v2");
    write(tx -> tx.putManifest(ALPHA, v1, Set.of(), Tag.LATEST));

    write(tx -> tx.putManifest(ALPHA, v2, Set.of(), Tag.LATEST));

    read(
        tx -> {
          assertThat(tx.tag(ALPHA, Tag.LATEST)).contains(v2.digest());
          assertThat(tx.manifest(ALPHA, v1.digest())).as("old manifest stays").isPresent();
          assertThat(tx.tags(ALPHA, null, 10)).containsExactly(Tag.LATEST);
        });
  }

  @Test
  void tagsAreListedInLexicalOrderAndPaginated() {
    ManifestRecord m = manifest("many-tags");
    List<String> names = List.of("v1.9", "latest", "Z", "v1.10", "_b", "a", "v1.0", "A-1", "0");
    write(
        tx -> {
          for (String name : names) {
            tx.putManifest(ALPHA, m, Set.of(), Tag.of(name));
          }
        });
    List<Tag> sorted = names.stream().sorted().map(Tag::of).toList();

    read(
        tx -> {
          assertThat(tx.tags(ALPHA, null, 100)).containsExactlyElementsOf(sorted);
          assertThat(tx.tags(ALPHA, null, 3)).containsExactlyElementsOf(sorted.subList(0, 3));
          assertThat(tx.tags(ALPHA, sorted.get(2), 3))
              .containsExactlyElementsOf(sorted.subList(3, 6));
          assertThat(tx.tags(ALPHA, sorted.get(7), 3))
              .containsExactlyElementsOf(sorted.subList(8, 9));
          assertThat(tx.tags(ALPHA, sorted.get(8), 3)).isEmpty();
          assertThat(tx.tags(ALPHA, Tag.of("b"), 100)).as("last need not exist").hasSize(4);
          assertThat(tx.tags(ALPHA, null, 0)).isEmpty();
        });
  }

  @Test
  void deleteTagLeavesTheManifest() {
    ManifestRecord m = manifest("keep");
    write(
        tx -> {
          tx.putManifest(ALPHA, m, Set.of(), Tag.of("a"));
          tx.putManifest(ALPHA, m, Set.of(), Tag.of("b"));
        });

    write(tx -> assertThat(tx.deleteTag(ALPHA, Tag.of("a"))).isTrue());
    write(tx -> assertThat(tx.deleteTag(ALPHA, Tag.of("a"))).isFalse());

    read(
        tx -> {
          assertThat(tx.tag(ALPHA, Tag.of("a"))).isEmpty();
          assertThat(tx.tags(ALPHA, null, 10)).containsExactly(Tag.of("b"));
          assertThat(tx.manifest(ALPHA, m.digest())).isPresent();
        });
  }

  @Test
  void deleteManifestRemovesItsTagsOnly() {
    ManifestRecord gone = manifest("gone");
    ManifestRecord kept = manifest("kept");
    write(
        tx -> {
          tx.putManifest(ALPHA, gone, Set.of(), Tag.of("a"));
          tx.putManifest(ALPHA, gone, Set.of(), Tag.of("b"));
          tx.putManifest(ALPHA, kept, Set.of(), Tag.of("c"));
          tx.putManifest(BETA, gone, Set.of(), Tag.of("a"));
        });

    write(tx -> assertThat(tx.deleteManifest(ALPHA, gone.digest())).isTrue());
    write(tx -> assertThat(tx.deleteManifest(ALPHA, gone.digest())).isFalse());

    read(
        tx -> {
          assertThat(tx.manifest(ALPHA, gone.digest())).isEmpty();
          assertThat(tx.tag(ALPHA, Tag.of("a"))).isEmpty();
          assertThat(tx.tags(ALPHA, null, 10)).containsExactly(Tag.of("c"));
          assertThat(tx.manifest(BETA, gone.digest())).as("other repository").isPresent();
          assertThat(tx.tag(BETA, Tag.of("a"))).contains(gone.digest());
        });
  }

  // Referrers.

  @Test
  void referrersAreFoundBySubjectAndOptionallyByArtifactType() {
    Digest subject = digest("image");
    ManifestRecord sbom = referrer("sbom", subject, "application/vnd.example.sbom");
    ManifestRecord sig = referrer("sig", subject, "application/vnd.example.signature");
    ManifestRecord other = referrer("other", digest("another image"), "application/x");
    write(
        tx -> {
          tx.putManifest(ALPHA, manifest("image"), Set.of(), null);
          tx.putManifest(ALPHA, sbom, Set.of(), null);
          tx.putManifest(ALPHA, sig, Set.of(), null);
          tx.putManifest(ALPHA, other, Set.of(), null);
          tx.putManifest(
              BETA, referrer("beta", subject, "application/vnd.example.sbom"), Set.of(), null);
        });

    read(
        tx -> {
          assertThat(tx.referrers(ALPHA, subject, null)).containsExactlyInAnyOrder(sbom, sig);
          assertThat(tx.referrers(ALPHA, subject, "application/vnd.example.sbom"))
              .containsExactly(sbom);
          assertThat(tx.referrers(ALPHA, subject, "application/none")).isEmpty();
          assertThat(tx.referrers(ALPHA, digest("nothing refers"), null)).isEmpty();
        });
  }

  @Test
  void deletedReferrerIsNoLongerListed() {
    Digest subject = digest("image");
    ManifestRecord sbom = referrer("sbom", subject, "application/vnd.example.sbom");
    write(tx -> tx.putManifest(ALPHA, sbom, Set.of(), null));

    write(tx -> tx.deleteManifest(ALPHA, sbom.digest()));

    read(tx -> assertThat(tx.referrers(ALPHA, subject, null)).isEmpty());
  }

  // Blob links.

  @Test
  void blobLinksArePerRepository() {
    Digest layer = digest("layer");

    write(tx -> tx.linkBlob(ALPHA, layer, 42));

    read(
        tx -> {
          assertThat(tx.linkedBlobSize(ALPHA, layer)).contains(42L);
          assertThat(tx.linkedBlobSize(BETA, layer)).isEmpty();
          assertThat(tx.blobLinkCount(layer)).isEqualTo(1);
        });
  }

  @Test
  void linkingIsIdempotentAndCountsRepositories() {
    Digest layer = digest("shared");

    write(
        tx -> {
          tx.linkBlob(ALPHA, layer, 42);
          tx.linkBlob(ALPHA, layer, 42);
        });
    write(tx -> tx.linkBlob(BETA, layer, 42));

    read(tx -> assertThat(tx.blobLinkCount(layer)).isEqualTo(2));
    read(tx -> assertThat(tx.blobLinkCount(digest("unlinked"))).isZero());
  }

  @Test
  void unlinkRemovesOneRepositorysLink() {
    Digest layer = digest("unlink");
    write(
        tx -> {
          tx.linkBlob(ALPHA, layer, 7);
          tx.linkBlob(BETA, layer, 7);
        });

    write(tx -> assertThat(tx.unlinkBlob(ALPHA, layer)).isTrue());
    write(tx -> assertThat(tx.unlinkBlob(ALPHA, layer)).isFalse());

    read(
        tx -> {
          assertThat(tx.linkedBlobSize(ALPHA, layer)).isEmpty();
          assertThat(tx.linkedBlobSize(BETA, layer)).contains(7L);
          assertThat(tx.blobLinkCount(layer)).isEqualTo(1);
        });
  }

  @Test
  void largeBlobSizesAreKept() {
    Digest layer = digest("big");
    long size = 50L * 1024 * 1024 * 1024;

    write(tx -> tx.linkBlob(ALPHA, layer, size));

    read(tx -> assertThat(tx.linkedBlobSize(ALPHA, layer)).contains(size));
  }

  // Repositories.

  @Test
  void repositoryExistsWhileItHasAManifestOrABlobLink() {
    ManifestRecord m = manifest("exists");
    Digest layer = digest("exists-layer");
    read(tx -> assertThat(tx.repositoryExists(ALPHA)).isFalse());

    write(tx -> tx.linkBlob(ALPHA, layer, 1));
    read(tx -> assertThat(tx.repositoryExists(ALPHA)).isTrue());
    read(tx -> assertThat(tx.repositoryExists(BETA)).isFalse());

    write(tx -> tx.unlinkBlob(ALPHA, layer));
    read(tx -> assertThat(tx.repositoryExists(ALPHA)).isFalse());

    write(tx -> tx.putManifest(ALPHA, m, Set.of(), Tag.LATEST));
    read(tx -> assertThat(tx.repositoryExists(ALPHA)).isTrue());

    write(tx -> tx.deleteTag(ALPHA, Tag.LATEST));
    read(tx -> assertThat(tx.repositoryExists(ALPHA)).as("untagged manifest").isTrue());

    write(tx -> tx.deleteManifest(ALPHA, m.digest()));
    read(tx -> assertThat(tx.repositoryExists(ALPHA)).isFalse());
  }

  @Test
  void repositoryWithOnlyAnUploadDoesNotExist() {
    write(tx -> tx.createUpload(new UploadSession("u1", ALPHA, 0, T0, T0)));

    read(tx -> assertThat(tx.repositoryExists(ALPHA)).isFalse());
    read(tx -> assertThat(tx.repositories(null, 10)).isEmpty());
  }

  @Test
  void repositoriesAreListedInLexicalOrderAndPaginated() {
    List<String> names = List.of("library/ubuntu", "a", "b/c", "a/b", "z", "a-b", "library/alpine");
    write(
        tx -> {
          int i = 0;
          for (String name : names) {
            RepositoryName repo = RepositoryName.of(name);
            if (i++ % 2 == 0) {
              tx.putManifest(repo, manifest(name), Set.of(), null);
            } else {
              tx.linkBlob(repo, digest(name), 1);
            }
          }
          // Counted once however much it holds.
          tx.putManifest(RepositoryName.of("a"), manifest("second"), Set.of(), Tag.LATEST);
          tx.linkBlob(RepositoryName.of("a"), digest("a-layer"), 1);
        });
    List<RepositoryName> sorted = names.stream().sorted().map(RepositoryName::of).toList();

    read(
        tx -> {
          assertThat(tx.repositories(null, 100)).containsExactlyElementsOf(sorted);
          assertThat(tx.repositories(null, 2)).containsExactlyElementsOf(sorted.subList(0, 2));
          assertThat(tx.repositories(sorted.get(1), 2))
              .containsExactlyElementsOf(sorted.subList(2, 4));
          assertThat(tx.repositories(sorted.get(5), 2))
              .containsExactlyElementsOf(sorted.subList(6, 7));
          assertThat(tx.repositories(sorted.get(6), 2)).isEmpty();
          assertThat(tx.repositories(RepositoryName.of("c"), 100))
              .containsExactly(
                  RepositoryName.of("library/alpine"),
                  RepositoryName.of("library/ubuntu"),
                  RepositoryName.of("z"));
          assertThat(tx.repositories(null, 0)).isEmpty();
        });
  }

  // Upload sessions.

  @Test
  void uploadSessionsCanBeCreatedReadUpdatedAndDeleted() {
    UploadSession session = new UploadSession("c0ffee-1", ALPHA, 0, T0, T0);

    write(tx -> tx.createUpload(session));
    read(tx -> assertThat(tx.upload("c0ffee-1")).contains(session));

    write(tx -> tx.updateUpload("c0ffee-1", 4096, T0.plusSeconds(5)));
    read(
        tx ->
            assertThat(tx.upload("c0ffee-1"))
                .contains(new UploadSession("c0ffee-1", ALPHA, 4096, T0, T0.plusSeconds(5))));

    write(tx -> assertThat(tx.deleteUpload("c0ffee-1")).isTrue());
    write(tx -> assertThat(tx.deleteUpload("c0ffee-1")).isFalse());
    read(tx -> assertThat(tx.upload("c0ffee-1")).isEmpty());
  }

  @Test
  void unknownUploadIsEmptyAndUpdatingItChangesNothing() {
    write(tx -> tx.updateUpload("missing", 10, T0));

    read(tx -> assertThat(tx.upload("missing")).isEmpty());
  }

  @Test
  void creatingAnUploadWithAnIdInUseFails() {
    write(tx -> tx.createUpload(new UploadSession("dup", ALPHA, 0, T0, T0)));

    assertThatThrownBy(
            () -> write(tx -> tx.createUpload(new UploadSession("dup", BETA, 5, T0, T0))))
        .isInstanceOf(IllegalStateException.class);
    read(tx -> assertThat(tx.upload("dup").orElseThrow().repository()).isEqualTo(ALPHA));
  }

  @Test
  void staleUploadsAreListedOldestFirst() {
    write(
        tx -> {
          tx.createUpload(new UploadSession("c", ALPHA, 0, T0, T0.plusSeconds(30)));
          tx.createUpload(new UploadSession("a", ALPHA, 0, T0, T0.plusSeconds(10)));
          tx.createUpload(new UploadSession("b", BETA, 0, T0, T0.plusSeconds(20)));
          tx.createUpload(new UploadSession("d", BETA, 0, T0, T0.plusSeconds(40)));
        });

    read(
        tx -> {
          assertThat(ids(tx.uploadsUpdatedBefore(T0.plusSeconds(35), 10)))
              .containsExactly("a", "b", "c");
          assertThat(ids(tx.uploadsUpdatedBefore(T0.plusSeconds(35), 2))).containsExactly("a", "b");
          assertThat(ids(tx.uploadsUpdatedBefore(T0.plusSeconds(20), 10)))
              .as("strictly before")
              .containsExactly("a");
          assertThat(tx.uploadsUpdatedBefore(T0, 10)).isEmpty();
        });
    write(tx -> tx.updateUpload("a", 1, T0.plusSeconds(50)));
    read(
        tx ->
            assertThat(ids(tx.uploadsUpdatedBefore(T0.plusSeconds(35), 10)))
                .containsExactly("b", "c"));
  }

  // Disk lifecycle. The stores stamp links and stored manifests with their own clock (the system
  // clock here), so these tests take "now" from it and use times an hour ahead as later uses.

  /** The mirror's cache: repositories under docker.io/ and a_b/ (whose "_" is no wildcard). */
  protected static final CacheRepositories CACHE =
      new CacheRepositories(List.of("docker.io", "a_b"));

  protected static final RepositoryName CACHED = RepositoryName.of("docker.io/library/app");

  @Test
  void linkingOrStoringAManifestRecordsTheBlobUsedNow() {
    Digest layer = digest("recorded layer");
    ManifestRecord m = manifest("recorded");
    Instant before = now();
    write(
        tx -> {
          tx.linkBlob(ALPHA, layer, 42);
          tx.linkBlob(BETA, layer, 42);
          tx.putManifest(ALPHA, m, Set.of(layer), null);
        });
    Instant after = now();

    read(
        tx -> {
          LifecycleTransaction l = tx.lifecycle();
          StoredBlob blob = l.blob(layer).orElseThrow();
          assertThat(blob.size()).isEqualTo(42);
          assertThat(blob.used()).isBetween(before, after);
          StoredBlob bytes = l.blob(m.digest()).orElseThrow();
          assertThat(bytes.size()).as("a manifest's bytes are a blob").isEqualTo(m.size());
          assertThat(bytes.used()).isBetween(before, after);
          assertThat(l.storedBytes()).as("one record per digest").isEqualTo(42 + m.size());
          assertThat(l.blob(digest("never stored"))).isEmpty();
        });
  }

  @Test
  void recordingABlobIsIdempotentAndKeepsItsLatestUse() {
    Digest d = digest("record");
    write(
        tx -> {
          tx.lifecycle().recordBlob(d, 10, T0.plusSeconds(10));
          tx.lifecycle().recordBlob(d, 10, T0.plusSeconds(10));
        });
    read(tx -> assertThat(tx.lifecycle().blob(d)).contains(blob(d, 10, T0.plusSeconds(10))));

    write(tx -> tx.lifecycle().recordBlob(d, 10, T0));
    read(
        tx ->
            assertThat(tx.lifecycle().blob(d))
                .as("an earlier use is ignored")
                .contains(blob(d, 10, T0.plusSeconds(10))));

    write(tx -> tx.lifecycle().recordBlob(d, 10, T0.plusSeconds(20).plusNanos(1_500_000)));
    read(
        tx -> {
          assertThat(tx.lifecycle().blob(d))
              .as("kept to the millisecond")
              .contains(blob(d, 10, T0.plusSeconds(20).plusMillis(1)));
          assertThat(tx.lifecycle().blobs(null, 10)).hasSize(1);
          assertThat(tx.lifecycle().storedBytes()).isEqualTo(10);
        });
  }

  @Test
  void touchingBlobsOnlyMovesTheirUseForward() {
    Digest d = digest("touched");
    Digest unknown = digest("touched but unknown");
    write(tx -> tx.lifecycle().recordBlob(d, 1, T0.plusSeconds(10)));

    write(tx -> tx.lifecycle().touchBlobs(Map.of(d, T0, unknown, T0)));
    read(
        tx -> {
          assertThat(tx.lifecycle().blob(d).orElseThrow().used())
              .as("an earlier use is ignored")
              .isEqualTo(T0.plusSeconds(10));
          assertThat(tx.lifecycle().blob(unknown)).as("a touch records nothing").isEmpty();
        });

    write(tx -> tx.lifecycle().touchBlobs(Map.of(d, T0.plusSeconds(20))));
    read(
        tx ->
            assertThat(tx.lifecycle().blob(d).orElseThrow().used()).isEqualTo(T0.plusSeconds(20)));
  }

  @Test
  void touchingAManifestMovesItInEveryRepositoryAndTheIndexesThatReferenceIt() {
    RepositoryName second = RepositoryName.of("a_b/app");
    ManifestRecord child = manifest("touched child");
    ManifestRecord sibling = manifest("untouched sibling");
    ManifestRecord index = manifest("touched index");
    ManifestRecord untouched = manifest("untouched image");
    write(
        tx -> {
          putImage(tx, CACHED, child);
          putImage(tx, CACHED, sibling);
          putImage(tx, CACHED, index, child.digest(), sibling.digest());
          putImage(tx, second, child);
          putImage(tx, second, untouched);
        });
    Instant later = later();

    write(tx -> tx.lifecycle().touchManifests(Map.of(child.digest(), later)));
    write(tx -> tx.lifecycle().touchManifests(Map.of(child.digest(), later.minusSeconds(60))));

    read(
        tx -> {
          List<CachedImage> images =
              tx.lifecycle().leastRecentlyUsedImages(CACHE, later.plusMillis(1), 10);
          assertThat(images)
              .extracting(CachedImage::digest)
              .as("oldest first, then by repository")
              .containsExactly(untouched.digest(), child.digest(), index.digest());
          assertThat(images.get(1)).isEqualTo(new CachedImage(second, child.digest(), later));
          assertThat(images.get(2)).isEqualTo(new CachedImage(CACHED, index.digest(), later));
          assertThat(tx.lifecycle().leastRecentlyUsedImages(CACHE, later, 10))
              .extracting(CachedImage::digest)
              .containsExactly(untouched.digest());
        });
  }

  @Test
  void unreferencedBlobsAreThoseNoManifestIsOrUsesUnusedSinceTheCutoff() {
    Digest layer = digest("referenced layer");
    Digest orphan = digest("orphan layer");
    Digest old = digest("old record");
    ManifestRecord m = manifest("user of a layer");
    write(
        tx -> {
          tx.linkBlob(ALPHA, layer, 10);
          tx.linkBlob(ALPHA, orphan, 20);
          putImage(tx, ALPHA, m, layer);
          putImage(tx, BETA, m, layer);
          tx.lifecycle().recordBlob(old, 30, T0);
        });
    Instant later = later();

    read(
        tx -> {
          LifecycleTransaction l = tx.lifecycle();
          assertThat(digests(l.unreferencedBlobs(later, null, 10)))
              .containsExactlyElementsOf(sorted(orphan, old));
          assertThat(l.unreferencedBlobs(T0, null, 10)).as("strictly before").isEmpty();
          assertThat(l.unreferencedBlobs(T0.plusMillis(1), null, 10))
              .containsExactly(blob(old, 30, T0));
        });

    write(tx -> tx.deleteManifest(ALPHA, m.digest()));
    read(
        tx ->
            assertThat(digests(tx.lifecycle().unreferencedBlobs(later, null, 10)))
                .as("the manifest is still in another repository")
                .containsExactlyElementsOf(sorted(orphan, old)));

    write(tx -> tx.deleteManifest(BETA, m.digest()));
    read(
        tx ->
            assertThat(digests(tx.lifecycle().unreferencedBlobs(later, null, 10)))
                .as("a deleted manifest references nothing, and its bytes are garbage")
                .containsExactlyElementsOf(sorted(layer, orphan, old, m.digest())));
  }

  @Test
  void blobRecordsAndUnreferencedBlobsArePagedByDigest() {
    List<Digest> records =
        sorted(digest("page 0"), digest("page 1"), digest("page 2"), digest("page 3")).stream()
            .toList();
    ManifestRecord m = manifest("page user");
    write(
        tx -> {
          records.forEach(d -> tx.lifecycle().recordBlob(d, 1, T0));
          tx.putManifest(ALPHA, m, Set.of(records.get(1)), null);
        });
    List<Digest> all =
        sorted(records.get(0), records.get(1), records.get(2), records.get(3), m.digest());
    List<Digest> garbage = sorted(records.get(0), records.get(2), records.get(3));
    Instant later = later();

    read(
        tx -> {
          LifecycleTransaction l = tx.lifecycle();
          assertThat(digests(l.blobs(null, 100))).containsExactlyElementsOf(all);
          assertThat(digests(l.blobs(null, 2))).containsExactlyElementsOf(all.subList(0, 2));
          assertThat(digests(l.blobs(all.get(1), 2))).containsExactlyElementsOf(all.subList(2, 4));
          assertThat(digests(l.blobs(all.get(3), 2))).containsExactlyElementsOf(all.subList(4, 5));
          assertThat(l.blobs(all.get(4), 2)).isEmpty();
          assertThat(l.blobs(null, 0)).isEmpty();

          assertThat(digests(l.unreferencedBlobs(later, null, 2)))
              .containsExactlyElementsOf(garbage.subList(0, 2));
          assertThat(digests(l.unreferencedBlobs(later, garbage.get(1), 2)))
              .containsExactlyElementsOf(garbage.subList(2, 3));
          assertThat(l.unreferencedBlobs(later, garbage.get(2), 2)).isEmpty();
          assertThat(l.unreferencedBlobs(later, null, 0)).isEmpty();
          Digest between = records.get(1);
          assertThat(digests(l.unreferencedBlobs(later, between, 10)))
              .as("after need not be garbage itself")
              .containsExactlyElementsOf(
                  garbage.stream()
                      .filter(d -> d.toString().compareTo(between.toString()) > 0)
                      .toList());
        });
  }

  @Test
  void evictionForgetsAnUnreferencedBlobOnlyWhenNoHostedRepositoryLinksIt() {
    Digest cacheOnly = digest("fetched without its manifest");
    Digest pushed = digest("uploaded before its manifest");
    write(
        tx -> {
          tx.linkBlob(CACHED, cacheOnly, 3);
          tx.linkBlob(CACHED, pushed, 4);
          tx.linkBlob(ALPHA, pushed, 4);
        });
    Instant later = later();

    List<StoredBlob> used = store.write(tx -> tx.lifecycle().evictUnreferencedBlobs(CACHE, T0, 10));
    List<StoredBlob> forgotten =
        store.write(tx -> tx.lifecycle().evictUnreferencedBlobs(CACHE, later, 10));

    assertThat(used).as("used since the cutoff").isEmpty();
    assertThat(forgotten).extracting(StoredBlob::digest).containsExactly(cacheOnly);
    read(
        tx -> {
          assertThat(tx.linkedBlobSize(CACHED, cacheOnly)).isEmpty();
          assertThat(tx.lifecycle().blob(pushed)).isPresent();
          assertThat(tx.linkedBlobSize(ALPHA, pushed)).contains(4L);
        });
  }

  @Test
  void forgettingAnUnreferencedBlobChecksAgainAndRemovesItsLinks() {
    Digest orphan = digest("forgotten orphan");
    Digest layer = digest("forgotten but referenced");
    ManifestRecord m = manifest("keeps its layer");
    write(
        tx -> {
          tx.linkBlob(ALPHA, orphan, 5);
          tx.linkBlob(BETA, orphan, 5);
          tx.linkBlob(ALPHA, layer, 7);
          putImage(tx, ALPHA, m, layer);
        });
    Instant later = later();

    Optional<StoredBlob> recent =
        store.write(tx -> tx.lifecycle().forgetUnreferencedBlob(orphan, T0));
    Optional<StoredBlob> referenced =
        store.write(tx -> tx.lifecycle().forgetUnreferencedBlob(layer, later));
    Optional<StoredBlob> aManifest =
        store.write(tx -> tx.lifecycle().forgetUnreferencedBlob(m.digest(), later));
    Optional<StoredBlob> forgotten =
        store.write(tx -> tx.lifecycle().forgetUnreferencedBlob(orphan, later));
    Optional<StoredBlob> again =
        store.write(tx -> tx.lifecycle().forgetUnreferencedBlob(orphan, later));

    assertThat(recent).as("used since the cutoff").isEmpty();
    assertThat(referenced).isEmpty();
    assertThat(aManifest).isEmpty();
    assertThat(forgotten).map(StoredBlob::size).contains(5L);
    assertThat(forgotten).map(StoredBlob::digest).contains(orphan);
    assertThat(again).isEmpty();
    read(
        tx -> {
          assertThat(tx.lifecycle().blob(orphan)).isEmpty();
          assertThat(tx.linkedBlobSize(ALPHA, orphan)).isEmpty();
          assertThat(tx.linkedBlobSize(BETA, orphan)).isEmpty();
          assertThat(tx.blobLinkCount(orphan)).isZero();
          assertThat(tx.lifecycle().blob(layer)).isPresent();
          assertThat(tx.linkedBlobSize(ALPHA, layer)).contains(7L);
          assertThat(tx.lifecycle().blob(m.digest())).isPresent();
        });
  }

  @Test
  void forgettingABlobRemovesItsRecordAndLinksEvenWhileReferenced() {
    Digest layer = digest("quarantined");
    ManifestRecord m = manifest("broken by the loss");
    write(
        tx -> {
          tx.linkBlob(ALPHA, layer, 9);
          tx.linkBlob(BETA, layer, 9);
          putImage(tx, ALPHA, m, layer);
        });

    Optional<StoredBlob> forgotten = store.write(tx -> tx.lifecycle().forgetBlob(layer));
    Optional<StoredBlob> again = store.write(tx -> tx.lifecycle().forgetBlob(layer));

    assertThat(forgotten).map(StoredBlob::size).contains(9L);
    assertThat(again).isEmpty();
    read(
        tx -> {
          assertThat(tx.lifecycle().blob(layer)).isEmpty();
          assertThat(tx.blobLinkCount(layer)).isZero();
          assertThat(tx.manifest(ALPHA, m.digest())).isPresent();
          assertThat(tx.lifecycle().manifestsUsing(layer, 10))
              .as("what the loss breaks")
              .containsExactly(new ManifestKey(ALPHA, m.digest()));
        });
  }

  @Test
  void cacheTotalsCountTheBlobsNoHostedRepositoryLinksAndTheCachedImages() {
    RepositoryName underscore = RepositoryName.of("a_b/app");
    RepositoryName lookalike = RepositoryName.of("axb/app");
    Digest own = digest("cache-only layer");
    Digest shared = digest("layer a hosted repository links too");
    ManifestRecord image = manifest("cached image");
    ManifestRecord child = manifest("cached child");
    ManifestRecord index = manifest("cached index");
    ManifestRecord hosted = manifest("hosted image");
    write(
        tx -> {
          tx.linkBlob(CACHED, own, 1000);
          tx.linkBlob(CACHED, shared, 2000);
          putImage(tx, CACHED, image, own, shared);
          tx.linkBlob(underscore, own, 1000);
          putImage(tx, underscore, child, own);
          putImage(tx, underscore, index, child.digest());
          tx.linkBlob(ALPHA, shared, 2000);
          putImage(tx, ALPHA, hosted, shared);
          tx.linkBlob(lookalike, digest("hosted layer"), 4000);
          tx.lifecycle().recordBlob(digest("linked by nobody"), 8000, T0);
        });

    read(
        tx -> {
          LifecycleTransaction l = tx.lifecycle();
          assertThat(l.cacheTotals(CACHE))
              .isEqualTo(
                  new CacheTotals(1000 + image.size() + child.size() + index.size() + 8000, 5, 2));
          assertThat(l.cacheTotals(CacheRepositories.NONE))
              .as("every repository hosted")
              .isEqualTo(new CacheTotals(8000, 1, 0));
          assertThat(l.storedBytes())
              .isEqualTo(
                  1000
                      + 2000
                      + 4000
                      + 8000
                      + image.size()
                      + child.size()
                      + index.size()
                      + hosted.size());
        });
  }

  @Test
  void leastRecentlyUsedImagesAreTheCachesUnkeptRootsOldestFirst() {
    RepositoryName one = RepositoryName.of("docker.io/library/one");
    RepositoryName two = RepositoryName.of("docker.io/library/two");
    RepositoryName three = RepositoryName.of("docker.io/library/three");
    RepositoryName four = RepositoryName.of("docker.io/library/four");
    ManifestRecord m1 = manifest("lru one");
    ManifestRecord m2 = manifest("lru two");
    ManifestRecord child = manifest("lru child");
    ManifestRecord index = manifest("lru index");
    ManifestRecord m4 = manifest("lru kept");
    ManifestRecord hosted = manifest("lru hosted");
    write(
        tx -> {
          putImage(tx, one, m1);
          putImage(tx, two, m2);
          putImage(tx, three, child);
          putImage(tx, three, index, child.digest());
          putImage(tx, four, m4);
          tx.putMirrorTag(new MirrorTagState(four, Tag.LATEST, m4.digest(), T0));
          putImage(tx, ALPHA, hosted);
        });
    Instant later = later();
    write(
        tx -> {
          tx.lifecycle()
              .touchManifests(
                  Map.of(
                      m1.digest(), later.plusSeconds(3),
                      m2.digest(), later.plusSeconds(1),
                      index.digest(), later.plusSeconds(2),
                      m4.digest(), later,
                      hosted.digest(), later));
          tx.lifecycle().keepMirrorTag(four, Tag.LATEST, "rule");
          tx.lifecycle().keepMirrorTag(four, Tag.of("no-such-mirror-tag"), "rule");
        });
    CachedImage first = new CachedImage(two, m2.digest(), later.plusSeconds(1));
    CachedImage second = new CachedImage(three, index.digest(), later.plusSeconds(2));
    CachedImage third = new CachedImage(one, m1.digest(), later.plusSeconds(3));

    read(
        tx -> {
          LifecycleTransaction l = tx.lifecycle();
          Instant all = later.plusSeconds(10);
          assertThat(l.leastRecentlyUsedImages(CACHE, all, 10))
              .as("no child of an index, no kept image, no hosted image")
              .containsExactly(first, second, third);
          assertThat(l.leastRecentlyUsedImages(CACHE, all, 2)).containsExactly(first, second);
          assertThat(l.leastRecentlyUsedImages(CACHE, later.plusSeconds(2), 10))
              .as("strictly before")
              .containsExactly(first);
          assertThat(l.leastRecentlyUsedImages(CACHE, all, 0)).isEmpty();
          assertThat(l.leastRecentlyUsedImages(CacheRepositories.NONE, all, 10)).isEmpty();
        });

    int released = store.write(tx -> tx.lifecycle().releaseKeptMirrorTags("rule"));
    int releasedAgain = store.write(tx -> tx.lifecycle().releaseKeptMirrorTags("rule"));
    assertThat(released).isEqualTo(1);
    assertThat(releasedAgain).isZero();
    CachedImage kept = new CachedImage(four, m4.digest(), later);
    read(
        tx ->
            assertThat(tx.lifecycle().leastRecentlyUsedImages(CACHE, later.plusSeconds(10), 10))
                .containsExactly(kept, first, second, third));

    write(tx -> tx.lifecycle().keepMirrorTag(four, Tag.LATEST, "other rule"));
    read(
        tx ->
            assertThat(tx.lifecycle().leastRecentlyUsedImages(CACHE, later.plusSeconds(10), 10))
                .doesNotContain(kept));
    write(tx -> tx.lifecycle().keepMirrorTag(four, Tag.LATEST, null));
    read(
        tx ->
            assertThat(tx.lifecycle().leastRecentlyUsedImages(CACHE, later.plusSeconds(10), 10))
                .as("released by a null rule")
                .contains(kept));
    int none = store.write(tx -> tx.lifecycle().releaseKeptMirrorTags("other rule"));
    assertThat(none).isZero();
  }

  @Test
  void evictingAnImageRemovesItsManifestsTagsAndTheBlobsNothingElseUses() {
    RepositoryName other = RepositoryName.of("docker.io/library/other");
    Digest config = digest("evicted config");
    Digest own = digest("evicted layer");
    Digest shared = digest("layer of another cached image too");
    Digest hostedLayer = digest("layer a hosted repository links");
    ManifestRecord amd64 = manifest("evicted amd64");
    ManifestRecord arm64 = manifest("evicted arm64");
    ManifestRecord index = manifest("evicted index");
    ManifestRecord otherImage = manifest("other cached image");
    write(
        tx -> {
          tx.linkBlob(CACHED, config, 1);
          tx.linkBlob(CACHED, own, 2);
          tx.linkBlob(CACHED, shared, 3);
          tx.linkBlob(CACHED, hostedLayer, 4);
          putImage(tx, CACHED, amd64, config, own, shared);
          putImage(tx, CACHED, arm64, config, hostedLayer);
          putImage(tx, CACHED, index, amd64.digest(), arm64.digest());
          tx.putMirrorTag(new MirrorTagState(CACHED, Tag.LATEST, index.digest(), T0));
          tx.putMirrorTag(new MirrorTagState(CACHED, Tag.of("vanished"), null, T0));
          tx.linkBlob(other, shared, 3);
          putImage(tx, other, otherImage, shared);
          tx.linkBlob(ALPHA, hostedLayer, 4);
        });
    Instant later = later();
    long storedBefore = store.read(tx -> tx.lifecycle().storedBytes());
    CachedImage image =
        store.read(tx -> tx.lifecycle().leastRecentlyUsedImages(CACHE, later, 10)).stream()
            .filter(i -> i.repository().equals(CACHED))
            .findFirst()
            .orElseThrow();
    assertThat(image.digest()).isEqualTo(index.digest());

    List<StoredBlob> freed = store.write(tx -> tx.lifecycle().evictImage(CACHE, image, later));
    List<StoredBlob> again = store.write(tx -> tx.lifecycle().evictImage(CACHE, image, later));

    assertThat(digests(freed))
        .containsExactlyInAnyOrder(index.digest(), amd64.digest(), arm64.digest(), config, own);
    assertThat(freed)
        .filteredOn(b -> b.digest().equals(own))
        .extracting(StoredBlob::size)
        .containsExactly(2L);
    assertThat(again).as("the image is gone").isEmpty();
    long freedBytes = freed.stream().mapToLong(StoredBlob::size).sum();
    read(
        tx -> {
          LifecycleTransaction l = tx.lifecycle();
          for (ManifestRecord m : List.of(index, amd64, arm64)) {
            assertThat(tx.manifest(CACHED, m.digest())).isEmpty();
            assertThat(l.blob(m.digest())).isEmpty();
            assertThat(tx.linkedBlobSize(CACHED, m.digest())).isEmpty();
          }
          assertThat(tx.mirrorTags(CACHED))
              .as("its tag, and the negative entries once the repository has no manifest")
              .isEmpty();
          assertThat(l.blob(own)).isEmpty();
          assertThat(tx.linkedBlobSize(CACHED, own)).isEmpty();
          assertThat(tx.linkedBlobSize(CACHED, config)).isEmpty();
          assertThat(l.blob(shared)).as("another cached image uses it").isPresent();
          assertThat(tx.linkedBlobSize(other, shared)).contains(3L);
          assertThat(l.blob(hostedLayer)).as("a hosted repository links it").isPresent();
          assertThat(tx.linkedBlobSize(ALPHA, hostedLayer)).contains(4L);
          assertThat(tx.manifest(other, otherImage.digest())).isPresent();
          assertThat(l.storedBytes()).isEqualTo(storedBefore - freedBytes);
          assertThat(l.leastRecentlyUsedImages(CACHE, later, 10))
              .extracting(CachedImage::digest)
              .containsExactly(otherImage.digest());
          assertThat(l.cacheTotals(CACHE).images()).isEqualTo(1);
        });
  }

  @Test
  void evictingAnIndexKeepsTheChildrenAnotherIndexOrAKeptTagUses() {
    Digest ownLayer = digest("layer of the own child");
    Digest sharedLayer = digest("layer of the shared child");
    Digest keptLayer = digest("layer of the kept child");
    ManifestRecord own = manifest("own child");
    ManifestRecord shared = manifest("child of two indexes");
    ManifestRecord keptChild = manifest("kept child");
    ManifestRecord evicted = manifest("evicted index");
    ManifestRecord remaining = manifest("remaining index");
    write(
        tx -> {
          tx.linkBlob(CACHED, ownLayer, 1);
          tx.linkBlob(CACHED, sharedLayer, 2);
          tx.linkBlob(CACHED, keptLayer, 3);
          putImage(tx, CACHED, own, ownLayer);
          putImage(tx, CACHED, shared, sharedLayer);
          putImage(tx, CACHED, keptChild, keptLayer);
          putImage(tx, CACHED, evicted, own.digest(), shared.digest(), keptChild.digest());
          putImage(tx, CACHED, remaining, shared.digest());
          tx.putMirrorTag(new MirrorTagState(CACHED, Tag.of("evicted"), evicted.digest(), T0));
          tx.putMirrorTag(new MirrorTagState(CACHED, Tag.of("shared"), shared.digest(), T0));
          tx.putMirrorTag(new MirrorTagState(CACHED, Tag.of("kept"), keptChild.digest(), T0));
          tx.putMirrorTag(new MirrorTagState(CACHED, Tag.of("vanished"), null, T0));
          tx.lifecycle().keepMirrorTag(CACHED, Tag.of("kept"), "rule");
        });
    Instant later = later();

    List<StoredBlob> freed =
        store.write(
            tx ->
                tx.lifecycle()
                    .evictImage(CACHE, new CachedImage(CACHED, evicted.digest(), T0), later));

    assertThat(digests(freed)).containsExactlyInAnyOrder(evicted.digest(), own.digest(), ownLayer);
    read(
        tx -> {
          LifecycleTransaction l = tx.lifecycle();
          assertThat(tx.manifest(CACHED, evicted.digest())).isEmpty();
          assertThat(tx.manifest(CACHED, own.digest())).isEmpty();
          assertThat(tx.manifest(CACHED, shared.digest())).isPresent();
          assertThat(tx.manifest(CACHED, keptChild.digest())).isPresent();
          assertThat(tx.manifest(CACHED, remaining.digest())).isPresent();
          assertThat(tx.mirrorTags(CACHED))
              .extracting(MirrorTagState::tag)
              .as("negative entries stay while the repository has manifests")
              .containsExactly(Tag.of("kept"), Tag.of("shared"), Tag.of("vanished"));
          assertThat(l.blob(sharedLayer)).isPresent();
          assertThat(l.blob(keptLayer)).isPresent();
          assertThat(l.blob(ownLayer)).isEmpty();
          assertThat(l.leastRecentlyUsedImages(CACHE, later, 10))
              .as("the kept child is a root now, but kept")
              .extracting(CachedImage::digest)
              .containsExactly(remaining.digest());
        });
  }

  @Test
  void evictingDoesNothingToAnImageUsedSinceKeptReferencedOrHosted() {
    Digest layer = digest("layer of a survivor");
    ManifestRecord image = manifest("survivor");
    ManifestRecord child = manifest("survivor child");
    ManifestRecord index = manifest("survivor index");
    ManifestRecord hosted = manifest("hosted survivor");
    write(
        tx -> {
          tx.linkBlob(CACHED, layer, 1);
          putImage(tx, CACHED, image, layer);
          putImage(tx, CACHED, child);
          putImage(tx, CACHED, index, child.digest());
          tx.putMirrorTag(new MirrorTagState(CACHED, Tag.LATEST, image.digest(), T0));
          putImage(tx, ALPHA, hosted);
        });
    Instant later = later();
    CachedImage cached = new CachedImage(CACHED, image.digest(), T0);

    List<StoredBlob> usedSince = store.write(tx -> tx.lifecycle().evictImage(CACHE, cached, T0));
    write(tx -> tx.lifecycle().keepMirrorTag(CACHED, Tag.LATEST, "rule"));
    List<StoredBlob> kept = store.write(tx -> tx.lifecycle().evictImage(CACHE, cached, later));
    List<StoredBlob> aChild =
        store.write(
            tx ->
                tx.lifecycle()
                    .evictImage(CACHE, new CachedImage(CACHED, child.digest(), T0), later));
    List<StoredBlob> aHosted =
        store.write(
            tx ->
                tx.lifecycle()
                    .evictImage(CACHE, new CachedImage(ALPHA, hosted.digest(), T0), later));
    List<StoredBlob> noCache =
        store.write(
            tx ->
                tx.lifecycle()
                    .evictImage(
                        CacheRepositories.NONE,
                        new CachedImage(CACHED, index.digest(), T0),
                        later));
    List<StoredBlob> unknown =
        store.write(
            tx ->
                tx.lifecycle()
                    .evictImage(CACHE, new CachedImage(CACHED, digest("never stored"), T0), later));

    assertThat(usedSince).as("used since the cutoff").isEmpty();
    assertThat(kept).isEmpty();
    assertThat(aChild).isEmpty();
    assertThat(aHosted).isEmpty();
    assertThat(noCache).isEmpty();
    assertThat(unknown).isEmpty();
    read(
        tx -> {
          for (ManifestRecord m : List.of(image, child, index)) {
            assertThat(tx.manifest(CACHED, m.digest())).isPresent();
          }
          assertThat(tx.manifest(ALPHA, hosted.digest())).isPresent();
          assertThat(tx.lifecycle().blob(layer)).isPresent();
          assertThat(tx.mirrorTag(CACHED, Tag.LATEST)).isPresent();
        });

    write(tx -> tx.lifecycle().releaseKeptMirrorTags("rule"));
    List<StoredBlob> released = store.write(tx -> tx.lifecycle().evictImage(CACHE, cached, later));
    assertThat(digests(released)).containsExactlyInAnyOrder(image.digest(), layer);
  }

  @Test
  void storedManifestsAreIndexedAndIndexingReplacesTheirReferences() {
    ManifestRecord m = manifest("indexed");
    Digest a = digest("reference a");
    Digest b = digest("reference b");
    Digest c = digest("reference c");
    ManifestKey key = new ManifestKey(ALPHA, m.digest());
    write(tx -> tx.putManifest(ALPHA, m, Set.of(a, b), null));
    read(
        tx -> {
          assertThat(tx.lifecycle().unindexedManifests(10)).isEmpty();
          assertThat(tx.lifecycle().manifestsUsing(a, 10)).containsExactly(key);
        });

    write(tx -> tx.lifecycle().indexManifest(key, Set.of(b, c)));
    read(
        tx -> {
          LifecycleTransaction l = tx.lifecycle();
          assertThat(l.manifestsUsing(a, 10)).isEmpty();
          assertThat(l.manifestsUsing(b, 10)).containsExactly(key);
          assertThat(l.manifestsUsing(c, 10)).containsExactly(key);
          assertThat(l.unindexedManifests(10)).isEmpty();
        });

    write(tx -> tx.lifecycle().indexManifest(new ManifestKey(BETA, m.digest()), Set.of(a)));
    read(
        tx -> {
          assertThat(tx.lifecycle().manifestsUsing(a, 10))
              .as("a manifest deleted since it was listed is not indexed")
              .isEmpty();
          assertThat(tx.manifest(BETA, m.digest())).isEmpty();
        });
  }

  @Test
  void manifestsUsingADigestAreTheManifestsThatAreOrReferenceIt() {
    Digest layer = digest("used layer");
    ManifestRecord image = manifest("using image");
    ManifestRecord index = manifest("using index");
    write(
        tx -> {
          tx.putManifest(ALPHA, image, Set.of(layer), null);
          tx.putManifest(BETA, image, Set.of(layer), null);
          tx.putManifest(ALPHA, index, Set.of(image.digest()), null);
        });
    List<ManifestKey> inAlpha =
        sorted(image.digest(), index.digest()).stream()
            .map(d -> new ManifestKey(ALPHA, d))
            .toList();

    read(
        tx -> {
          LifecycleTransaction l = tx.lifecycle();
          assertThat(l.manifestsUsing(layer, 10))
              .containsExactly(
                  new ManifestKey(ALPHA, image.digest()), new ManifestKey(BETA, image.digest()));
          assertThat(l.manifestsUsing(image.digest(), 10))
              .containsExactly(
                  inAlpha.get(0), inAlpha.get(1), new ManifestKey(BETA, image.digest()));
          assertThat(l.manifestsUsing(image.digest(), 1)).containsExactly(inAlpha.get(0));
          assertThat(l.manifestsUsing(image.digest(), 0)).isEmpty();
          assertThat(l.manifestsUsing(index.digest(), 10))
              .containsExactly(new ManifestKey(ALPHA, index.digest()));
          assertThat(l.manifestsUsing(digest("used by nothing"), 10)).isEmpty();
        });
  }

  @Test
  void aWriteThatThrowsLeavesTheLifecycleAsItWas() {
    Digest layer = digest("layer before the failure");
    Digest old = digest("record before the failure");
    ManifestRecord image = manifest("image before the failure");
    write(
        tx -> {
          tx.linkBlob(CACHED, layer, 10);
          putImage(tx, CACHED, image, layer);
          tx.putMirrorTag(new MirrorTagState(CACHED, Tag.LATEST, image.digest(), T0));
          tx.putMirrorTag(new MirrorTagState(CACHED, Tag.of("other"), image.digest(), T0));
          tx.lifecycle().recordBlob(old, 5, T0);
        });
    Instant later = later();
    List<CachedImage> images =
        store.read(tx -> tx.lifecycle().leastRecentlyUsedImages(CACHE, later, 10));
    CacheTotals totals = store.read(tx -> tx.lifecycle().cacheTotals(CACHE));
    ManifestRecord rolledBack = manifest("rolled back");
    RuntimeException failure = new RuntimeException("boom");

    assertThatThrownBy(
            () ->
                store.write(
                    tx -> {
                      LifecycleTransaction l = tx.lifecycle();
                      assertThat(l.evictImage(CACHE, images.get(0), later)).isNotEmpty();
                      l.touchBlobs(Map.of(old, later));
                      l.recordBlob(digest("new record"), 1, T0);
                      tx.putManifest(ALPHA, rolledBack, Set.of(old), null);
                      l.indexManifest(new ManifestKey(ALPHA, rolledBack.digest()), Set.of(layer));
                      l.touchManifests(Map.of(rolledBack.digest(), later));
                      l.keepMirrorTag(CACHED, Tag.of("other"), "rule");
                      assertThat(l.forgetBlob(old)).isPresent();
                      throw failure;
                    }))
        .isSameAs(failure);

    read(
        tx -> {
          LifecycleTransaction l = tx.lifecycle();
          assertThat(l.blob(old)).contains(blob(old, 5, T0));
          assertThat(l.blob(digest("new record"))).isEmpty();
          assertThat(l.blob(rolledBack.digest())).isEmpty();
          assertThat(l.blob(layer)).map(StoredBlob::size).contains(10L);
          assertThat(tx.linkedBlobSize(CACHED, layer)).contains(10L);
          assertThat(l.manifestsUsing(layer, 10))
              .containsExactly(new ManifestKey(CACHED, image.digest()));
          assertThat(l.manifestsUsing(old, 10)).isEmpty();
          assertThat(l.leastRecentlyUsedImages(CACHE, later, 10)).isEqualTo(images);
          assertThat(l.cacheTotals(CACHE)).isEqualTo(totals);
          assertThat(tx.mirrorTags(CACHED)).hasSize(2);
        });
    int released = store.write(tx -> tx.lifecycle().releaseKeptMirrorTags("rule"));
    assertThat(released).as("the kept tag was rolled back").isZero();
  }

  @Test
  void lifecycleCannotBeWrittenInAReadTransaction() {
    Digest d = digest("read-only lifecycle");
    List<Consumer<LifecycleTransaction>> writes =
        List.of(
            l -> l.touchBlobs(Map.of(d, T0)),
            l -> l.touchManifests(Map.of(d, T0)),
            l -> l.forgetUnreferencedBlob(d, T0),
            l -> l.forgetBlob(d),
            l -> l.recordBlob(d, 1, T0),
            l -> l.evictImage(CACHE, new CachedImage(CACHED, d, T0), T0),
            l -> l.keepMirrorTag(CACHED, Tag.LATEST, "rule"),
            l -> l.releaseKeptMirrorTags("rule"),
            l -> l.indexManifest(new ManifestKey(ALPHA, d), Set.of()));

    for (Consumer<LifecycleTransaction> w : writes) {
      assertThatThrownBy(() -> read(tx -> w.accept(tx.lifecycle())))
          .isInstanceOf(IllegalStateException.class);
    }
    read(tx -> assertThat(tx.lifecycle().blob(d)).isEmpty());
  }

  @Test
  void lifecycleStateSurvivesARestart() throws Exception {
    Digest layer = digest("persisted layer");
    Digest old = digest("persisted record");
    ManifestRecord image = manifest("persisted image");
    write(
        tx -> {
          tx.linkBlob(CACHED, layer, 10);
          putImage(tx, CACHED, image, layer);
          tx.putMirrorTag(new MirrorTagState(CACHED, Tag.LATEST, image.digest(), T0));
          tx.lifecycle().keepMirrorTag(CACHED, Tag.LATEST, "rule");
          tx.lifecycle().recordBlob(old, 5, T0);
        });
    Instant later = later();
    write(tx -> tx.lifecycle().touchManifests(Map.of(image.digest(), later)));

    store.close();
    store = openStore(dataDir);

    read(
        tx -> {
          LifecycleTransaction l = tx.lifecycle();
          assertThat(l.blob(old)).contains(blob(old, 5, T0));
          assertThat(l.manifestsUsing(layer, 10))
              .containsExactly(new ManifestKey(CACHED, image.digest()));
          assertThat(l.leastRecentlyUsedImages(CACHE, later.plusMillis(1), 10)).isEmpty();
        });
    int released = store.write(tx -> tx.lifecycle().releaseKeptMirrorTags("rule"));
    assertThat(released).isEqualTo(1);
    read(
        tx ->
            assertThat(tx.lifecycle().leastRecentlyUsedImages(CACHE, later.plusMillis(1), 10))
                .containsExactly(new CachedImage(CACHED, image.digest(), later)));
  }

  // Transactions.

  @Test
  void writeReturnsTheWorksResult() {
    String written = store.write(tx -> "done");
    int read = store.read(tx -> 42);

    assertThat(written).isEqualTo("done");
    assertThat(read).isEqualTo(42);
  }

  @Test
  void writeThatThrowsIsRolledBack() {
    ManifestRecord m = manifest("rolled back");
    RuntimeException failure = new RuntimeException("boom");

    assertThatThrownBy(
            () ->
                store.write(
                    tx -> {
                      tx.putManifest(ALPHA, m, Set.of(), Tag.LATEST);
                      tx.linkBlob(ALPHA, digest("layer"), 1);
                      tx.createUpload(new UploadSession("u", ALPHA, 0, T0, T0));
                      throw failure;
                    }))
        .isSameAs(failure);

    read(
        tx -> {
          assertThat(tx.manifest(ALPHA, m.digest())).isEmpty();
          assertThat(tx.tag(ALPHA, Tag.LATEST)).isEmpty();
          assertThat(tx.linkedBlobSize(ALPHA, digest("layer"))).isEmpty();
          assertThat(tx.upload("u")).isEmpty();
          assertThat(tx.repositoryExists(ALPHA)).isFalse();
        });
  }

  @Test
  void rolledBackDeleteLeavesDataInPlace() {
    ManifestRecord m = manifest("survivor");
    write(tx -> tx.putManifest(ALPHA, m, Set.of(), Tag.LATEST));

    assertThatThrownBy(
            () ->
                store.write(
                    tx -> {
                      tx.deleteManifest(ALPHA, m.digest());
                      throw new IllegalArgumentException("abort");
                    }))
        .isInstanceOf(IllegalArgumentException.class);

    read(tx -> assertThat(tx.tag(ALPHA, Tag.LATEST)).contains(m.digest()));
  }

  @Test
  void readTransactionCannotWrite() {
    ManifestRecord m = manifest("read only");
    List<Consumer<MetadataTransaction>> writes =
        List.of(
            tx -> tx.putManifest(ALPHA, m, Set.of(), Tag.LATEST),
            tx -> tx.deleteManifest(ALPHA, m.digest()),
            tx -> tx.deleteTag(ALPHA, Tag.LATEST),
            tx -> tx.linkBlob(ALPHA, m.digest(), 1),
            tx -> tx.unlinkBlob(ALPHA, m.digest()),
            tx -> tx.createUpload(new UploadSession("r", ALPHA, 0, T0, T0)),
            tx -> tx.updateUpload("r", 1, T0),
            tx -> tx.deleteUpload("r"));

    for (Consumer<MetadataTransaction> w : writes) {
      assertThatThrownBy(() -> read(w)).isInstanceOf(IllegalStateException.class);
    }
    read(
        tx -> {
          assertThat(tx.manifest(ALPHA, m.digest())).isEmpty();
          assertThat(tx.linkedBlobSize(ALPHA, m.digest())).isEmpty();
          assertThat(tx.upload("r")).isEmpty();
        });
  }

  @Test
  void readSeesWhatEarlierWritesCommitted() {
    for (int i = 0; i < 20; i++) {
      Digest d = digest("seq" + i);
      write(tx -> tx.linkBlob(ALPHA, d, 1));
      read(tx -> assertThat(tx.linkedBlobSize(ALPHA, d)).isPresent());
    }
  }

  @Test
  void dataSurvivesCloseAndReopen() throws Exception {
    ManifestRecord m = referrer("persist", digest("subject"), "application/x");
    write(
        tx -> {
          tx.putManifest(ALPHA, m, Set.of(), Tag.LATEST);
          tx.linkBlob(BETA, digest("layer"), 99);
          tx.createUpload(new UploadSession("up-1", ALPHA, 12, T0, T0.plusMillis(1)));
        });

    store.close();
    store = openStore(dataDir);

    read(
        tx -> {
          assertThat(tx.manifest(ALPHA, m.digest())).contains(m);
          assertThat(tx.tag(ALPHA, Tag.LATEST)).contains(m.digest());
          assertThat(tx.referrers(ALPHA, digest("subject"), null)).containsExactly(m);
          assertThat(tx.linkedBlobSize(BETA, digest("layer"))).contains(99L);
          assertThat(tx.upload("up-1"))
              .contains(new UploadSession("up-1", ALPHA, 12, T0, T0.plusMillis(1)));
          assertThat(tx.repositories(null, 10)).containsExactly(ALPHA, BETA);
        });
  }

  @Test
  void concurrentWritersLoseNothing() throws Exception {
    int threads = 8;
    int perThread = 25;
    RepositoryName shared = RepositoryName.of("shared/repo");
    write(tx -> tx.createUpload(new UploadSession("counter", shared, 0, T0, T0)));
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  RepositoryName own = RepositoryName.of("thread/" + thread);
                  for (int i = 0; i < perThread; i++) {
                    ManifestRecord m = manifest("t" + thread + "-" + i);
                    Tag tag = Tag.of("t" + thread + "-" + i);
                    store.write(
                        tx -> {
                          tx.putManifest(shared, m, Set.of(), tag);
                          tx.putManifest(own, m, Set.of(), Tag.LATEST);
                          tx.linkBlob(shared, m.digest(), 1);
                          // A read-modify-write: lost if transactions are not serialised.
                          long n = tx.upload("counter").orElseThrow().size();
                          tx.updateUpload("counter", n + 1, T0);
                          return null;
                        });
                    store.read(tx -> tx.tags(shared, null, 1000));
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> result : results) {
        result.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    read(
        tx -> {
          assertThat(tx.tags(shared, null, 1000)).hasSize(threads * perThread);
          assertThat(tx.upload("counter").orElseThrow().size()).isEqualTo(threads * perThread);
          assertThat(tx.repositories(null, 100)).hasSize(threads + 1);
          for (int t = 0; t < threads; t++) {
            RepositoryName own = RepositoryName.of("thread/" + t);
            assertThat(tx.tag(own, Tag.LATEST)).isPresent();
          }
        });
  }

  @Test
  void readersRunWhileAWriteIsInProgress() throws Exception {
    ManifestRecord before = manifest("before");
    write(tx -> tx.putManifest(ALPHA, before, Set.of(), Tag.LATEST));
    CountDownLatch writing = new CountDownLatch(1);
    CountDownLatch readDone = new CountDownLatch(1);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<?> writer =
          pool.submit(
              () ->
                  store.write(
                      tx -> {
                        tx.putManifest(ALPHA, manifest("after"), Set.of(), Tag.LATEST);
                        writing.countDown();
                        try {
                          readDone.await();
                        } catch (InterruptedException e) {
                          throw new IllegalStateException(e);
                        }
                        return null;
                      }));
      writing.await();

      read(
          tx ->
              assertThat(tx.tag(ALPHA, Tag.LATEST))
                  .as("uncommitted write is invisible")
                  .contains(before.digest()));
      readDone.countDown();
      writer.get(30, TimeUnit.SECONDS);
    } finally {
      readDone.countDown();
      pool.shutdownNow();
    }

    read(tx -> assertThat(tx.tag(ALPHA, Tag.LATEST)).contains(manifest("after").digest()));
  }

  // Helpers, usable by subclasses.

  /** Now, to the millisecond: what the stores' clocks stamp a link or a stored manifest with. */
  protected static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.MILLIS);
  }

  /** An hour from now: a use after everything a test stored. */
  protected static Instant later() {
    return now().plus(Duration.ofHours(1));
  }

  /**
   * Stores a manifest as the registry does: its bytes linked to the repository, then the record
   * with what it references.
   */
  protected static void putImage(
      MetadataTransaction tx, RepositoryName repository, ManifestRecord m, Digest... references) {
    tx.linkBlob(repository, m.digest(), m.size());
    tx.putManifest(repository, m, Set.of(references), null);
  }

  protected static StoredBlob blob(Digest digest, long size, Instant used) {
    return new StoredBlob(digest, size, used);
  }

  protected static List<Digest> digests(List<StoredBlob> blobs) {
    return blobs.stream().map(StoredBlob::digest).toList();
  }

  /** Digests in the order of their text, the order the lifecycle pages them in. */
  protected static List<Digest> sorted(Digest... digests) {
    return Stream.of(digests).sorted(Comparator.comparing(Digest::toString)).toList();
  }

  protected void write(Consumer<MetadataTransaction> work) {
    store.write(
        tx -> {
          work.accept(tx);
          return null;
        });
  }

  protected void read(Consumer<MetadataTransaction> work) {
    store.read(
        tx -> {
          work.accept(tx);
          return null;
        });
  }

  // Accelerator accounts.

  protected static AccountRecord account(String id, String email, String invitedBy) {
    return account(id, email, "user-" + id, invitedBy);
  }

  protected static AccountRecord account(
      String id, String email, String username, String invitedBy) {
    return new AccountRecord(
        id, email, username, "hash-" + id, false, null, 1000, false, "code-" + id, invitedBy, T0);
  }

  private Optional<AccountRecord> readAccount(
      java.util.function.Function<AccountsTransaction, Optional<AccountRecord>> work) {
    return store.read(tx -> work.apply(tx.accounts()));
  }

  private List<AccountRecord> listAccounts(
      java.util.function.Function<AccountsTransaction, List<AccountRecord>> work) {
    return store.read(tx -> work.apply(tx.accounts()));
  }

  private boolean writeAccounts(java.util.function.Predicate<AccountsTransaction> work) {
    Boolean result = store.write(tx -> work.test(tx.accounts()));
    return result;
  }

  @Test
  void accountsAreFoundByIdEmailUsernameTenantAndInviteCode() {
    boolean created = writeAccounts(a -> a.createAccount(account("a1", "a@example.com", null)));
    assertThat(created).isTrue();
    store.write(
        tx -> tx.accounts().updateAccount(account("a1", "a@example.com", null).withTenantId("t1")));
    AccountRecord expected = account("a1", "a@example.com", null).withTenantId("t1");
    assertThat(readAccount(a -> a.account("a1"))).contains(expected);
    assertThat(readAccount(a -> a.accountByEmail("a@example.com"))).contains(expected);
    assertThat(readAccount(a -> a.accountByUsername("user-a1"))).contains(expected);
    assertThat(readAccount(a -> a.accountByUsername("user-a2"))).isEmpty();
    assertThat(readAccount(a -> a.accountByTenant("t1"))).contains(expected);
    assertThat(readAccount(a -> a.accountByInviteCode("code-a1"))).contains(expected);
    assertThat(readAccount(a -> a.account("nope"))).isEmpty();
  }

  @Test
  void accountEmailsInviteCodesAndTenantIdsAreUnique() {
    store.write(tx -> tx.accounts().createAccount(account("a1", "a@example.com", null)));
    store.write(tx -> tx.accounts().createAccount(account("a2", "b@example.com", null)));
    assertThat(writeAccounts(a -> a.createAccount(account("a3", "a@example.com", null)))).isFalse();
    store.write(
        tx -> tx.accounts().updateAccount(account("a1", "a@example.com", null).withTenantId("t1")));
    assertThat(
            writeAccounts(
                a -> a.updateAccount(account("a2", "b@example.com", null).withTenantId("t1"))))
        .isFalse();
    assertThat(listAccounts(a -> a.accounts())).hasSize(2);
  }

  @Test
  void usernamesAreUniqueAndAnAccountWithATakenOneIsNotCreated() {
    store.write(tx -> tx.accounts().createAccount(account("a1", "a@example.com", "alice", null)));
    AccountRecord sameName = account("a2", "b@example.com", "alice", null);
    assertThat(writeAccounts(a -> a.createAccount(sameName))).isFalse();
    assertThat(readAccount(a -> a.account("a2"))).isEmpty();
    assertThat(readAccount(a -> a.accountByEmail("b@example.com"))).isEmpty();
    assertThat(readAccount(a -> a.accountByUsername("alice")).map(AccountRecord::id))
        .contains("a1");
    // Another name is fine, and the username survives a restart.
    assertThat(writeAccounts(a -> a.createAccount(account("a2", "b@example.com", "bob", null))))
        .isTrue();
    store.close();
    try {
      store = openStore(dataDir);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    assertThat(readAccount(a -> a.accountByUsername("bob")).map(AccountRecord::email))
        .contains("b@example.com");
  }

  @Test
  void updateKeepsTheHashAndListsInviteesOfAnAccount() {
    store.write(tx -> tx.accounts().createAccount(account("a1", "a@example.com", null)));
    store.write(tx -> tx.accounts().createAccount(account("a2", "b@example.com", "a1")));
    AccountRecord changed =
        new AccountRecord(
            "a1", "x@example.com", "renamed", "other", true, "t9", 5000, true, "other", null, T0);
    assertThat(writeAccounts(a -> a.updateAccount(changed))).isTrue();
    AccountRecord a1 = readAccount(a -> a.account("a1")).orElseThrow();
    assertThat(a1.passwordHash()).isEqualTo("hash-a1");
    assertThat(a1.email()).isEqualTo("a@example.com");
    assertThat(a1.username()).isEqualTo("user-a1");
    assertThat(a1.quotaBytes()).isEqualTo(5000);
    assertThat(a1.admin()).isTrue();
    assertThat(a1.disabled()).isTrue();
    assertThat(a1.tenantId()).isEqualTo("t9");
    assertThat(listAccounts(a -> a.invitedBy("a1")))
        .extracting(AccountRecord::id)
        .containsExactly("a2");
  }

  @Test
  void usageAddsUpPerDayAndSurvivesARestart() {
    java.time.LocalDate d1 = java.time.LocalDate.of(2026, 11, 1);
    java.time.LocalDate d2 = d1.plusDays(1);
    store.write(
        tx -> {
          tx.accounts().addUsage("a1", d1, 10);
          tx.accounts().addUsage("a1", d1, 5);
          tx.accounts().addUsage("a1", d2, 7);
          tx.accounts().addUsage("a2", d2, 100);
          return null;
        });
    store.close();
    try {
      store = openStore(dataDir);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    Map<java.time.LocalDate, Long> fromFirst = store.read(tx -> tx.accounts().usage("a1", d1));
    Map<java.time.LocalDate, Long> fromSecond = store.read(tx -> tx.accounts().usage("a1", d2));
    Map<java.time.LocalDate, Long> none = store.read(tx -> tx.accounts().usage("a3", d1));
    assertThat(fromFirst).isEqualTo(Map.of(d1, 15L, d2, 7L));
    assertThat(fromSecond).isEqualTo(Map.of(d2, 7L));
    assertThat(none).isEmpty();
  }

  private List<AccessTokenRecord> tokensOf(String accountId) {
    return store.read(tx -> tx.accounts().accessTokens(accountId));
  }

  private Optional<AccessTokenRecord> tokenByHash(String hash) {
    return store.read(tx -> tx.accounts().accessTokenByHash(hash));
  }

  @Test
  void accessTokensAreListedPerAccountFoundByHashTouchedAndDeletedByTheirOwnerOnly() {
    store.write(tx -> tx.accounts().createAccount(account("a1", "a@example.com", null)));
    store.write(tx -> tx.accounts().createAccount(account("a2", "b@example.com", null)));
    AccessTokenRecord laptop = new AccessTokenRecord("k1", "a1", "laptop", "h1", T0, null);
    AccessTokenRecord ci = new AccessTokenRecord("k2", "a1", "ci", "h2", T0.plusSeconds(1), null);
    assertThat(writeAccounts(a -> a.createAccessToken(laptop))).isTrue();
    assertThat(writeAccounts(a -> a.createAccessToken(ci))).isTrue();
    // Ids and hashes are unique.
    assertThat(
            writeAccounts(
                a -> a.createAccessToken(new AccessTokenRecord("k3", "a2", "x", "h1", T0, null))))
        .isFalse();
    assertThat(
            writeAccounts(
                a -> a.createAccessToken(new AccessTokenRecord("k1", "a2", "x", "h9", T0, null))))
        .isFalse();
    assertThat(tokensOf("a1")).containsExactly(laptop, ci);
    assertThat(tokensOf("a2")).isEmpty();
    assertThat(tokenByHash("h2")).contains(ci);
    assertThat(tokenByHash("nope")).isEmpty();

    Instant used = T0.plusSeconds(60);
    store.write(
        tx -> {
          tx.accounts().touchAccessToken("k1", used);
          tx.accounts().touchAccessToken("gone", used);
          return null;
        });
    assertThat(tokenByHash("h1").orElseThrow().lastUsed()).isEqualTo(used);

    // Another account cannot delete it; its owner can, and then it is gone everywhere.
    assertThat(writeAccounts(a -> a.deleteAccessToken("a2", "k1"))).isFalse();
    assertThat(writeAccounts(a -> a.deleteAccessToken("a1", "k1"))).isTrue();
    assertThat(writeAccounts(a -> a.deleteAccessToken("a1", "k1"))).isFalse();
    assertThat(tokenByHash("h1")).isEmpty();
    assertThat(tokensOf("a1")).containsExactly(ci);
    assertThatThrownBy(() -> store.read(tx -> tx.accounts().createAccessToken(laptop)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void accountsCannotBeWrittenInAReadTransaction() {
    assertThatThrownBy(
            () ->
                store.read(tx -> tx.accounts().createAccount(account("a1", "a@example.com", null))))
        .isInstanceOf(IllegalStateException.class);
  }

  /** A sha256 digest derived from a name. */
  protected static Digest digest(String name) {
    return Digest.sha256(name.getBytes(StandardCharsets.UTF_8));
  }

  /** An image manifest record whose digest is derived from a name. */
  protected static ManifestRecord manifest(String name) {
    return new ManifestRecord(
        digest(name), IMAGE_MANIFEST, 100 + name.length(), null, null, Map.of(), T0);
  }

  /** A manifest record referring to {@code subject}. */
  protected static ManifestRecord referrer(String name, Digest subject, String artifactType) {
    return new ManifestRecord(
        digest(name),
        IMAGE_MANIFEST,
        500,
        artifactType,
        subject,
        Map.of("org.opencontainers.image.title", name),
        T0);
  }

  private static List<String> ids(List<UploadSession> sessions) {
    return sessions.stream().map(UploadSession::id).toList();
  }

  // Quota holds.

  private static QuotaHold hold(String id, String account, long bytes, Instant expires) {
    return new QuotaHold(id, account, "node-a", bytes, expires);
  }

  private boolean holdQuota(QuotaHold hold, java.time.LocalDate periodStart) {
    return writeAccounts(a -> a.holdQuota(hold, periodStart));
  }

  private long heldQuota(String account) {
    Long held = store.read(tx -> tx.accounts().heldQuota(account));
    return held;
  }

  @Test
  void quotaIsHeldOnlyWhileThePeriodsTrafficPlusHoldsIsUnderTheQuota() {
    java.time.LocalDate start = java.time.LocalDate.of(2026, 11, 1);
    store.write(
        tx -> {
          tx.accounts().createAccount(account("a1", "a@example.com", null).withQuotaBytes(100));
          tx.accounts().addUsage("a1", start.minusDays(1), 500); // another period
          tx.accounts().addUsage("a1", start.plusDays(3), 30);
          return null;
        });
    Instant until = T0.plusSeconds(60);
    assertThat(holdQuota(hold("h1", "a1", 60, until), start)).as("30 + 0 < 100").isTrue();
    assertThat(holdQuota(hold("h2", "a1", 50, until), start))
        .as("30 + 60 < 100: this one crosses the quota")
        .isTrue();
    assertThat(holdQuota(hold("h3", "a1", 1, until), start)).as("30 + 110 >= 100").isFalse();
    assertThat(heldQuota("a1")).isEqualTo(110);
    assertThat(writeAccounts(a -> a.releaseQuota("h1"))).isTrue();
    assertThat(writeAccounts(a -> a.releaseQuota("h1"))).as("released once").isFalse();
    assertThat(heldQuota("a1")).isEqualTo(50);
    assertThat(holdQuota(hold("h4", "a1", 1, until), start)).as("30 + 50 < 100").isTrue();
    assertThat(holdQuota(hold("h5", "nobody", 1, until), start)).isFalse();
    assertThat(heldQuota("nobody")).isZero();
    assertThatThrownBy(
            () -> store.read(tx -> tx.accounts().holdQuota(hold("h6", "a1", 1, until), start)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void quotaHoldsExpireUnlessRenewed() throws Exception {
    java.time.LocalDate start = java.time.LocalDate.of(2026, 11, 1);
    store.write(tx -> tx.accounts().createAccount(account("a1", "a@example.com", null)));
    assertThat(holdQuota(hold("h1", "a1", 10, T0.plusSeconds(10)), start)).isTrue();
    assertThat(holdQuota(hold("h2", "a1", 20, T0.plusSeconds(10)), start)).isTrue();
    Integer renewed =
        store.write(tx -> tx.accounts().renewQuotaHolds(List.of("h2", "gone"), T0.plusSeconds(60)));
    assertThat(renewed).isEqualTo(1);
    store.close();
    store = openStore(dataDir);
    assertThat(heldQuota("a1")).as("holds survive a restart").isEqualTo(30);
    Integer expired = store.write(tx -> tx.accounts().expireQuotaHolds(T0.plusSeconds(20)));
    assertThat(expired).isEqualTo(1);
    assertThat(heldQuota("a1")).isEqualTo(20);
    assertThat(writeAccounts(a -> a.releaseQuota("h1"))).as("expired and removed").isFalse();
  }

  @Test
  void concurrentHoldsNeverShareTheLastRoomOfAQuota() throws Exception {
    java.time.LocalDate start = java.time.LocalDate.of(2026, 11, 1);
    store.write(
        tx ->
            tx.accounts().createAccount(account("a1", "a@example.com", null).withQuotaBytes(1000)));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> tries = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        QuotaHold h = hold("h" + i, "a1", 100, T0.plusSeconds(60));
        tries.add(pool.submit(() -> holdQuota(h, start)));
      }
      int admitted = 0;
      for (Future<Boolean> t : tries) {
        admitted += t.get() ? 1 : 0;
      }
      // 0, 100, ... 900 are under 1000: ten holds, then none.
      assertThat(admitted).isEqualTo(10);
      assertThat(heldQuota("a1")).isEqualTo(1000);
    } finally {
      pool.shutdownNow();
    }
  }

  // Cluster state.

  @Test
  void leaseHasOneOwnerUntilItExpiresOrIsReleased() {
    Instant now = T0;
    Instant until = T0.plusSeconds(10);
    ClusterTransaction.Lease first =
        store.write(tx -> tx.cluster().acquireLease("fill:x", "node-a", now, until));
    assertThat(first).isEqualTo(new ClusterTransaction.Lease("fill:x", "node-a", until));
    ClusterTransaction.Lease refused =
        store.write(tx -> tx.cluster().acquireLease("fill:x", "node-b", now, until.plusSeconds(5)));
    assertThat(refused.owner()).as("held and not expired").isEqualTo("node-a");
    ClusterTransaction.Lease renewed =
        store.write(tx -> tx.cluster().acquireLease("fill:x", "node-a", now, until.plusSeconds(9)));
    assertThat(renewed.expires()).isEqualTo(until.plusSeconds(9));
    ClusterTransaction.Lease takenOver =
        store.write(
            tx ->
                tx.cluster()
                    .acquireLease("fill:x", "node-b", until.plusSeconds(9), until.plusSeconds(20)));
    assertThat(takenOver.owner()).as("expired: another node takes it").isEqualTo("node-b");
    assertThat(takenOver.heldBy("node-b", until.plusSeconds(10))).isTrue();
    boolean wrongOwner = store.write(tx -> tx.cluster().releaseLease("fill:x", "node-a"));
    assertThat(wrongOwner).isFalse();
    boolean released = store.write(tx -> tx.cluster().releaseLease("fill:x", "node-b"));
    assertThat(released).isTrue();
    Optional<ClusterTransaction.Lease> gone = store.read(tx -> tx.cluster().lease("fill:x"));
    assertThat(gone).isEmpty();
  }

  @Test
  void concurrentAcquirersOfOneLeaseGetOneWinner() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<ClusterTransaction.Lease>> tries = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        String node = "node-" + i;
        tries.add(
            pool.submit(
                () ->
                    store.write(
                        tx -> tx.cluster().acquireLease("job", node, T0, T0.plusSeconds(30)))));
      }
      Set<String> owners = new java.util.HashSet<>();
      for (Future<ClusterTransaction.Lease> t : tries) {
        owners.add(t.get().owner());
      }
      assertThat(owners).as("every caller saw the same owner").hasSize(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void nodesAreListedByHeartbeatAndForgotten() {
    store.write(
        tx -> {
          tx.cluster().nodeAlive("b", "127.0.0.1:7002", T0);
          tx.cluster().nodeAlive("a", "127.0.0.1:7001", T0.plusSeconds(10));
          tx.cluster().nodeAlive("a", "127.0.0.1:7011", T0.plusSeconds(20));
          return null;
        });
    List<ClusterTransaction.ClusterNode> alive =
        store.read(tx -> tx.cluster().nodes(T0.plusSeconds(5)));
    assertThat(alive)
        .containsExactly(
            new ClusterTransaction.ClusterNode("a", "127.0.0.1:7011", T0.plusSeconds(20)));
    List<ClusterTransaction.ClusterNode> all = store.read(tx -> tx.cluster().nodes(T0));
    assertThat(all).extracting(ClusterTransaction.ClusterNode::id).containsExactly("a", "b");
    int forgotten = store.write(tx -> tx.cluster().forgetNodes(T0.plusSeconds(1)));
    assertThat(forgotten).isEqualTo(1);
    Optional<ClusterTransaction.ClusterNode> b = store.read(tx -> tx.cluster().node("b"));
    assertThat(b).isEmpty();
  }

  @Test
  void sessionsSurviveARestartAndExpire() throws Exception {
    ClusterTransaction.SessionRecord session =
        new ClusterTransaction.SessionRecord("hash1", "acct", "csrf1", T0.plusSeconds(60));
    store.write(
        tx -> {
          tx.cluster().putSession(session);
          tx.cluster()
              .putSession(
                  new ClusterTransaction.SessionRecord("old", "acct", "c", T0.minusSeconds(1)));
          return null;
        });
    store.close();
    store = openStore(dataDir);
    Optional<ClusterTransaction.SessionRecord> found =
        store.read(tx -> tx.cluster().session("hash1"));
    assertThat(found).contains(session);
    int expired = store.write(tx -> tx.cluster().deleteExpiredSessions(T0));
    assertThat(expired).isEqualTo(1);
    boolean deleted = store.write(tx -> tx.cluster().deleteSession("hash1"));
    assertThat(deleted).isTrue();
    Optional<ClusterTransaction.SessionRecord> none =
        store.read(tx -> tx.cluster().session("hash1"));
    assertThat(none).isEmpty();
  }

  @Test
  void loginFailuresAreCountedInTheirWindowAndCleared() {
    store.write(
        tx -> {
          tx.cluster().loginFailed("user:bob", T0);
          tx.cluster().loginFailed("user:bob", T0.plusSeconds(2));
          tx.cluster().loginFailed("user:bob", T0.plusSeconds(1));
          tx.cluster().loginFailed("ip:10.0.0.1", T0);
          return null;
        });
    List<Instant> recent =
        store.read(tx -> tx.cluster().loginFailures("user:bob", T0.plusMillis(1)));
    assertThat(recent).containsExactly(T0.plusSeconds(1), T0.plusSeconds(2));
    int forgotten = store.write(tx -> tx.cluster().forgetLoginFailures(T0.plusMillis(1)));
    assertThat(forgotten).isEqualTo(2);
    store.write(
        tx -> {
          tx.cluster().clearLoginFailures("user:bob");
          return null;
        });
    List<Instant> none = store.read(tx -> tx.cluster().loginFailures("user:bob", T0));
    assertThat(none).isEmpty();
    assertThatThrownBy(
            () ->
                store.read(
                    tx -> {
                      tx.cluster().loginFailed("user:x", T0);
                      return null;
                    }))
        .isInstanceOf(IllegalStateException.class);
  }
}
