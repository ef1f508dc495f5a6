package dev.hoist.storage.sql;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateResult;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schema both SQL stores share: Flyway runs {@value #LOCATION} and {@link
 * AccountUsernamesMigration}, creating or upgrading the schema. Several nodes starting at once on
 * one PostgreSQL database are safe: Flyway holds an advisory lock while it migrates.
 */
final class Migrations {
  private static final Logger log = LoggerFactory.getLogger(Migrations.class);
  static final String LOCATION = "classpath:db/migration/common";

  private Migrations() {}

  /**
   * Migrates the database behind {@code dataSource}, in {@code schema} when one is given (created
   * when missing); {@code where} names the database in messages and must hold no credential.
   */
  static void migrate(DataSource dataSource, String where, @Nullable String schema) {
    try {
      FluentConfiguration config =
          Flyway.configure()
              .dataSource(dataSource)
              .locations(LOCATION)
              .javaMigrations(new AccountUsernamesMigration())
              .failOnMissingLocations(true);
      if (schema != null) {
        config = config.schemas(schema).createSchemas(true);
      }
      MigrateResult migrated = config.load().migrate();
      if (migrated.migrationsExecuted > 0) {
        // One line for the operator; Flyway's own step-by-step lines are turned down to warnings.
        log.info(
            "metadata schema migrated: database={} from={} to={} steps={}",
            where,
            migrated.initialSchemaVersion == null ? "empty" : migrated.initialSchemaVersion,
            migrated.targetSchemaVersion,
            migrated.migrationsExecuted);
      }
    } catch (FlywayException e) {
      throw new SqlFailure("migrating " + where, e);
    }
  }
}
