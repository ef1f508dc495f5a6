package dev.hoist.storage.sql;

import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.storage.CacheRepositories;
import dev.hoist.storage.CacheTotals;
import dev.hoist.storage.CachedImage;
import dev.hoist.storage.LifecycleTransaction;
import dev.hoist.storage.ManifestKey;
import dev.hoist.storage.StoredBlob;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The disk lifecycle's queries in one transaction. Plain SQL that PostgreSQL runs too: row-value
 * {@code IN}, {@code ON CONFLICT} upserts, {@code LIKE ... ESCAPE}.
 */
final class SqlLifecycle implements LifecycleTransaction {
  private static final String BLOB_COLUMNS = "digest, size, used";

  /** A blob no manifest is and no manifest references. */
  private static final String UNREFERENCED =
      " NOT EXISTS (SELECT 1 FROM manifests m WHERE m.digest = b.digest)"
          + " AND NOT EXISTS (SELECT 1 FROM manifest_refs r WHERE r.child = b.digest)";

  private final Statements sql;

  SqlLifecycle(Statements sql) {
    this.sql = sql;
  }

  // Use.

  @Override
  public void touchBlobs(Map<Digest, Instant> used) {
    sql.checkWritable();
    used.forEach(
        (digest, at) ->
            sql.update(
                "UPDATE blobs SET used = ? WHERE digest = ? AND used < ?",
                at.toEpochMilli(),
                digest.toString(),
                at.toEpochMilli()));
  }

  @Override
  public void touchManifests(Map<Digest, Instant> used) {
    sql.checkWritable();
    used.forEach(
        (digest, at) -> {
          long millis = at.toEpochMilli();
          sql.update(
              "UPDATE manifests SET used = ? WHERE digest = ? AND used < ?",
              millis,
              digest.toString(),
              millis);
          sql.update(
              "UPDATE manifests SET used = ? WHERE used < ? AND (repo, digest) IN"
                  + " (SELECT repo, manifest FROM manifest_refs WHERE child = ?)",
              millis,
              millis,
              digest.toString());
        });
  }

  // Sizes.

  @Override
  public CacheTotals cacheTotals(CacheRepositories cache) {
    Predicate hosted = Predicate.notIn(cache, "l.repo");
    List<Object> params = new ArrayList<>(hosted.params());
    long[] blobs =
        sql.query(
                "SELECT COALESCE(SUM(b.size), 0), COUNT(*) FROM blobs b WHERE NOT EXISTS"
                    + " (SELECT 1 FROM blob_links l WHERE l.digest = b.digest AND "
                    + hosted.sql()
                    + ")",
                rs -> new long[] {rs.getLong(1), rs.getLong(2)},
                params.toArray())
            .get(0);
    Predicate cached = Predicate.in(cache, "m.repo");
    long images =
        sql.query(
                "SELECT COUNT(*) FROM manifests m WHERE "
                    + cached.sql()
                    + " AND NOT EXISTS (SELECT 1 FROM manifest_refs r"
                    + " WHERE r.child = m.digest AND r.repo = m.repo)",
                rs -> rs.getLong(1),
                cached.params().toArray())
            .get(0);
    return new CacheTotals(blobs[0], blobs[1], images);
  }

  @Override
  public long storedBytes() {
    return sql.query("SELECT COALESCE(SUM(size), 0) FROM blobs", rs -> rs.getLong(1)).get(0);
  }

  // Garbage collection.

  @Override
  public List<StoredBlob> unreferencedBlobs(Instant usedBefore, Digest after, int limit) {
    checkLimit(limit);
    String select = "SELECT " + BLOB_COLUMNS + " FROM blobs b WHERE b.used < ? AND" + UNREFERENCED;
    if (after == null) {
      return sql.query(
          select + " ORDER BY b.digest LIMIT ?",
          SqlLifecycle::blobRow,
          usedBefore.toEpochMilli(),
          limit);
    }
    return sql.query(
        select + " AND b.digest > ? ORDER BY b.digest LIMIT ?",
        SqlLifecycle::blobRow,
        usedBefore.toEpochMilli(),
        after.toString(),
        limit);
  }

