package dev.hoist.storage.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;

/**
 * Version 5 of {@code db/migration/common}: gives every account a unique {@code username}, made
 * from its email's local part (oldest account first, a number appended on collision, never {@code
 * library} or {@code localhost}). The derivation is the accelerator's {@code Username.fromEmail} as
 * it stood when this migration was written, copied here: a migration must give the same result
 * whatever the code later does to the names of new accounts. In Java because portable SQL cannot
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
    Set<String> taken = new HashSet<>(Set.of("library", "localhost"));
    try (PreparedStatement update =
        connection.prepareStatement("UPDATE accounts SET username = ? WHERE id = ?")) {
      for (String[] account : accounts) {
        String username = fromEmail(account[1], taken);
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

  // The derivation, frozen: 2 to 30 characters of one repository path component by Docker's rules.

  private static final int MAX_LENGTH = 30;
  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-*)[a-z0-9]+)*");
  private static final Pattern MARKS = Pattern.compile("\\p{M}+");
  private static final Pattern NOT_ALLOWED = Pattern.compile("[^a-z0-9._-]+");
  private static final Pattern SEPARATORS = Pattern.compile("[._-]+");

  private static boolean valid(String value) {
    return value.length() >= 2
        && value.length() <= MAX_LENGTH
        && COMPONENT.matcher(value).matches();
  }

  static String fromEmail(String email, Set<String> taken) {
    int at = email.lastIndexOf('@');
    String base = sanitise(at < 0 ? email : email.substring(0, at));
    if (base.isEmpty()) {
      base = "user";
    }
    if (valid(base) && !taken.contains(base)) {
      return base;
    }
    for (int n = 2; ; n++) {
      String suffix = Integer.toString(n);
      String stem =
          trimSeparators(base.substring(0, Math.min(base.length(), MAX_LENGTH - suffix.length())));
      String candidate = stem + suffix;
      if (valid(candidate) && !taken.contains(candidate)) {
        return candidate;
      }
    }
  }

  private static String sanitise(String text) {
    String plain =
        MARKS
            .matcher(Normalizer.normalize(text, Normalizer.Form.NFD))
            .replaceAll("")
            .toLowerCase(Locale.ROOT);
    String dashed = NOT_ALLOWED.matcher(plain).replaceAll("-");
    StringBuilder out = new StringBuilder();
    var runs = SEPARATORS.matcher(dashed);
    int last = 0;
    while (runs.find()) {
      out.append(dashed, last, runs.start());
      String run = runs.group();
      boolean allowed = run.equals(".") || run.equals("_") || run.equals("__") || run.matches("-+");
      out.append(allowed ? run : "-");
      last = runs.end();
    }
    out.append(dashed.substring(last));
    String cut = out.length() > MAX_LENGTH ? out.substring(0, MAX_LENGTH) : out.toString();
    return trimSeparators(cut);
  }

  private static String trimSeparators(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && "._-".indexOf(s.charAt(start)) >= 0) {
      start++;
    }
    while (end > start && "._-".indexOf(s.charAt(end - 1)) >= 0) {
      end--;
    }
    return s.substring(start, end);
  }
}
