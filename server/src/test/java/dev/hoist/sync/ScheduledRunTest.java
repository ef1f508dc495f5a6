package dev.hoist.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.client.RegistryClient;
import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.repository.LocalNamespace;
import dev.hoist.storage.ClusterTransaction;
import dev.hoist.storage.SyncRuleRecord;
import dev.hoist.storage.SyncStatus;
import dev.hoist.testkit.MemoryBlobStore;
import dev.hoist.testkit.MemoryMetadataStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Scheduled runs on two nodes sharing one metadata store (two services over one memory store): a
 * due time runs once, under the rule's lease.
 */
class ScheduledRunTest {
  private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
  private static final String RULE =
      """
      {"name": "r", "upstream": "docker.io", "repositories": ["library/app"],
       "destination": {"type": "mirror"}, "schedule": {"interval": "1h"}}
      """;

  private final MemoryMetadataStore metadata = new MemoryMetadataStore();

  /** Runs that started: the first thing a run does is ask for the upstream's client. */
  private final AtomicInteger runs = new AtomicInteger();

  private final MirrorAccess mirror =
      new MirrorAccess() {
        @Override
        public Optional<RegistryClient> client(String upstream) {
          runs.incrementAndGet();
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

  private final SyncService nodeA = service("node-a");
  private final SyncService nodeB = service("node-b");

  private SyncService service(String node) {
    return new SyncService(
        SyncConfig.builder().build(),
        mirror,
        new LocalNamespace(new MemoryBlobStore(), metadata, InstantSource.fixed(NOW)),
        metadata,
        InstantSource.fixed(NOW),
        new SimpleMeterRegistry(),
        node);
  }

  private ScheduledRunTest() {
    metadata.write(
        tx -> {
          tx.sync().putRule(new SyncRuleRecord("r", RULE, NOW));
          return null;
        });
  }

  @AfterEach
  void stop() {
    nodeA.close();
    nodeB.close();
  }

  @Test
  void aDueTimeRunsOnceWhenTwoNodesReachItOneAfterTheOther() throws Exception {
    SyncStatus first = nodeA.start("r", NOW).get();
    SyncStatus second = nodeB.start("r", NOW).get();

    assertThat(runs).hasValue(1);
    assertThat(first.lastStarted()).isEqualTo(NOW);
    assertThat(second).as("node B found the run done and kept its status").isEqualTo(first);
    Optional<ClusterTransaction.Lease> lease =
        metadata.read(tx -> tx.cluster().lease(SyncService.leaseName("r")));
    assertThat(lease).as("released at the end of the run").isEmpty();
  }

  @Test
  void aNodeThatDoesNotGetTheLeaseSkipsTheScheduledRunAndRefusesOneOnDemand() {
    metadata.write(
        tx ->
            tx.cluster()
                .acquireLease(SyncService.leaseName("r"), "node-b", NOW, NOW.plusSeconds(60)));

    nodeA.start("r", NOW).join();

    assertThat(runs).hasValue(0);
    assertThatThrownBy(() -> nodeA.runNow("r").get())
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(SyncService.RunningElsewhere.class)
        .hasMessageContaining("node-b");
    assertThat(nodeA.isRunning("r")).as("running, on node B").isTrue();
  }

  @Test
  void anExpiredLeaseOfANodeThatDiedIsTakenOver() throws Exception {
    metadata.write(
        tx ->
            tx.cluster()
                .acquireLease(
                    SyncService.leaseName("r"),
                    "dead",
                    NOW.minusSeconds(120),
                    NOW.minusSeconds(1)));

    nodeA.start("r", NOW).get();

    assertThat(runs).hasValue(1);
  }

  @Test
  void aCronRunIsStillDueUntilSomeoneStartsOneAtOrAfterItsDueTime() {
    SyncRule.Schedule cron = new SyncRule.Schedule(null, CronExpression.parse("0 3 * * *"));
    Instant due = Instant.parse("2026-11-30T03:00:00Z");
    assertThat(SyncService.stillDue(cron, due, status(due.minusSeconds(86_400)), NOW)).isTrue();
    assertThat(SyncService.stillDue(cron, due, status(due), NOW)).isFalse();
    assertThat(SyncService.stillDue(cron, due, null, NOW)).isTrue();
    SyncRule.Schedule hourly = new SyncRule.Schedule(Duration.ofHours(1), null);
    assertThat(SyncService.stillDue(hourly, NOW, status(NOW.minusSeconds(3600)), NOW)).isTrue();
    assertThat(SyncService.stillDue(hourly, NOW, status(NOW.minusSeconds(10)), NOW)).isFalse();
  }

  private static SyncStatus status(Instant lastStarted) {
    return new SyncStatus("r", lastStarted, lastStarted, null, 0, 0, 0, 0, null);
  }
}
