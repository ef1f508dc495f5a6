package dev.hoist.storage.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.oci.Digest;
import dev.hoist.oci.Tag;
import dev.hoist.storage.CachedImage;
import dev.hoist.storage.LifecycleTransaction;
import dev.hoist.storage.ManifestKey;
import dev.hoist.storage.ManifestRecord;
import dev.hoist.storage.MetadataStore;
import dev.hoist.storage.StoredBlob;
import dev.hoist.testkit.MetadataStoreContract;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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

  /** The versions of the migration files shipped (V1, V2, ...) and the Java one, in order. */
  private static List<String> migrationVersions() {
    List<String> versions = new ArrayList<>();
    versions.add(new AccountUsernamesMigration().getVersion().getVersion());
    try {
      java.net.URL dir =
          SqliteMetadataStoreTest.class.getClassLoader().getResource("db/migration/common");
      try (java.util.stream.Stream<java.nio.file.Path> files =
          java.nio.file.Files.list(java.nio.file.Path.of(dir.toURI()))) {
        files
            .map(f -> f.getFileName().toString())
            .filter(n -> n.matches("V\\d+__.*\\.sql"))
            .map(n -> n.substring(1, n.indexOf("__")))
            .forEach(versions::add);
      }
    } catch (java.io.IOException | java.net.URISyntaxException e) {
      throw new AssertionError(e);
    }
    versions.sort(java.util.Comparator.comparingInt(Integer::parseInt));
    return versions;
  }

  @Test
  void accountsOfAnOlderDatabaseGetUniqueUsernamesFromTheirEmailsAndLoseNothing() throws Exception {
    Path old = dataDir.resolve("old");
    java.nio.file.Files.createDirectories(old);
    String url = "jdbc:sqlite:" + old.resolve(SqliteMetadataStore.DATABASE_FILE);
    // The schema as the release before usernames left it.
    org.flywaydb.core.Flyway.configure()
        .dataSource(url, null, null)
        .locations(Migrations.LOCATION)
        .target("4")
        .load()
        .migrate();
    String[][] rows = {
      // id, email, created: the oldest account keeps the plain name
      {"a1", "alice@example.com", "1000"},
      {"a2", "alice@other.org", "2000"},
      {"a3", "John.Smith+hoist@example.com", "3000"},
      {"a4", "library@example.com", "4000"},
      {"a5", "x@example.com", "5000"},
      {"a6", "alice2@example.com", "1500"},
    };
    try (Connection c = DriverManager.getConnection(url);
        java.sql.PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO accounts (id, email, password_hash, admin, tenant_id, quota_bytes,"
                    + " disabled, invite_code, invited_by, created)"
                    + " VALUES (?, ?, ?, 0, ?, 1000, 0, ?, ?, ?)")) {
      for (String[] r : rows) {
        insert.setString(1, r[0]);
        insert.setString(2, r[1]);
        insert.setString(3, "hash-" + r[0]);
        insert.setString(4, "tenant-" + r[0]);
        insert.setString(5, "code-" + r[0]);
        insert.setString(6, r[0].equals("a2") ? "a1" : null);
        insert.setLong(7, Long.parseLong(r[2]));
        insert.executeUpdate();
      }
      try (Statement s = c.createStatement()) {
        s.executeUpdate("INSERT INTO usage_daily (account, day, bytes) VALUES ('a1', 20000, 42)");
      }
    }

    MetadataStore migrated = SqliteMetadataStore.open(old);
    try {
      java.util.Map<String, String> usernames = new java.util.TreeMap<>();
      for (var a : migrated.read(tx -> tx.accounts().accounts())) {
        usernames.put(a.id(), a.username());
      }
      assertThat(usernames)
          .containsExactlyEntriesOf(
              new java.util.TreeMap<>(
                  java.util.Map.of(
                      "a1", "alice",
                      "a2", "alice3",
                      "a3", "john.smith-hoist",
                      "a4", "library2",
                      "a5", "x2",
                      "a6", "alice2")));
      var a2 = migrated.read(tx -> tx.accounts().accountByUsername("alice3")).orElseThrow();
      assertThat(a2.email()).isEqualTo("alice@other.org");
      assertThat(a2.passwordHash()).isEqualTo("hash-a2");
      assertThat(a2.tenantId()).isEqualTo("tenant-a2");
      assertThat(a2.inviteCode()).isEqualTo("code-a2");
      assertThat(a2.invitedBy()).isEqualTo("a1");
      assertThat(a2.created().toEpochMilli()).isEqualTo(2000);
      java.util.SortedMap<java.time.LocalDate, Long> usage =
          migrated.read(tx -> tx.accounts().usage("a1", java.time.LocalDate.ofEpochDay(0)));
      assertThat(usage).containsEntry(java.time.LocalDate.ofEpochDay(20000), 42L);
      // The new column is unique like the email.
      var clash = account("a7", "new@example.com", "alice", null);
      boolean created = migrated.write(tx -> tx.accounts().createAccount(clash));
      assertThat(created).isFalse();
    } finally {
      migrated.close();
    }
  }

  @Test
  void manifestsWhoseReferencesAreNotRecordedAreListedUntilIndexed() throws SQLException {
    ManifestRecord first = manifest("unindexed first");
    ManifestRecord second = manifest("unindexed second");
    Digest layer = digest("layer found by indexing");
    write(
        tx -> {
          tx.putManifest(ALPHA, first, Set.of(), null);
          tx.putManifest(BETA, second, Set.of(), null);
        });
    // Only manifests stored before the lifecycle migration are unindexed.
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE manifests SET indexed = 0");
    }
    ManifestKey firstKey = new ManifestKey(ALPHA, first.digest());
    ManifestKey secondKey = new ManifestKey(BETA, second.digest());
    read(
        tx -> {
          assertThat(tx.lifecycle().unindexedManifests(10)).containsExactly(firstKey, secondKey);
          assertThat(tx.lifecycle().unindexedManifests(1)).containsExactly(firstKey);
        });

    write(tx -> tx.lifecycle().indexManifest(firstKey, Set.of(layer)));
    read(
        tx -> {
          assertThat(tx.lifecycle().unindexedManifests(10)).containsExactly(secondKey);
          assertThat(tx.lifecycle().manifestsUsing(layer, 10)).containsExactly(firstKey);
        });

    write(tx -> tx.putManifest(BETA, second, Set.of(layer), null));
    read(
        tx -> {
          assertThat(tx.lifecycle().unindexedManifests(10))
              .as("storing a manifest again indexes it")
              .isEmpty();
          assertThat(tx.lifecycle().manifestsUsing(layer, 10)).containsExactly(firstKey, secondKey);
        });
  }

  @Test
  void theLifecycleMigrationRecordsStoredBlobsAndLeavesManifestsToIndex() throws Exception {
    Path old = dataDir.resolve("before-lifecycle");
    java.nio.file.Files.createDirectories(old);
    String url = "jdbc:sqlite:" + old.resolve(SqliteMetadataStore.DATABASE_FILE);
    org.flywaydb.core.Flyway.configure()
        .dataSource(url, null, null)
        .locations(Migrations.LOCATION)
        .target("4")
        .load()
        .migrate();
    Digest layer = digest("layer of an old image");
    Digest image = digest("old image");
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.executeUpdate(
          "INSERT INTO manifests (repo, digest, media_type, size, annotations, created)"
              + " VALUES ('docker.io/library/app', '"
              + image
              + "', '"
              + IMAGE_MANIFEST
              + "', 300, '{}', 2000)");
      s.executeUpdate(
          "INSERT INTO blob_links (repo, digest, size, created) VALUES"
              + " ('docker.io/library/app', '"
              + image
              + "', 300, 2000),"
              + " ('docker.io/library/app', '"
              + layer
              + "', 10, 1000),"
              + " ('alpha/app', '"
              + layer
              + "', 10, 3000)");
    }

    MetadataStore migrated = SqliteMetadataStore.open(old);
    try {
      ManifestKey key = new ManifestKey(CACHED, image);
      migrated.read(
          tx -> {
            LifecycleTransaction l = tx.lifecycle();
            assertThat(l.blob(layer))
                .as("used when last linked")
                .contains(new StoredBlob(layer, 10, Instant.ofEpochMilli(3000)));
            assertThat(l.blob(image))
                .contains(new StoredBlob(image, 300, Instant.ofEpochMilli(2000)));
            assertThat(l.unindexedManifests(10)).containsExactly(key);
            assertThat(l.leastRecentlyUsedImages(CACHE, Instant.ofEpochMilli(5000), 10))
                .as("used when stored")
                .containsExactly(new CachedImage(CACHED, image, Instant.ofEpochMilli(2000)));
            return null;
          });
      migrated.write(
          tx -> {
            tx.lifecycle().indexManifest(key, Set.of(layer));
            return null;
          });
      migrated.read(
          tx -> {
            assertThat(tx.lifecycle().unindexedManifests(10)).isEmpty();
            assertThat(tx.lifecycle().unreferencedBlobs(Instant.ofEpochMilli(5000), null, 10))
                .isEmpty();
            return null;
          });
    } finally {
      migrated.close();
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
    write(tx -> tx.putManifest(ALPHA, manifest("m"), Set.of(), null));

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
