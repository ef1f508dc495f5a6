package dev.hoist.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

/**
 * A schema of its own in the machine's PostgreSQL for one test, so that tests never share rows:
 * created empty, dropped with everything in it on {@link #close}. The server is {@value
 * #DEFAULT_SERVER} (trust auth, database {@code test}; CI starts it when it is stopped), or {@code
 * HOIST_TEST_POSTGRES} in the form {@code postgresql://user@host:port/database}. A test that needs
 * it fails, with how to start it, when it cannot be reached: it never skips itself.
 */
public final class TestPostgres implements AutoCloseable {
  public static final String DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test";

  private final String server;
  private final String schema;

  private TestPostgres(String server, String schema) {
    this.server = server;
    this.schema = schema;
  }

  /** Creates a fresh, empty schema named after {@code purpose} and a random suffix. */
  public static TestPostgres newSchema(String purpose) {
    String env = System.getenv("HOIST_TEST_POSTGRES");
    String server = env == null || env.isBlank() ? DEFAULT_SERVER : env;
    String prefix = purpose.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
    String schema =
        "t_"
            + prefix.substring(0, Math.min(prefix.length(), 30))
            + "_"
            + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    TestPostgres db = new TestPostgres(server, schema);
    db.execute("CREATE SCHEMA " + schema);
    return db;
  }

  /** The URL Hoist's {@code storage.metadata} takes, naming this schema. */
  public String url() {
    return server + "?schema=" + schema;
  }

  public String schema() {
    return schema;
  }

  /** Runs one statement in this schema (for tests that look behind the store's back). */
  public void execute(String sql) {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /** A plain JDBC connection to the server, its search path set to this schema. */
  public Connection connect() throws SQLException {
    try {
      String jdbc = jdbc(server);
      return DriverManager.getConnection(
          jdbc + (jdbc.contains("?") ? "&" : "?") + "currentSchema=" + schema);
    } catch (SQLException e) {
      throw new SQLException(
          "cannot reach PostgreSQL at "
              + server
              + " (start it: pg_ctlcluster --skip-systemctl-redirect 15 main start; or set"
              + " HOIST_TEST_POSTGRES): "
              + e.getMessage(),
          e.getSQLState(),
          e);
    }
  }

  @Override
  public void close() {
    execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }

  private static String jdbc(String url) {
    // postgresql://user@host:port/db -> jdbc:postgresql://host:port/db?user=user
    String rest = url.substring(url.indexOf("://") + 3);
    int at = rest.indexOf('@');
    String user = at < 0 ? null : rest.substring(0, at);
    String hostAndDb = at < 0 ? rest : rest.substring(at + 1);
    return "jdbc:postgresql://" + hostAndDb + (user == null ? "" : "?user=" + user);
  }
}
