package dev.hoist.storage.sqlite;

import java.sql.SQLException;

/** A database error, unchecked because {@link dev.hoist.storage.MetadataStore} is. */
final class SqliteFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  // Primary SQLite result codes (the low byte of an extended code).
  private static final int SQLITE_BUSY = 5;
  private static final int SQLITE_LOCKED = 6;

  SqliteFailure(String action, Throwable cause) {
    super(action + ": " + cause.getMessage(), cause);
  }

  /** Whether another connection held a lock the work needed, so running it again may succeed. */
  boolean busy() {
    if (getCause() instanceof SQLException e) {
      int primary = e.getErrorCode() & 0xff;
      return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
    }
    return false;
  }
}
