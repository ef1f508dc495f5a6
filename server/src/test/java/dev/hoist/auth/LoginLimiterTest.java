package dev.hoist.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.testkit.MemoryMetadataStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LoginLimiterTest {
  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
  private final InstantSource clock = () -> now.get();
  private final MemoryMetadataStore store = new MemoryMetadataStore(clock);
  private final LoginLimiter limiter = new LoginLimiter(store, clock, 3, 5, Duration.ofMinutes(10));

  @Test
  void aNameIsBlockedAfterItsFailuresUntilTheOldestAgesOut() {
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.blockedSeconds("alice", "10.0.0.1")).isZero();
      limiter.failed("alice", "10.0.0.1");
      now.set(now.get().plusSeconds(60));
    }
    // The first failure was 3 minutes ago: it ages out in 7 minutes.
    assertThat(limiter.blockedSeconds("alice", "10.0.0.9")).isBetween(420L, 421L);
    assertThat(limiter.blockedSeconds("ALICE", "10.0.0.9")).isPositive();
    now.set(now.get().plus(Duration.ofMinutes(7)));
    assertThat(limiter.blockedSeconds("alice", "10.0.0.9")).isZero();
  }

  @Test
  void otherNamesFromTheSameAddressMayTryUntilTheAddressLimit() {
    for (int i = 0; i < 3; i++) {
      limiter.failed("alice", "10.0.0.1");
    }
    assertThat(limiter.blockedSeconds("alice", "10.0.0.1")).isPositive();
    assertThat(limiter.blockedSeconds("bob", "10.0.0.1")).isZero();
    limiter.failed("carol", "10.0.0.1");
    limiter.failed("dave", "10.0.0.1");
    // Five failures from the address: now every name from it waits, other addresses do not.
    assertThat(limiter.blockedSeconds("bob", "10.0.0.1")).isPositive();
    assertThat(limiter.blockedSeconds("bob", "10.0.0.2")).isZero();
  }

  @Test
  void aRightPasswordForgetsTheNamesFailures() {
    limiter.failed("alice", "10.0.0.1");
    limiter.failed("alice", "10.0.0.1");
    limiter.succeeded("alice");
    limiter.failed("alice", "10.0.0.1");
    limiter.failed("alice", "10.0.0.1");
    assertThat(limiter.blockedSeconds("alice", "10.0.0.1")).isZero();
  }

  @Test
  void limitersOverOneStoreCountTogetherAsTheNodesOfAClusterDo() {
    LoginLimiter other = new LoginLimiter(store, clock, 3, 5, Duration.ofMinutes(10));
    limiter.failed("alice", "10.0.0.1");
    other.failed("alice", "10.0.0.2");
    assertThat(other.blockedSeconds("alice", "10.0.0.3")).isZero();
    limiter.failed("alice", "10.0.0.3");
    assertThat(other.blockedSeconds("alice", "10.0.0.4")).isPositive();
    other.succeeded("alice");
    assertThat(limiter.blockedSeconds("alice", "10.0.0.4")).isZero();
  }

  @Test
  void failuresThatAgedOutAreDeletedNowAndThen() {
    limiter.failed("alice", "10.0.0.1");
    now.set(now.get().plus(Duration.ofMinutes(11)));
    limiter.failed("bob", "10.0.0.2");
    // alice's failure and its address's are gone from the store, bob's two are left.
    int left = store.write(tx -> tx.cluster().forgetLoginFailures(now.get().plusSeconds(1)));
    assertThat(left).isEqualTo(2);
  }
}
