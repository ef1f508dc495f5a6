package dev.hoist.storage.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The JDBC plumbing shared by the parts of one transaction (registry metadata, accounts): one
 * connection, checked to be still open (and writable, for writes) before every use.
 */
final class Statements {
  private final Connection connection;
  private final boolean writable;
  private final BooleanSupplier open;

  Statements(Connection connection, boolean writable, BooleanSupplier open) {
    this.connection = connection;
    this.writable = writable;
    this.open = open;
  }

  /** Maps the current row of a result. */
  @FunctionalInterface
  interface Row<R> {
    R map(ResultSet rs) throws SQLException;
  }

  <R> List<R> query(String sql, Row<R> row, Object... params) {
    checkOpen();
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      bind(statement, params);
      try (ResultSet rs = statement.executeQuery()) {
        List<R> result = new ArrayList<>();
        while (rs.next()) {
          result.add(row.map(rs));
        }
        return result;
      }
    } catch (SQLException e) {
      throw new SqlFailure("query failed", e);
    }
  }

  int update(String sql, Object... params) {
    checkOpen();
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      bind(statement, params);
      return statement.executeUpdate();
    } catch (SQLException e) {
      throw new SqlFailure("update failed", e);
    }
  }

  static <R> Optional<R> first(List<R> rows) {
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  void checkOpen() {
    if (!open.getAsBoolean()) {
      throw new IllegalStateException("transaction has ended");
    }
  }

  void checkWritable() {
    checkOpen();
    if (!writable) {
      throw new IllegalStateException("cannot write in a read transaction");
    }
  }

  private static void bind(PreparedStatement statement, Object... params) throws SQLException {
    for (int i = 0; i < params.length; i++) {
      statement.setObject(i + 1, params[i]);
    }
  }
}
