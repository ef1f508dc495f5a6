package dev.hoist.storage.sql;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.storage.MetadataStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * A {@link MetadataStore} in a SQLite database, {@code <data-dir>/hoist.db}, in WAL mode.
 *
 * <p>Writes go through one connection, one at a time ({@code BEGIN IMMEDIATE}), which is all SQLite
 * allows anyway; serialising them here rather than in SQLite keeps waiting fair and cheap. Reads
 * use a small pool of other connections and, thanks to WAL, run beside a write on a snapshot of the
 * last commit. The schema is created and upgraded by {@link Migrations}, which the PostgreSQL store
 * shares. Blocking: run it off event loops.
 */
public final class SqliteMetadataStore implements MetadataStore {
  static final String DATABASE_FILE = "hoist.db";

  private static final int BUSY_TIMEOUT_MILLIS = 5_000;
  private static final int MAX_WRITE_ATTEMPTS = 5;
  private static final int MAX_IDLE_READERS = 4;

  private final SQLiteDataSource dataSource;
  private final Connection writer;
  private final InstantSource clock;
  private final ObjectMapper json = new ObjectMapper();
  private final ReentrantLock writeLock = new ReentrantLock(true);
  private final Deque<Connection> idleReaders = new ArrayDeque<>(); // guarded by itself
  private volatile boolean closed;

  private SqliteMetadataStore(SQLiteDataSource dataSource, Connection writer, InstantSource clock) {
    this.dataSource = dataSource;
    this.writer = writer;
    this.clock = clock;
  }

  /** Opens (creating and migrating when needed) the database in {@code dataDir}. */
  public static SqliteMetadataStore open(Path dataDir) {
    return open(dataDir, InstantSource.system());
  }

  /**
   * Opens (creating and migrating when needed) the database in {@code dataDir}; {@code clock}
   * stamps tag moves and blob links.
   */
  public static SqliteMetadataStore open(Path dataDir, InstantSource clock) {
    Path file = dataDir.toAbsolutePath().normalize().resolve(DATABASE_FILE);
    try {
      Files.createDirectories(file.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + file.getParent(), e);
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    // With WAL, NORMAL loses at most the last commits on power loss, never consistency.
    config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
    config.enforceForeignKeys(true);
    config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
    SQLiteDataSource dataSource = new SQLiteDataSource(config);
    dataSource.setUrl("jdbc:sqlite:" + file);
    Migrations.migrate(dataSource, file.toString(), null);
    try {
      return new SqliteMetadataStore(dataSource, dataSource.getConnection(), clock);
    } catch (SQLException e) {
      throw new SqlFailure("opening " + file, e);
    }
  }

  @Override
  public <T> T read(Work<T> work) {
    checkOpen();
    Connection connection = acquireReader();
    boolean reusable = false;
    try {
      // A deferred transaction: its snapshot is taken at the first read and held to the end.
      execute(connection, "BEGIN");
      SqlTransaction tx = new SqlTransaction(connection, false, clock, json);
      try {
        return work.run(tx);
      } finally {
        tx.end();
        reusable = rollback(connection);
      }
    } finally {
      releaseReader(connection, reusable);
    }
  }

  @Override
  public <T> T write(Work<T> work) {
    if (writeLock.isHeldByCurrentThread()) {
      throw new IllegalStateException("write transactions do not nest");
    }
    for (int attempt = 1; ; attempt++) {
      writeLock.lock();
      try {
        checkOpen();
        return writeOnce(work);
      } catch (SqlFailure e) {
        // Only another process can hold the write lock longer than the busy timeout.
        if (!e.retryable() || attempt >= MAX_WRITE_ATTEMPTS) {
          throw e;
        }
      } finally {
        writeLock.unlock();
      }
      backOff(attempt);
    }
  }

  private <T> T writeOnce(Work<T> work) {
    execute(writer, "BEGIN IMMEDIATE");
    SqlTransaction tx = new SqlTransaction(writer, true, clock, json);
    boolean committed = false;
    try {
      T result = work.run(tx);
      execute(writer, "COMMIT");
      committed = true;
      return result;
    } finally {
      tx.end();
      if (!committed) {
        rollback(writer);
      }
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    writeLock.lock();
    try {
      closeQuietly(writer);
    } finally {
      writeLock.unlock();
    }
    synchronized (idleReaders) {
      idleReaders.forEach(SqliteMetadataStore::closeQuietly);
      idleReaders.clear();
    }
  }

  private Connection acquireReader() {
    synchronized (idleReaders) {
      Connection idle = idleReaders.pollFirst();
      if (idle != null) {
        return idle;
      }
    }
    try {
      Connection connection = dataSource.getConnection();
      // Belt and braces: the transaction refuses writes, and so does the connection.
      execute(connection, "PRAGMA query_only = true");
      return connection;
    } catch (SQLException e) {
      throw new SqlFailure("opening a read connection", e);
    }
  }

  private void releaseReader(Connection connection, boolean reusable) {
    synchronized (idleReaders) {
      if (reusable && !closed && idleReaders.size() < MAX_IDLE_READERS) {
        idleReaders.addFirst(connection);
        return;
      }
    }
    closeQuietly(connection);
  }

  private static void execute(Connection connection, String sql) {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new SqlFailure(sql, e);
    }
  }

  /** Rolls back if a transaction is active; returns whether the connection is still usable. */
  private static boolean rollback(Connection connection) {
    try (Statement statement = connection.createStatement()) {
      statement.execute("ROLLBACK");
      return true;
    } catch (SQLException e) {
      // SQLite ends a transaction by itself after some errors; then there is nothing to undo.
      String message = String.valueOf(e.getMessage());
      return message.contains("no transaction is active");
    }
  }

  private static void backOff(int attempt) {
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(10L << attempt));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting to retry a write", e);
    }
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      // Nothing useful to do while closing.
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("metadata store is closed");
    }
  }
}
