package dev.hoist.repository;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

/** Removes upload sessions their clients abandoned. Every method blocks. */
public interface UploadJanitor {

  /** Ids of sessions not updated since {@code cutoff}, oldest first, at most {@code limit}. */
  List<String> staleSessions(Instant cutoff, int limit);

  /**
   * Removes a session if it is still untouched since {@code cutoff} (a request may have just
   * touched it); returns whether it was removed.
   */
  boolean purge(String id, Instant cutoff) throws IOException;
}
