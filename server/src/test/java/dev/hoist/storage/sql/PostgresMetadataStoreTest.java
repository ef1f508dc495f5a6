package dev.hoist.storage.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.storage.MetadataStore;
import dev.hoist.storage.MirrorTagState;
import dev.hoist.testkit.MetadataStoreContract;
import dev.hoist.testkit.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The metadata contract on PostgreSQL, each test in a schema of its own. */
class PostgresMetadataStoreTest extends MetadataStoreContract {
  private TestPostgres db;

  /** Called again after a close to simulate a restart: the same schema. */
  @Override
  protected MetadataStore openStore(Path dataDir) {
    if (db == null) {
      db = TestPostgres.newSchema("metadata");
    }
    return PostgresMetadataStore.open(PostgresUrl.parse(db.url()), 4, InstantSource.system());
  }

  @AfterEach
  void dropSchema() {
    if (store != null) {
      store.close();
    }
    if (db != null) {
      db.close();
    }
  }

  @Test
  void schemaIsMigratedInTheSchemaTheUrlNames() throws Exception {
    List<String> tables = new ArrayList<>();
    try (Connection c = db.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = '"
                    + db.schema()
                    + "' ORDER BY table_name")) {
      while (rs.next()) {
        tables.add(rs.getString(1));
      }
    }
    assertThat(tables)
        .contains(
            "manifests", "tags", "blob_links", "uploads", "accounts", "flyway_schema_history");
  }

  @Test
  void concurrentReadModifyWritesAllCountThroughRetries() throws Exception {
    // Forty writers each read a value and write it back plus one, eight at a time: SERIALIZABLE
    // makes the losers fail and the store runs them again, so every increment counts exactly once
    // (as SQLite's single writer guarantees).
    RepositoryName cache = RepositoryName.of("docker.io/library/counter");
    store.write(
        tx -> {
          tx.putMirrorTag(new MirrorTagState(cache, Tag.LATEST, null, T0));
          return null;
        });
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> writes = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        writes.add(
            pool.submit(
                () ->
                    store.write(
                        tx -> {
                          Instant now = tx.mirrorTag(cache, Tag.LATEST).orElseThrow().checked();
                          tx.putMirrorTag(
                              new MirrorTagState(cache, Tag.LATEST, null, now.plusMillis(1)));
                          return null;
                        })));
      }
      for (Future<?> f : writes) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    Instant last = store.read(tx -> tx.mirrorTag(cache, Tag.LATEST).orElseThrow().checked());
    assertThat(last).isEqualTo(T0.plusMillis(40));
  }

  @Test
  void passwordIsNeverShownAndABadUrlSaysWhy() {
    PostgresUrl url = PostgresUrl.parse("postgresql://hoist:s3cret@db.example:5433/reg?schema=h1");
    assertThat(url.toString()).doesNotContain("s3cret").contains("db.example:5433/reg");
    assertThat(url.jdbcUrl())
        .isEqualTo("jdbc:postgresql://db.example:5433/reg?currentSchema=h1")
        .doesNotContain("s3cret");
    assertThatThrownBy(() -> PostgresUrl.parse("mysql://x/y"))
        .hasMessageContaining("postgresql://");
    assertThatThrownBy(() -> PostgresUrl.parse("postgresql://h/db?schema=Bad;drop"))
        .hasMessageContaining("schema");
    assertThatThrownBy(() -> PostgresUrl.parse("postgresql://h/db?password=x"))
        .hasMessageContaining("user:password@");
    assertThatThrownBy(
            () ->
                PostgresMetadataStore.open(
                    PostgresUrl.parse("postgresql://hoist:s3cret@127.0.0.1:1/none"),
                    2,
                    InstantSource.system()))
        .hasMessageContaining("127.0.0.1:1")
        .satisfies(e -> assertThat(String.valueOf(e.getMessage())).doesNotContain("s3cret"));
  }
}
