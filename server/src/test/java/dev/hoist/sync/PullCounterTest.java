package dev.hoist.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PullCounterTest {
  final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-30T12:00:00Z"));
  final InstantSource clock = () -> now.get();
  final PullCounter counter = new PullCounter(clock, Duration.ofHours(1));
  final RepositoryName x = RepositoryName.of("library/x");
  final RepositoryName y = RepositoryName.of("library/y");

  @Test
  void theMostPulledTagsInTheWindowComeFirst() {
    for (int i = 0; i < 3; i++) {
      counter.pulled("docker.io", x, Tag.of("1"));
    }
    counter.pulled("docker.io", y, Tag.LATEST);
    counter.pulled("docker.io", y, Tag.LATEST);
    counter.pulled("ghcr.io", x, Tag.of("1"));

    assertThat(counter.top(2))
        .containsExactly(
            new PullCounter.HotTag("docker.io", x, Tag.of("1")),
            new PullCounter.HotTag("docker.io", y, Tag.LATEST));
  }

  @Test
  void pullsOlderThanTheWindowNoLongerCount() {
    counter.pulled("docker.io", x, Tag.of("1"));
    counter.pulled("docker.io", x, Tag.of("1"));
    now.set(now.get().plus(Duration.ofMinutes(40)));
    counter.pulled("docker.io", y, Tag.of("1"));
    now.set(now.get().plus(Duration.ofMinutes(30)));

    assertThat(counter.count(new PullCounter.HotTag("docker.io", x, Tag.of("1")))).isZero();
    assertThat(counter.top(5)).containsExactly(new PullCounter.HotTag("docker.io", y, Tag.of("1")));
  }
}