  @Override
  public Optional<StoredBlob> forgetUnreferencedBlob(Digest digest, Instant usedBefore) {
    sql.checkWritable();
    Optional<StoredBlob> blob =
        Statements.first(
            sql.query(
                "SELECT "
                    + BLOB_COLUMNS
                    + " FROM blobs b WHERE b.digest = ? AND b.used < ? AND"
                    + UNREFERENCED,
                SqlLifecycle::blobRow,
                digest.toString(),
                usedBefore.toEpochMilli()));
    blob.ifPresent(b -> remove(b.digest()));
    return blob;
  }

  @Override
  public Optional<StoredBlob> forgetBlob(Digest digest) {
    sql.checkWritable();
    Optional<StoredBlob> blob = blob(digest);
    remove(digest);
    return blob;
  }

  @Override
  public void recordBlob(Digest digest, long size, Instant used) {
    sql.checkWritable();
    sql.update(
        "INSERT INTO blobs (digest, size, used) VALUES (?, ?, ?) ON CONFLICT (digest) DO UPDATE"
            + " SET used = CASE WHEN excluded.used > blobs.used THEN excluded.used"
            + " ELSE blobs.used END",
        digest.toString(),
        size,
        used.toEpochMilli());
  }

  private void remove(Digest digest) {
    sql.update("DELETE FROM blob_links WHERE digest = ?", digest.toString());
    sql.update("DELETE FROM blobs WHERE digest = ?", digest.toString());
  }

  // Eviction.

  /** A cache manifest no other manifest of its repository references and no kept tag names. */
  private static final String EVICTABLE_ROOT =
      " NOT EXISTS (SELECT 1 FROM manifest_refs r WHERE r.child = m.digest AND r.repo = m.repo)"
          + " AND NOT EXISTS (SELECT 1 FROM mirror_tags t WHERE t.repo = m.repo"
          + " AND t.digest = m.digest AND t.kept_by IS NOT NULL)";

  @Override
  public List<CachedImage> leastRecentlyUsedImages(
      CacheRepositories cache, Instant usedBefore, int limit) {
    checkLimit(limit);
    Predicate cached = Predicate.in(cache, "m.repo");
    List<Object> params = new ArrayList<>();
    params.add(usedBefore.toEpochMilli());
    params.addAll(cached.params());
    params.add(limit);
    return sql.query(
        "SELECT m.repo, m.digest, m.used FROM manifests m WHERE m.used < ? AND "
            + cached.sql()
            + " AND"
            + EVICTABLE_ROOT
            + " ORDER BY m.used, m.repo, m.digest LIMIT ?",
        rs ->
            new CachedImage(
                RepositoryName.of(rs.getString(1)),
                Digest.parse(rs.getString(2)),
                Instant.ofEpochMilli(rs.getLong(3))),
        params.toArray());
  }

