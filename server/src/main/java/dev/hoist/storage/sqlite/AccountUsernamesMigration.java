package dev.hoist.storage.sqlite;

import dev.hoist.storage.Username;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;

/**
 * Version 5 of {@code db/migration/common}: gives every account a unique {@code username}, made
 * from its email's local part ({@link Username#fromEmail}, oldest account first, a number appended
 * on collision, never one of {@link Username#ALWAYS_RESERVED}). In Java because portable SQL cannot
 * sanitise a string; the statements themselves are standard SQL, so the PostgreSQL store can run it
 * too. Nothing else changes. The column stays nullable in the schema (SQLite cannot add NOT NULL to
 * an existing table); every writer sets it.
 */
final class AccountUsernamesMigration implements JavaMigration {

  @Override
  public MigrationVersion getVersion() {
    return MigrationVersion.fromVersion("5");
  }

  @Override
  public String getDescription() {
    return "account usernames";
  }

  @Override
  public Integer getChecksum() {
    return null;
  }

  @Override
  public boolean canExecuteInTransaction() {
    return true;
  }

  @Override
  public void migrate(Context context) throws SQLException {
    Connection connection = context.getConnection();
    try (Statement s = connection.createStatement()) {
      s.execute("ALTER TABLE accounts ADD COLUMN username TEXT");
    }
    List<String[]> accounts = new ArrayList<>();
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT id, email FROM accounts ORDER BY created, id")) {
      while (rs.next()) {
        accounts.add(new String[] {rs.getString(1), rs.getString(2)});
      }
    }
    Set<String> taken = new HashSet<>(Username.ALWAYS_RESERVED);
    try (PreparedStatement update =
        connection.prepareStatement("UPDATE accounts SET username = ? WHERE id = ?")) {
      for (String[] account : accounts) {
        String username = Username.fromEmail(account[1], taken::contains).value();
        taken.add(username);
        update.setString(1, username);
        update.setString(2, account[0]);
        update.executeUpdate();
      }
    }
    try (Statement s = connection.createStatement()) {
      s.execute("CREATE UNIQUE INDEX accounts_by_username ON accounts (username)");
    }
  }
}
