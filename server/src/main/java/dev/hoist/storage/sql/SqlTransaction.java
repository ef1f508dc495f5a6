package dev.hoist.storage.sql;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.storage.AccountsTransaction;
import dev.hoist.storage.ClusterTransaction;
import dev.hoist.storage.LifecycleTransaction;
import dev.hoist.storage.ManifestRecord;
import dev.hoist.storage.MetadataTransaction;
import dev.hoist.storage.MirrorTagState;
import dev.hoist.storage.SyncRuleRecord;
import dev.hoist.storage.SyncStatus;
import dev.hoist.storage.SyncTransaction;
import dev.hoist.storage.UploadSession;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * One transaction on one connection; the caller begins and ends it. The SQL is plain enough to run
 * on PostgreSQL too ({@code ON CONFLICT} upserts, no SQLite-only functions).
 */
final class SqlTransaction implements MetadataTransaction {
  private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};

  private static final String MANIFEST_COLUMNS =
      "digest, media_type, size, artifact_type, subject, annotations, created";

  private final boolean writable;
  private final InstantSource clock;
  private final ObjectMapper json;
  private final Statements sql;
  private volatile boolean open = true;

  SqlTransaction(Connection connection, boolean writable, InstantSource clock, ObjectMapper json) {
    this.writable = writable;
    this.clock = clock;
    this.json = json;
    this.sql = new Statements(connection, writable, () -> open);
  }

  /** Makes this object unusable; work must not keep a transaction beyond its run. */
  void end() {
    open = false;
  }

  // Repositories.

  @Override
  public List<RepositoryName> repositories(RepositoryName last, int limit) {
    checkLimit(limit);
    if (last == null) {
      return query(
          "SELECT repo FROM manifests UNION SELECT repo FROM blob_links ORDER BY repo LIMIT ?",
          rs -> RepositoryName.of(rs.getString(1)),
          limit);
    }
    return query(
        "SELECT repo FROM manifests WHERE repo > ?"
            + " UNION SELECT repo FROM blob_links WHERE repo > ?"
            + " ORDER BY repo LIMIT ?",
        rs -> RepositoryName.of(rs.getString(1)),
        last.value(),
        last.value(),
        limit);
  }

  @Override
  public boolean repositoryExists(RepositoryName repository) {
    // Every tag points at a manifest of its repository, so manifests and links decide.
    return !query(
            "SELECT 1 FROM manifests WHERE repo = ?"
                + " UNION ALL SELECT 1 FROM blob_links WHERE repo = ? LIMIT 1",
            rs -> 1,
            repository.value(),
            repository.value())
        .isEmpty();
  }

  // Blob links.

  @Override
  public void linkBlob(RepositoryName repository, Digest digest, long size) {
    checkWritable();
    update(
        "INSERT INTO blob_links (repo, digest, size, created) VALUES (?, ?, ?, ?)"
            + " ON CONFLICT (repo, digest) DO NOTHING",
        repository.value(),
        digest.toString(),
        size,
        clock.millis());
    lifecycle().recordBlob(digest, size, clock.instant());
  }

  @Override
  public Optional<Long> linkedBlobSize(RepositoryName repository, Digest digest) {
    return first(
        query(
            "SELECT size FROM blob_links WHERE repo = ? AND digest = ?",
            rs -> rs.getLong(1),
            repository.value(),
            digest.toString()));
  }

  @Override
  public boolean unlinkBlob(RepositoryName repository, Digest digest) {
    checkWritable();
    return update(
            "DELETE FROM blob_links WHERE repo = ? AND digest = ?",
            repository.value(),
            digest.toString())
        > 0;
  }

  @Override
  public int blobLinkCount(Digest digest) {
    return query(
            "SELECT COUNT(*) FROM blob_links WHERE digest = ?",
            rs -> rs.getInt(1),
            digest.toString())
        .get(0);
  }

  // Manifests and tags.

  @Override
  public void putManifest(
      RepositoryName repository, ManifestRecord manifest, Set<Digest> references, Tag tag) {
    checkWritable();
    long now = clock.millis();
    int inserted =
        update(
            "INSERT INTO manifests (repo, "
                + MANIFEST_COLUMNS
                + ", used, indexed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"
                + " ON CONFLICT (repo, digest) DO NOTHING",
            repository.value(),
            manifest.digest().toString(),
            manifest.mediaType(),
            manifest.size(),
            manifest.artifactType(),
            manifest.subject() == null ? null : manifest.subject().toString(),
            toJson(manifest.annotations()),
            manifest.created().toEpochMilli(),
            now);
    // The same digest has the same references, so storing them again changes nothing, and it
    // indexes a manifest stored before references were recorded.
    SqlLifecycle.insertReferences(sql, repository, manifest.digest(), references);
    if (inserted == 0) {
      update(
          "UPDATE manifests SET used = ?, indexed = 1 WHERE repo = ? AND digest = ?",
          now,
          repository.value(),
          manifest.digest().toString());
    }
    lifecycle().recordBlob(manifest.digest(), manifest.size(), clock.instant());
    if (tag != null) {
      update(
          "INSERT INTO tags (repo, tag, digest, updated) VALUES (?, ?, ?, ?)"
              + " ON CONFLICT (repo, tag) DO UPDATE"
              + " SET digest = excluded.digest, updated = excluded.updated",
          repository.value(),
          tag.value(),
          manifest.digest().toString(),
          clock.millis());
    }
  }

  @Override
  public Optional<ManifestRecord> manifest(RepositoryName repository, Digest digest) {
    return first(
        query(
            "SELECT " + MANIFEST_COLUMNS + " FROM manifests WHERE repo = ? AND digest = ?",
            this::manifestRow,
            repository.value(),
            digest.toString()));
  }

  @Override
  public boolean deleteManifest(RepositoryName repository, Digest digest) {
    checkWritable();
    // Its tags go by ON DELETE CASCADE.
    return update(
            "DELETE FROM manifests WHERE repo = ? AND digest = ?",
            repository.value(),
            digest.toString())
        > 0;
  }

  @Override
  public Optional<Digest> tag(RepositoryName repository, Tag tag) {
    return first(
        query(
            "SELECT digest FROM tags WHERE repo = ? AND tag = ?",
            rs -> Digest.parse(rs.getString(1)),
            repository.value(),
            tag.value()));
  }

  @Override
  public List<Tag> tags(RepositoryName repository, Tag last, int limit) {
    checkLimit(limit);
    if (last == null) {
      return query(
          "SELECT tag FROM tags WHERE repo = ? ORDER BY tag LIMIT ?",
          rs -> Tag.of(rs.getString(1)),
          repository.value(),
          limit);
    }
    return query(
        "SELECT tag FROM tags WHERE repo = ? AND tag > ? ORDER BY tag LIMIT ?",
        rs -> Tag.of(rs.getString(1)),
        repository.value(),
        last.value(),
        limit);
  }

  @Override
  public boolean deleteTag(RepositoryName repository, Tag tag) {
    checkWritable();
    return update("DELETE FROM tags WHERE repo = ? AND tag = ?", repository.value(), tag.value())
        > 0;
  }

  @Override
  public List<ManifestRecord> referrers(
      RepositoryName repository, Digest subject, String artifactType) {
    String select = "SELECT " + MANIFEST_COLUMNS + " FROM manifests WHERE repo = ? AND subject = ?";
    if (artifactType == null) {
      return query(
          select + " ORDER BY digest", this::manifestRow, repository.value(), subject.toString());
    }
    return query(
        select + " AND artifact_type = ? ORDER BY digest",
        this::manifestRow,
        repository.value(),
        subject.toString(),
        artifactType);
  }

  // Upload sessions.

  @Override
  public void createUpload(UploadSession session) {
    checkWritable();
    // DO NOTHING rather than a constraint error: on PostgreSQL an error would abort the
    // transaction.
    int inserted =
        update(
            "INSERT INTO uploads (id, repo, size, started, updated) VALUES (?, ?, ?, ?, ?)"
                + " ON CONFLICT (id) DO NOTHING",
            session.id(),
            session.repository().value(),
            session.size(),
            session.started().toEpochMilli(),
            session.updated().toEpochMilli());
    if (inserted == 0) {
      throw new IllegalStateException("upload session exists: " + session.id());
    }
  }

  @Override
  public Optional<UploadSession> upload(String id) {
    return first(
        query(
            "SELECT id, repo, size, started, updated FROM uploads WHERE id = ?",
            SqlTransaction::uploadRow,
            id));
  }

  @Override
  public void updateUpload(String id, long size, Instant updated) {
    checkWritable();
    update(
        "UPDATE uploads SET size = ?, updated = ? WHERE id = ?", size, updated.toEpochMilli(), id);
  }

  @Override
  public boolean deleteUpload(String id) {
    checkWritable();
    return update("DELETE FROM uploads WHERE id = ?", id) > 0;
  }

  @Override
  public List<UploadSession> uploadsUpdatedBefore(Instant before, int limit) {
    checkLimit(limit);
    return query(
        "SELECT id, repo, size, started, updated FROM uploads WHERE updated < ?"
            + " ORDER BY updated, id LIMIT ?",
        SqlTransaction::uploadRow,
        before.toEpochMilli(),
        limit);
  }

  // Mirror freshness.

  @Override
  public Optional<MirrorTagState> mirrorTag(RepositoryName repository, Tag tag) {
    return first(
        query(
            "SELECT digest, checked FROM mirror_tags WHERE repo = ? AND tag = ?",
            rs -> {
              String digest = rs.getString(1);
              return new MirrorTagState(
                  repository,
                  tag,
                  digest == null ? null : Digest.parse(digest),
                  Instant.ofEpochMilli(rs.getLong(2)));
            },
            repository.value(),
            tag.value()));
  }

  @Override
  public List<MirrorTagState> mirrorTags(RepositoryName repository) {
    return query(
        "SELECT tag, digest, checked FROM mirror_tags WHERE repo = ? ORDER BY tag",
        rs -> {
          String digest = rs.getString(2);
          return new MirrorTagState(
              repository,
              Tag.of(rs.getString(1)),
              digest == null ? null : Digest.parse(digest),
              Instant.ofEpochMilli(rs.getLong(3)));
        },
        repository.value());
  }

  @Override
  public void putMirrorTag(MirrorTagState state) {
    checkWritable();
    update(
        "INSERT INTO mirror_tags (repo, tag, digest, checked) VALUES (?, ?, ?, ?)"
            + " ON CONFLICT (repo, tag) DO UPDATE SET digest = excluded.digest,"
            + " checked = excluded.checked",
        state.repository().value(),
        state.tag().value(),
        state.digest() == null ? null : state.digest().toString(),
        state.checked().toEpochMilli());
  }

  // Sync.

  @Override
  public SyncTransaction sync() {
    return new SyncTx();
  }

  // Disk lifecycle.

  @Override
  public LifecycleTransaction lifecycle() {
    return new SqlLifecycle(sql);
  }

  // Accelerator.

  @Override
  public AccountsTransaction accounts() {
    return new SqlAccounts(sql);
  }

  @Override
  public ClusterTransaction cluster() {
    return new SqlCluster(sql);
  }

  /** Sync rules and run status, in this transaction. */
  private final class SyncTx implements SyncTransaction {
    private static final String STATUS_COLUMNS =
        "rule, last_started, last_finished, next_run, copied_images, skipped_images,"
            + " failed_images, copied_bytes, last_error";

    @Override
    public List<SyncRuleRecord> rules() {
      return query(
          "SELECT name, definition, updated FROM sync_rules ORDER BY name", SyncTx::ruleRow);
    }

    @Override
    public Optional<SyncRuleRecord> rule(String name) {
      return first(
          query(
              "SELECT name, definition, updated FROM sync_rules WHERE name = ?",
              SyncTx::ruleRow,
              name));
    }

    @Override
    public void putRule(SyncRuleRecord rule) {
      checkWritable();
      update(
          "INSERT INTO sync_rules (name, definition, updated) VALUES (?, ?, ?)"
              + " ON CONFLICT (name) DO UPDATE SET definition = excluded.definition,"
              + " updated = excluded.updated",
          rule.name(),
          rule.definition(),
          rule.updated().toEpochMilli());
    }

    @Override
    public boolean deleteRule(String name) {
      checkWritable();
      update("DELETE FROM sync_status WHERE rule = ?", name);
      return update("DELETE FROM sync_rules WHERE name = ?", name) > 0;
    }

    @Override
    public Optional<SyncStatus> status(String name) {
      return first(
          query(
              "SELECT " + STATUS_COLUMNS + " FROM sync_status WHERE rule = ?",
              SyncTx::statusRow,
              name));
    }

    @Override
    public void putStatus(SyncStatus s) {
      checkWritable();
      update(
          "INSERT INTO sync_status ("
              + STATUS_COLUMNS
              + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
              + " ON CONFLICT (rule) DO UPDATE SET last_started = excluded.last_started,"
              + " last_finished = excluded.last_finished, next_run = excluded.next_run,"
              + " copied_images = excluded.copied_images,"
              + " skipped_images = excluded.skipped_images,"
              + " failed_images = excluded.failed_images, copied_bytes = excluded.copied_bytes,"
              + " last_error = excluded.last_error",
          s.rule(),
          epochMillis(s.lastStarted()),
          epochMillis(s.lastFinished()),
          epochMillis(s.nextRun()),
          s.copiedImages(),
          s.skippedImages(),
          s.failedImages(),
          s.copiedBytes(),
          s.lastError());
    }

    private static SyncRuleRecord ruleRow(ResultSet rs) throws SQLException {
      return new SyncRuleRecord(
          rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)));
    }

    private static SyncStatus statusRow(ResultSet rs) throws SQLException {
      return new SyncStatus(
          rs.getString(1),
          instant(rs, 2),
          instant(rs, 3),
          instant(rs, 4),
          rs.getLong(5),
          rs.getLong(6),
          rs.getLong(7),
          rs.getLong(8),
          rs.getString(9));
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
      long millis = rs.getLong(column);
      return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
    }

    private static Long epochMillis(Instant instant) {
      return instant == null ? null : instant.toEpochMilli();
    }
  }

  // Plumbing.

  private ManifestRecord manifestRow(ResultSet rs) throws SQLException {
    String subject = rs.getString(5);
    return new ManifestRecord(
        Digest.parse(rs.getString(1)),
        rs.getString(2),
        rs.getLong(3),
        rs.getString(4),
        subject == null ? null : Digest.parse(subject),
        fromJson(rs.getString(6)),
        Instant.ofEpochMilli(rs.getLong(7)));
  }

  private static UploadSession uploadRow(ResultSet rs) throws SQLException {
    return new UploadSession(
        rs.getString(1),
        RepositoryName.of(rs.getString(2)),
        rs.getLong(3),
        Instant.ofEpochMilli(rs.getLong(4)),
        Instant.ofEpochMilli(rs.getLong(5)));
  }

  private String toJson(Map<String, String> annotations) {
    try {
      // Sorted, so the same annotations are always stored as the same text.
      return json.writeValueAsString(new TreeMap<>(annotations));
    } catch (JsonProcessingException e) {
      throw new SqlFailure("encoding annotations", e);
    }
  }

  private Map<String, String> fromJson(String text) {
    try {
      return json.readValue(text, STRING_MAP);
    } catch (JsonProcessingException e) {
      throw new SqlFailure("decoding stored annotations", e);
    }
  }

  private <R> List<R> query(String query, Statements.Row<R> row, Object... params) {
    return sql.query(query, row, params);
  }

  private int update(String update, Object... params) {
    return sql.update(update, params);
  }

  private static <R> Optional<R> first(List<R> rows) {
    return Statements.first(rows);
  }

  private static void checkLimit(int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must not be negative: " + limit);
    }
  }

  private void checkOpen() {
    sql.checkOpen();
  }

  private void checkWritable() {
    sql.checkWritable();
  }
}
