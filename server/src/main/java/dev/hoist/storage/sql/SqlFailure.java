package dev.hoist.storage.sql;

import java.sql.SQLException;

/** A database error, unchecked because {@link dev.hoist.storage.MetadataStore} is. */
final class SqlFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  // Primary SQLite result codes (the low byte of an extended code).
  private static final int SQLITE_BUSY = 5;
  private static final int SQLITE_LOCKED = 6;
  // PostgreSQL's SQLSTATEs for a transaction that lost to a concurrent one.
  private static final String SERIALIZATION_FAILURE = "40001";
  private static final String DEADLOCK_DETECTED = "40P01";

  SqlFailure(String action, Throwable cause) {
    super(action + ": " + cause.getMessage(), cause);
  }

  /**
   * Whether the work lost to a concurrent transaction (SQLite: another connection held a lock
   * longer than the busy timeout; PostgreSQL: a serialisation failure or a deadlock), so running it
   * again may succeed.
   */
  boolean retryable() {
    for (Throwable t = getCause(); t != null; t = t.getCause()) {
      if (t instanceof SQLException e) {
        String state = e.getSQLState();
        if (SERIALIZATION_FAILURE.equals(state) || DEADLOCK_DETECTED.equals(state)) {
          return true;
        }
        int primary = e.getErrorCode() & 0xff;
        if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
          return true;
        }
      }
    }
    return false;
  }
}
