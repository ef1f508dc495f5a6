package dev.hoist.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.storage.AccountRecord;
import dev.hoist.storage.AccountsTransaction;
import dev.hoist.storage.ManifestRecord;
import dev.hoist.storage.MetadataStore;
import dev.hoist.storage.MetadataTransaction;
import dev.hoist.storage.MirrorTagState;
import dev.hoist.storage.SyncRuleRecord;
import dev.hoist.storage.SyncStatus;
import dev.hoist.storage.UploadSession;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
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
}
