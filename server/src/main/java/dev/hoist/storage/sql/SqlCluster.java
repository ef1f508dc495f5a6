package dev.hoist.storage.sql;

import dev.hoist.storage.ClusterTransaction;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Leases, nodes, sessions and failed logins in one transaction (the {@code V7} tables). */
final class SqlCluster implements ClusterTransaction {
  private final Statements sql;

  SqlCluster(Statements sql) {
    this.sql = sql;
  }

  @Override
  public Lease acquireLease(String name, String owner, Instant now, Instant until) {
    sql.checkWritable();
    // One statement: insert, or take over an expired lease or renew one's own. Under SERIALIZABLE
    // (PostgreSQL) or the one writer (SQLite) two nodes can never both win.
    sql.update(
        "INSERT INTO leases (name, owner, expires) VALUES (?, ?, ?)"
            + " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires = excluded.expires"
            + " WHERE leases.owner = excluded.owner OR leases.expires <= ?",
        name,
        owner,
        until.toEpochMilli(),
        now.toEpochMilli());
    return lease(name).orElseThrow();
  }

  @Override
  public Optional<Lease> lease(String name) {
    sql.checkOpen();
    return Statements.first(
        sql.query(
            "SELECT name, owner, expires FROM leases WHERE name = ?",
            rs -> new Lease(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3))),
            name));
  }

  @Override
  public boolean releaseLease(String name, String owner) {
    sql.checkWritable();
    return sql.update("DELETE FROM leases WHERE name = ? AND owner = ?", name, owner) > 0;
  }

  @Override
  public void nodeAlive(String id, String address, Instant at) {
    sql.checkWritable();
    sql.update(
        "INSERT INTO nodes (id, address, seen) VALUES (?, ?, ?)"
            + " ON CONFLICT (id) DO UPDATE SET address = excluded.address, seen = excluded.seen",
        id,
        address,
        at.toEpochMilli());
  }

  @Override
  public Optional<ClusterNode> node(String id) {
    sql.checkOpen();
    return Statements.first(
        sql.query(
            "SELECT id, address, seen FROM nodes WHERE id = ?",
            rs ->
                new ClusterNode(
                    rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3))),
            id));
  }

  @Override
  public List<ClusterNode> nodes(Instant since) {
    sql.checkOpen();
    return sql.query(
        "SELECT id, address, seen FROM nodes WHERE seen >= ? ORDER BY id",
        rs ->
            new ClusterNode(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3))),
        since.toEpochMilli());
  }

  @Override
  public int forgetNodes(Instant before) {
    sql.checkWritable();
    return sql.update("DELETE FROM nodes WHERE seen < ?", before.toEpochMilli());
  }

  @Override
  public void putSession(SessionRecord session) {
    sql.checkWritable();
    sql.update(
        "INSERT INTO sessions (token_hash, account, csrf, expires) VALUES (?, ?, ?, ?)"
            + " ON CONFLICT (token_hash) DO UPDATE SET account = excluded.account,"
            + " csrf = excluded.csrf, expires = excluded.expires",
        session.key(),
        session.accountId(),
        session.csrf(),
        session.expires().toEpochMilli());
  }

  @Override
  public Optional<SessionRecord> session(String key) {
    sql.checkOpen();
    return Statements.first(
        sql.query(
            "SELECT token_hash, account, csrf, expires FROM sessions WHERE token_hash = ?",
            rs ->
                new SessionRecord(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getString(3),
                    Instant.ofEpochMilli(rs.getLong(4))),
            key));
  }

  @Override
  public boolean deleteSession(String key) {
    sql.checkWritable();
    return sql.update("DELETE FROM sessions WHERE token_hash = ?", key) > 0;
  }

  @Override
  public int deleteExpiredSessions(Instant now) {
    sql.checkWritable();
    return sql.update("DELETE FROM sessions WHERE expires < ?", now.toEpochMilli());
  }

  @Override
  public void loginFailed(String key, Instant at) {
    sql.checkWritable();
    sql.update(
        "INSERT INTO login_failures (failure_key, at) VALUES (?, ?)", key, at.toEpochMilli());
  }

  @Override
  public List<Instant> loginFailures(String key, Instant since) {
    sql.checkOpen();
    return sql.query(
        "SELECT at FROM login_failures WHERE failure_key = ? AND at >= ? ORDER BY at",
        rs -> Instant.ofEpochMilli(rs.getLong(1)),
        key,
        since.toEpochMilli());
  }

  @Override
  public void clearLoginFailures(String key) {
    sql.checkWritable();
    sql.update("DELETE FROM login_failures WHERE failure_key = ?", key);
  }

  @Override
  public int forgetLoginFailures(Instant before) {
    sql.checkWritable();
    return sql.update("DELETE FROM login_failures WHERE at < ?", before.toEpochMilli());
  }
}
