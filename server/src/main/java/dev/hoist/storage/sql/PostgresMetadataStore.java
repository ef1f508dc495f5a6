package dev.hoist.storage.sql;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.hoist.storage.MetadataStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A {@link MetadataStore} in PostgreSQL, shared by every node of a cluster, over a HikariCP pool.
 *
 * <p>Write transactions run at {@code SERIALIZABLE}: PostgreSQL then guarantees what SQLite's one
 * writer gives for free, that work which reads and then writes (a quota check, a tag move) behaves
 * as if it ran alone, across all nodes. A transaction that loses to a concurrent one fails with a
 * serialisation failure and is run again, which {@link MetadataStore#write} allows. Reads run at
 * {@code REPEATABLE READ}, read-only: one snapshot for the whole work. The schema and SQL are the
 * SQLite store's ({@link Migrations}, {@link SqlTransaction}). Blocking: run it off event loops.
 */
public final class PostgresMetadataStore implements MetadataStore {
  private static final int MAX_WRITE_ATTEMPTS = 20;

  private final HikariDataSource pool;
  private final InstantSource clock;
  private final ObjectMapper json = new ObjectMapper();
  private final ThreadLocal<Boolean> inWrite = ThreadLocal.withInitial(() -> false);
  private volatile boolean closed;

  private PostgresMetadataStore(HikariDataSource pool, InstantSource clock) {
    this.pool = pool;
    this.clock = clock;
  }

  /** Connects (failing at once when the database cannot be reached) and migrates the schema. */
  public static PostgresMetadataStore open(PostgresUrl url, int poolSize, InstantSource clock) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url.jdbcUrl());
    if (url.user() != null) {
      config.setUsername(url.user());
    }
    if (url.password() != null) {
      config.setPassword(url.password());
    }
    if (url.schema() != null) {
      config.setSchema(url.schema());
    }
    config.setPoolName("hoist-metadata");
    config.setMaximumPoolSize(poolSize);
    config.setMinimumIdle(Math.min(2, poolSize));
    config.setAutoCommit(false);
    // Every transaction is SERIALIZABLE unless it says otherwise (reads do, as their first
    // statement): the connections' state never changes, so the pool never has to reset it.
    config.setTransactionIsolation("TRANSACTION_SERIALIZABLE");
    config.setConnectionTimeout(10_000);
    // Fail at start, with the reason, rather than at the first request.
    config.setInitializationFailTimeout(10_000);
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw new SqlFailure("connecting to " + url, rootCause(e));
    }
    try {
      Migrations.migrate(pool, url.toString(), url.schema());
      return new PostgresMetadataStore(pool, clock);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  @Override
  public <T> T read(Work<T> work) {
    checkOpen();
    try (Connection connection = pool.getConnection()) {
      try (Statement statement = connection.createStatement()) {
        statement.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
      }
      SqlTransaction tx = new SqlTransaction(connection, false, clock, json);
      try {
        return work.run(tx);
      } finally {
        tx.end();
        connection.rollback();
      }
    } catch (SQLException e) {
      throw new SqlFailure("reading", e);
    }
  }

  @Override
  public <T> T write(Work<T> work) {
    if (inWrite.get()) {
      throw new IllegalStateException("write transactions do not nest");
    }
    inWrite.set(true);
    try {
      for (int attempt = 1; ; attempt++) {
        checkOpen();
        try {
          return writeOnce(work);
        } catch (SqlFailure e) {
          if (!e.retryable() || attempt >= MAX_WRITE_ATTEMPTS) {
            throw e;
          }
        }
        backOff(attempt);
      }
    } finally {
      inWrite.remove();
    }
  }

  private <T> T writeOnce(Work<T> work) {
    try (Connection connection = pool.getConnection()) {
      SqlTransaction tx = new SqlTransaction(connection, true, clock, json);
      boolean committed = false;
      try {
        T result = work.run(tx);
        connection.commit();
        committed = true;
        return result;
      } finally {
        tx.end();
        if (!committed) {
          connection.rollback();
        }
      }
    } catch (SQLException e) {
      throw new SqlFailure("writing", e);
    }
  }

  @Override
  public void close() {
    closed = true;
    pool.close();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("metadata store is closed");
    }
  }

  private static void backOff(int attempt) {
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(1, 5L << Math.min(attempt, 6)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting to retry a write", e);
    }
  }

  private static Throwable rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }
}
