package dev.hoist.storage.sql;

import dev.hoist.storage.AccessTokenRecord;
import dev.hoist.storage.AccountRecord;
import dev.hoist.storage.AccountsTransaction;
import dev.hoist.storage.QuotaHold;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Accelerator accounts, daily usage and quota holds in one {@link SqlTransaction}; plain portable
 * SQL.
 */
final class SqlAccounts implements AccountsTransaction {
  private static final String COLUMNS =
      "id, email, username, password_hash, admin, tenant_id, quota_bytes, disabled, invite_code,"
          + " invited_by, created";

  private static final String TOKEN_COLUMNS = "id, account, name, hash, created, last_used";

  // Hold ids per renewing statement: a node has at most a few hundred transfers in flight.
  private static final int RENEW_BATCH = 200;

  private final Statements sql;

  SqlAccounts(Statements sql) {
    this.sql = sql;
  }

  @Override
  public boolean createAccount(AccountRecord a) {
    checkWritable();
    if (a.tenantId() != null && accountByTenant(a.tenantId()).isPresent()) {
      return false;
    }
    return update(
            "INSERT INTO accounts ("
                + COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            a.id(),
            a.email(),
            a.username(),
            a.passwordHash(),
            flag(a.admin()),
            a.tenantId(),
            a.quotaBytes(),
            flag(a.disabled()),
            a.inviteCode(),
            a.invitedBy(),
            a.created().toEpochMilli())
        > 0;
  }

  @Override
  public Optional<AccountRecord> account(String id) {
    return one("id", id);
  }

  @Override
  public Optional<AccountRecord> accountByEmail(String email) {
    return one("email", email);
  }

  @Override
  public Optional<AccountRecord> accountByUsername(String username) {
    return one("username", username);
  }

  @Override
  public Optional<AccountRecord> accountByTenant(String tenantId) {
    return one("tenant_id", tenantId);
  }

  @Override
  public Optional<AccountRecord> accountByInviteCode(String inviteCode) {
    return one("invite_code", inviteCode);
  }

  @Override
  public List<AccountRecord> accounts() {
    return query("SELECT " + COLUMNS + " FROM accounts ORDER BY created, id", SqlAccounts::row);
  }

  @Override
  public List<AccountRecord> invitedBy(String id) {
    return query(
        "SELECT " + COLUMNS + " FROM accounts WHERE invited_by = ? ORDER BY created, id",
        SqlAccounts::row,
        id);
  }

  @Override
  public boolean updateAccount(AccountRecord a) {
    checkWritable();
    if (a.tenantId() != null) {
      Optional<AccountRecord> holder = accountByTenant(a.tenantId());
      if (holder.isPresent() && !holder.get().id().equals(a.id())) {
        return false;
      }
    }
    return update(
            "UPDATE accounts SET tenant_id = ?, quota_bytes = ?, admin = ?, disabled = ?"
                + " WHERE id = ?",
            a.tenantId(),
            a.quotaBytes(),
            flag(a.admin()),
            flag(a.disabled()),
            a.id())
        > 0;
  }

  @Override
  public boolean createAccessToken(AccessTokenRecord t) {
    checkWritable();
    // last_used is set apart: a typeless null parameter is not bound alike by every driver.
    boolean created =
        update(
                "INSERT INTO access_tokens (id, account, name, hash, created)"
                    + " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                t.id(),
                t.accountId(),
                t.name(),
                t.hash(),
                t.created().toEpochMilli())
            > 0;
    if (created && t.lastUsed() != null) {
      touchAccessToken(t.id(), t.lastUsed());
    }
    return created;
  }

  @Override
  public List<AccessTokenRecord> accessTokens(String accountId) {
    return query(
        "SELECT " + TOKEN_COLUMNS + " FROM access_tokens WHERE account = ? ORDER BY created, id",
        SqlAccounts::tokenRow,
        accountId);
  }

  @Override
  public Optional<AccessTokenRecord> accessTokenByHash(String hash) {
    return query(
            "SELECT " + TOKEN_COLUMNS + " FROM access_tokens WHERE hash = ?",
            SqlAccounts::tokenRow,
            hash)
        .stream()
        .findFirst();
  }

  @Override
  public boolean deleteAccessToken(String accountId, String id) {
    checkWritable();
    return update("DELETE FROM access_tokens WHERE account = ? AND id = ?", accountId, id) > 0;
  }

  @Override
  public void touchAccessToken(String id, Instant when) {
    checkWritable();
    update("UPDATE access_tokens SET last_used = ? WHERE id = ?", when.toEpochMilli(), id);
  }

