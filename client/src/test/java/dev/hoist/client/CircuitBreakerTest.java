package dev.hoist.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
  private final MutableClock clock = new MutableClock();
  private final CircuitBreaker breaker = new CircuitBreaker(3, Duration.ofSeconds(30), clock);

  @Test
  void opensAfterConsecutiveFailures() {
    breaker.tryAcquire().failure();
    breaker.tryAcquire().failure();
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    breaker.tryAcquire().failure();
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(breaker.tryAcquire()).isNull();
    assertThat(breaker.openUntil()).contains(clock.instant().plusSeconds(30));
  }

  @Test
  void aSuccessResetsTheCount() {
    breaker.tryAcquire().failure();
    breaker.tryAcquire().failure();
    breaker.tryAcquire().success();
    breaker.tryAcquire().failure();
    breaker.tryAcquire().failure();
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void halfOpenLetsOneProbeThroughAndItsSuccessCloses() {
    openIt();
    clock.advance(Duration.ofSeconds(30));
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    CircuitBreaker.Permit probe = breaker.tryAcquire();
    assertThat(probe).isNotNull();
    assertThat(breaker.tryAcquire()).as("only one probe at a time").isNull();
    probe.success();
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(breaker.tryAcquire()).isNotNull();
  }

  @Test
  void aFailedProbeOpensForAnotherCoolDown() {
    openIt();
    clock.advance(Duration.ofSeconds(31));
    breaker.tryAcquire().failure();
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(breaker.openUntil()).contains(clock.instant().plusSeconds(30));
  }

  @Test
  void aReleasedProbeLetsTheNextOneThrough() {
    openIt();
    clock.advance(Duration.ofSeconds(31));
    breaker.tryAcquire().release();
    assertThat(breaker.tryAcquire()).isNotNull();
  }

  private void openIt() {
    for (int i = 0; i < 3; i++) {
      breaker.tryAcquire().failure();
    }
  }
}
