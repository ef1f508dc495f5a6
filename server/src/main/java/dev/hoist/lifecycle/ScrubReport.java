package dev.hoist.lifecycle;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What one scrub pass found.
 *
 * @param blobs blob records checked
 * @param bytes bytes read and hashed
 * @param corruptions blobs found unsound, in digest order
 * @param unreadable blobs whose bytes could not be read (an I/O error): left as they are, since a
 *     failed read says nothing of the bytes
 * @param elapsed how long the pass took
 */
public record ScrubReport(
    long blobs, long bytes, List<Corruption> corruptions, long unreadable, Duration elapsed) {

  public ScrubReport {
    corruptions = List.copyOf(corruptions);
    Objects.requireNonNull(elapsed, "elapsed");
  }

  /** Whether every blob was read and sound. */
  public boolean clean() {
    return corruptions.isEmpty() && unreadable == 0;
  }
}
