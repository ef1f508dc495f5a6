package dev.hoist.ui;

import dev.hoist.client.CircuitBreaker;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * An upstream as its circuit breaker sees it now: what the dashboard shows beside the upstream's
 * meters.
 *
 * @param name the upstream's name, the {@code upstream} label of its meters
 * @param url where it is reached
 * @param openUntil when the open circuit lets a probe through; null unless open or half-open
 * @param consecutiveFailures failures since its last success
 */
public record UpstreamState(
    String name,
    String url,
    CircuitBreaker.State circuit,
    @Nullable Instant openUntil,
    int consecutiveFailures) {}
