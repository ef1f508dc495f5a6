package dev.hoist.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.client.RegistryClient;
import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.repository.LocalNamespace;
import dev.hoist.storage.MirrorTagState;
import dev.hoist.testkit.MemoryBlobStore;
import dev.hoist.testkit.MemoryMetadataStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Which tags the pre-warmer copies into the mirror cache, without an upstream (a fake mirror). */
class PrewarmTest {
  private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
  private static final RepositoryName REPO = RepositoryName.of("library/app");
  private static final RepositoryName CACHE = RepositoryName.of("docker.io/library/app");
  private static final Tag TAG = Tag.of("1");

  private final MemoryMetadataStore metadata = new MemoryMetadataStore();
  private final List<String> warmed = new CopyOnWriteArrayList<>();

  /** Records each warm attempt (the first thing a warm does is ask for the upstream's client). */
  private final MirrorAccess mirror =
      new MirrorAccess() {
        @Override
        public Optional<RegistryClient> client(String upstream) {
          warmed.add(upstream);
          return Optional.empty();
        }

        @Override
        public Optional<RepositoryName> cacheName(String upstream, RepositoryName repository) {
          return Optional.of(RepositoryName.of(upstream + "/" + repository.value()));
        }

        @Override
        public InputStream cachedBlob(String upstream, RepositoryName repository, Digest digest)
            throws IOException {
          throw new IOException("no blobs here");
        }

        @Override
        public Duration freshFor(RepositoryName cacheName, Tag tag) {
          return Duration.ofMinutes(5);
        }

        @Override
        public boolean isLocal(RepositoryName name) {
          return false;
        }
      };

  private SyncService service() {
    return new SyncService(
        SyncConfig.builder()
            .prewarmTopK(5)
            .prewarmWindow(Duration.ofHours(1))
            .prewarmLead(Duration.ofSeconds(30))
            .build(),
        mirror,
        new LocalNamespace(new MemoryBlobStore(), metadata, InstantSource.fixed(NOW)),
        metadata,
        InstantSource.fixed(NOW),
        new SimpleMeterRegistry(),
        "node-a");
  }

  @Test
  void aCountedTagThatIsNotCachedYetIsLeftToThePullThatIsFillingIt() {
    SyncService service = service();
    service.tagPulled("docker.io", REPO, TAG);

    service.prewarm();
    service.close(); // waits for any warm it started

    assertThat(warmed).isEmpty();
  }

  @Test
  void aCountedTagWhoseFreshTimeEndsWithinTheLeadIsWarmed() {
    // Fresh for 5 min, checked 4 min 45 s ago: 15 s left, inside the 30 s lead.
    metadata.write(
        tx -> {
          tx.putMirrorTag(
              new MirrorTagState(
                  CACHE, TAG, Digest.sha256(new byte[] {1}), NOW.minus(Duration.ofSeconds(285))));
          return null;
        });
    SyncService service = service();
    service.tagPulled("docker.io", REPO, TAG);

    service.prewarm();
    service.close();

    assertThat(warmed).containsExactly("docker.io");
  }

  @Test
  void aCountedTagThatIsStillFreshIsLeftAlone() {
    metadata.write(
        tx -> {
          tx.putMirrorTag(new MirrorTagState(CACHE, TAG, Digest.sha256(new byte[] {1}), NOW));
          return null;
        });
    SyncService service = service();
    service.tagPulled("docker.io", REPO, TAG);

    service.prewarm();
    service.close();

    assertThat(warmed).isEmpty();
  }
}
