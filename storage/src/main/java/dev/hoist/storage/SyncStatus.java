package dev.hoist.storage;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What the last run of a sync rule did, and when the next one is due.
 *
 * @param rule the rule's name
 * @param lastStarted when the last run started, or null before the first run
 * @param lastFinished when the last run ended, or null while the first run is going
 * @param nextRun when the next run is due, or null when none is scheduled
 * @param copiedImages images (tags) copied by the last run
 * @param skippedImages images already present, not copied again
 * @param failedImages images that could not be copied
 * @param copiedBytes blob and manifest bytes copied by the last run
 * @param lastError what went wrong in the last run, or null
 */
public record SyncStatus(
    String rule,
    @Nullable Instant lastStarted,
    @Nullable Instant lastFinished,
    @Nullable Instant nextRun,
    long copiedImages,
    long skippedImages,
    long failedImages,
    long copiedBytes,
    @Nullable String lastError) {
  public SyncStatus {
    Objects.requireNonNull(rule, "rule");
  }
}