  @Override
  public List<StoredBlob> evictImage(
      CacheRepositories cache, CachedImage image, Instant usedBefore) {
    sql.checkWritable();
    if (!cache.contains(image.repository())) {
      return List.of();
    }
    String repo = image.repository().value();
    String root = image.digest().toString();
    boolean evictable =
        !sql.query(
                "SELECT 1 FROM manifests m WHERE m.repo = ? AND m.digest = ? AND m.used < ? AND"
                    + EVICTABLE_ROOT,
                rs -> 1,
                repo,
                root,
                usedBefore.toEpochMilli())
            .isEmpty();
    if (!evictable) {
      return List.of();
    }
    Set<String> candidates = new LinkedHashSet<>();
    candidates.add(root);
    List<String> manifests = new ArrayList<>();
    manifests.add(root);
    for (String child : references(repo, root)) {
      candidates.add(child);
      boolean ownChild =
          !sql.query("SELECT 1 FROM manifests WHERE repo = ? AND digest = ?", rs -> 1, repo, child)
                  .isEmpty()
              && sql.query(
                      "SELECT 1 FROM manifest_refs WHERE repo = ? AND child = ? AND manifest <> ?"
                          + " UNION ALL SELECT 1 FROM mirror_tags WHERE repo = ? AND digest = ?"
                          + " AND kept_by IS NOT NULL",
                      rs -> 1,
                      repo,
                      child,
                      root,
                      repo,
                      child)
                  .isEmpty();
      if (ownChild && !manifests.contains(child)) {
        manifests.add(child);
        candidates.addAll(references(repo, child));
      }
    }
    for (String digest : manifests) {
      sql.update(
          "DELETE FROM mirror_tags WHERE repo = ? AND digest = ? AND kept_by IS NULL",
          repo,
          digest);
      // Its references and hosted-style tags go by ON DELETE CASCADE.
      sql.update("DELETE FROM manifests WHERE repo = ? AND digest = ?", repo, digest);
    }
    if (sql.query("SELECT 1 FROM manifests WHERE repo = ? LIMIT 1", rs -> 1, repo).isEmpty()) {
      sql.update("DELETE FROM mirror_tags WHERE repo = ? AND digest IS NULL", repo);
    }
    Predicate hosted = Predicate.notIn(cache, "l.repo");
    List<StoredBlob> freed = new ArrayList<>();
    for (String digest : candidates) {
      List<Object> params = new ArrayList<>();
      params.add(digest);
      params.addAll(hosted.params());
      Optional<StoredBlob> blob =
          Statements.first(
              sql.query(
                  "SELECT "
                      + BLOB_COLUMNS
                      + " FROM blobs b WHERE b.digest = ? AND"
                      + UNREFERENCED
                      + " AND NOT EXISTS (SELECT 1 FROM blob_links l"
                      + " WHERE l.digest = b.digest AND "
                      + hosted.sql()
                      + ")",
                  SqlLifecycle::blobRow,
                  params.toArray()));
      if (blob.isPresent()) {
        remove(blob.get().digest());
        freed.add(blob.get());
      }
    }
    return freed;
  }

  @Override
  public List<StoredBlob> evictUnreferencedBlobs(
      CacheRepositories cache, Instant usedBefore, int limit) {
    sql.checkWritable();
    checkLimit(limit);
    if (cache.keys().isEmpty()) {
      return List.of();
    }
    Predicate hosted = Predicate.notIn(cache, "l.repo");
    List<Object> params = new ArrayList<>();
    params.add(usedBefore.toEpochMilli());
    params.addAll(hosted.params());
    params.add(limit);
    List<StoredBlob> blobs =
        sql.query(
            "SELECT "
                + BLOB_COLUMNS
                + " FROM blobs b WHERE b.used < ? AND"
                + UNREFERENCED
                + " AND NOT EXISTS (SELECT 1 FROM blob_links l WHERE l.digest = b.digest AND "
                + hosted.sql()
                + ") ORDER BY b.used, b.digest LIMIT ?",
            SqlLifecycle::blobRow,
            params.toArray());
    blobs.forEach(b -> remove(b.digest()));
    return blobs;
  }

  private List<String> references(String repo, String manifest) {
    return sql.query(
        "SELECT child FROM manifest_refs WHERE repo = ? AND manifest = ? ORDER BY child",
        rs -> rs.getString(1),
        repo,
        manifest);
  }

  @Override
  public void keepMirrorTag(RepositoryName repository, Tag tag, String rule) {
    sql.checkWritable();
    sql.update(
        "UPDATE mirror_tags SET kept_by = ? WHERE repo = ? AND tag = ?",
        rule,
        repository.value(),
        tag.value());
  }

  @Override
  public int releaseKeptMirrorTags(String rule) {
    sql.checkWritable();
    return sql.update("UPDATE mirror_tags SET kept_by = NULL WHERE kept_by = ?", rule);
  }

  // References.

  @Override
  public List<ManifestKey> unindexedManifests(int limit) {
    checkLimit(limit);
    return sql.query(
        "SELECT repo, digest FROM manifests WHERE indexed = 0 ORDER BY repo, digest LIMIT ?",
        SqlLifecycle::manifestKeyRow,
        limit);
  }

