package dev.hoist.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.oci.Tag;
import dev.hoist.storage.MetadataStore;
import dev.hoist.testkit.MetadataStoreContract;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqliteMetadataStoreTest extends MetadataStoreContract {

  @Override
  protected MetadataStore openStore(Path dataDir) {
    return SqliteMetadataStore.open(dataDir);
  }

  @Test
  void databaseIsInWalModeWithForeignKeys() throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
    }
    assertThat(dataDir.resolve("hoist.db")).isRegularFile();
  }

  @Test
  void migrationVersionIsRecorded() throws SQLException {
    List<String> versions = new ArrayList<>();
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT version FROM flyway_schema_history WHERE success = 1"
                    + " AND version IS NOT NULL ORDER BY installed_rank")) {
      while (rs.next()) {
        versions.add(rs.getString(1));
      }
    }
    assertThat(versions).containsExactlyElementsOf(migrationVersions());
  }

  /** The versions of the migration files shipped (V1, V2, ...), in order. */
  private static List<String> migrationVersions() {
    try {
      java.net.URL dir =
          SqliteMetadataStoreTest.class.getClassLoader().getResource("db/migration/common");
      try (java.util.stream.Stream<java.nio.file.Path> files =
          java.nio.file.Files.list(java.nio.file.Path.of(dir.toURI()))) {
        return files
            .map(f -> f.getFileName().toString())
            .filter(n -> n.matches("V\\d+__.*\\.sql"))
            .map(n -> n.substring(1, n.indexOf("__")))
            .sorted(java.util.Comparator.comparingInt(Integer::parseInt))
            .toList();
      }
    } catch (java.io.IOException | java.net.URISyntaxException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void reopeningDoesNotMigrateAgain() throws SQLException {
    store.close();
    store = SqliteMetadataStore.open(dataDir);

    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM flyway_schema_history")) {
      rs.next();
      assertThat(rs.getInt(1))
          .as("one row per migration, none repeated")
          .isEqualTo(migrationVersions().size());
    }
  }

  @Test
  void tagCannotPointAtAManifestOfAnotherRepository() throws SQLException {
    write(tx -> tx.putManifest(ALPHA, manifest("m"), null));

    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("PRAGMA foreign_keys = ON");
      assertThatThrownBy(
              () ->
                  s.execute(
                      "INSERT INTO tags (repo, tag, digest, updated) VALUES ('beta', 'x', '"
                          + manifest("m").digest()
                          + "', 0)"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("FOREIGN KEY");
    }
    read(tx -> assertThat(tx.tag(BETA, Tag.of("x"))).isEmpty());
  }

  @Test
  void closedStoreRefusesWork() {
    store.close();

    assertThatThrownBy(() -> store.read(tx -> null)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.write(tx -> null)).isInstanceOf(IllegalStateException.class);
    store = null;
  }

  @Test
  void writeTransactionsDoNotNest() {
    assertThatThrownBy(() -> store.write(outer -> store.write(inner -> null)))
        .isInstanceOf(IllegalStateException.class);
    String result = store.write(tx -> "still usable");
    assertThat(result).isEqualTo("still usable");
  }

  @Test
  void aWriteWaitsForAnotherProcessHoldingTheLock() throws Exception {
    // Another process (here: another connection) holds the write lock for a while.
    try (Connection other = connect();
        Statement s = other.createStatement()) {
      s.execute("BEGIN IMMEDIATE");
      Thread releaser =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      Thread.sleep(300);
                      s.execute("COMMIT");
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  });

      write(tx -> tx.linkBlob(ALPHA, digest("after the wait"), 1));
      releaser.join();
    }
    read(tx -> assertThat(tx.linkedBlobSize(ALPHA, digest("after the wait"))).contains(1L));
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("hoist.db"));
  }
}