  private static AccessTokenRecord tokenRow(ResultSet rs) throws SQLException {
    long lastUsed = rs.getLong(6);
    boolean neverUsed = rs.wasNull();
    return new AccessTokenRecord(
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        Instant.ofEpochMilli(rs.getLong(5)),
        neverUsed ? null : Instant.ofEpochMilli(lastUsed));
  }

  @Override
  public void addUsage(String id, LocalDate day, long bytes) {
    checkWritable();
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must not be negative: " + bytes);
    }
    update(
        "INSERT INTO usage_daily (account, day, bytes) VALUES (?, ?, ?)"
            + " ON CONFLICT (account, day) DO UPDATE SET bytes = usage_daily.bytes + excluded.bytes",
        id,
        day.toEpochDay(),
        bytes);
  }

  @Override
  public SortedMap<LocalDate, Long> usage(String id, LocalDate from) {
    SortedMap<LocalDate, Long> days = new TreeMap<>();
    for (long[] row :
        query(
            "SELECT day, bytes FROM usage_daily WHERE account = ? AND day >= ? ORDER BY day",
            rs -> new long[] {rs.getLong(1), rs.getLong(2)},
            id,
            from.toEpochDay())) {
      days.put(LocalDate.ofEpochDay(row[0]), row[1]);
    }
    return days;
  }

  @Override
  public boolean holdQuota(QuotaHold hold, LocalDate periodStart) {
    checkWritable();
    // One statement: the check and the insert cannot be separated by another node's hold. Under
    // SERIALIZABLE (PostgreSQL) two concurrent holds that each read the other's rows conflict and
    // one is run again; SQLite has one writer.
    return update(
            "INSERT INTO quota_holds (id, account, node, bytes, expires)"
                + " SELECT ?, ?, ?, ?, ? FROM accounts a WHERE a.id = ?"
                + " AND (SELECT COALESCE(SUM(u.bytes), 0) FROM usage_daily u"
                + " WHERE u.account = a.id AND u.day >= ?)"
                + " + (SELECT COALESCE(SUM(h.bytes), 0) FROM quota_holds h"
                + " WHERE h.account = a.id) < a.quota_bytes",
            hold.id(),
            hold.accountId(),
            hold.node(),
            hold.bytes(),
            hold.expires().toEpochMilli(),
            hold.accountId(),
            periodStart.toEpochDay())
        > 0;
  }

  @Override
  public long heldQuota(String accountId) {
    return query(
            "SELECT COALESCE(SUM(bytes), 0) FROM quota_holds WHERE account = ?",
            rs -> rs.getLong(1),
            accountId)
        .get(0);
  }

  @Override
  public boolean releaseQuota(String holdId) {
    checkWritable();
    return update("DELETE FROM quota_holds WHERE id = ?", holdId) > 0;
  }

  @Override
  public int renewQuotaHolds(Collection<String> holdIds, Instant expires) {
    checkWritable();
    List<String> ids = new ArrayList<>(holdIds);
    int renewed = 0;
    for (int from = 0; from < ids.size(); from += RENEW_BATCH) {
      List<String> batch = ids.subList(from, Math.min(ids.size(), from + RENEW_BATCH));
      List<Object> params = new ArrayList<>(batch.size() + 1);
      params.add(expires.toEpochMilli());
      params.addAll(batch);
      renewed +=
          update(
              "UPDATE quota_holds SET expires = ? WHERE id IN ("
                  + String.join(", ", Collections.nCopies(batch.size(), "?"))
                  + ")",
              params.toArray());
    }
    return renewed;
  }

  @Override
  public int expireQuotaHolds(Instant now) {
    checkWritable();
    return update("DELETE FROM quota_holds WHERE expires < ?", now.toEpochMilli());
  }

  private Optional<AccountRecord> one(String column, String value) {
    List<AccountRecord> rows =
        query(
            "SELECT " + COLUMNS + " FROM accounts WHERE " + column + " = ?",
            SqlAccounts::row,
            value);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  private static AccountRecord row(ResultSet rs) throws SQLException {
    return new AccountRecord(
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        rs.getInt(5) != 0,
        rs.getString(6),
        rs.getLong(7),
        rs.getInt(8) != 0,
        rs.getString(9),
        rs.getString(10),
        Instant.ofEpochMilli(rs.getLong(11)));
  }

  private static int flag(boolean value) {
    return value ? 1 : 0;
  }

  private <R> List<R> query(String query, Statements.Row<R> row, Object... params) {
    return sql.query(query, row, params);
  }

  private int update(String update, Object... params) {
    return sql.update(update, params);
  }

  private void checkWritable() {
    sql.checkWritable();
  }
}