  @Override
  public void indexManifest(ManifestKey manifest, Set<Digest> references) {
    sql.checkWritable();
    String repo = manifest.repository().value();
    String digest = manifest.digest().toString();
    if (sql.query("SELECT 1 FROM manifests WHERE repo = ? AND digest = ?", rs -> 1, repo, digest)
        .isEmpty()) {
      // Deleted since it was listed: nothing to index (its references would break the foreign
      // key, and on PostgreSQL that error would abort the whole transaction).
      return;
    }
    sql.update("DELETE FROM manifest_refs WHERE repo = ? AND manifest = ?", repo, digest);
    insertReferences(sql, manifest.repository(), manifest.digest(), references);
    sql.update("UPDATE manifests SET indexed = 1 WHERE repo = ? AND digest = ?", repo, digest);
  }

  static void insertReferences(
      Statements sql, RepositoryName repository, Digest manifest, Set<Digest> references) {
    for (Digest child : references) {
      sql.update(
          "INSERT INTO manifest_refs (repo, manifest, child) VALUES (?, ?, ?)"
              + " ON CONFLICT (repo, manifest, child) DO NOTHING",
          repository.value(),
          manifest.toString(),
          child.toString());
    }
  }

  // Scrub.

  @Override
  public List<StoredBlob> blobs(Digest after, int limit) {
    checkLimit(limit);
    if (after == null) {
      return sql.query(
          "SELECT " + BLOB_COLUMNS + " FROM blobs ORDER BY digest LIMIT ?",
          SqlLifecycle::blobRow,
          limit);
    }
    return sql.query(
        "SELECT " + BLOB_COLUMNS + " FROM blobs WHERE digest > ? ORDER BY digest LIMIT ?",
        SqlLifecycle::blobRow,
        after.toString(),
        limit);
  }

  @Override
  public Optional<StoredBlob> blob(Digest digest) {
    return Statements.first(
        sql.query(
            "SELECT " + BLOB_COLUMNS + " FROM blobs WHERE digest = ?",
            SqlLifecycle::blobRow,
            digest.toString()));
  }

  @Override
  public List<ManifestKey> manifestsUsing(Digest digest, int limit) {
    checkLimit(limit);
    return sql.query(
        "SELECT repo, digest FROM manifests WHERE digest = ?"
            + " UNION SELECT repo, manifest FROM manifest_refs WHERE child = ?"
            + " ORDER BY 1, 2 LIMIT ?",
        SqlLifecycle::manifestKeyRow,
        digest.toString(),
        digest.toString(),
        limit);
  }

  // Plumbing.

  private static StoredBlob blobRow(ResultSet rs) throws SQLException {
    return new StoredBlob(
        Digest.parse(rs.getString(1)), rs.getLong(2), Instant.ofEpochMilli(rs.getLong(3)));
  }

  private static ManifestKey manifestKeyRow(ResultSet rs) throws SQLException {
    return new ManifestKey(RepositoryName.of(rs.getString(1)), Digest.parse(rs.getString(2)));
  }

  private static void checkLimit(int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must not be negative: " + limit);
    }
  }

  /** A condition on a repository column: under one of the cache keys, or under none of them. */
  private record Predicate(String sql, List<Object> params) {
    static Predicate in(CacheRepositories cache, String column) {
      if (cache.keys().isEmpty()) {
        return new Predicate("1 = 0", List.of());
      }
      return new Predicate("(" + likes(cache, column) + ")", patterns(cache));
    }

    static Predicate notIn(CacheRepositories cache, String column) {
      if (cache.keys().isEmpty()) {
        return new Predicate("1 = 1", List.of());
      }
      return new Predicate("NOT (" + likes(cache, column) + ")", patterns(cache));
    }

    private static String likes(CacheRepositories cache, String column) {
      return String.join(
          " OR ", cache.keys().stream().map(k -> column + " LIKE ? ESCAPE '!'").toList());
    }

    private static List<Object> patterns(CacheRepositories cache) {
      return cache.keys().stream()
          .<Object>map(k -> k.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "/%")
          .toList();
    }
  }
}
