/**
 * Registry metadata in SQL: {@link dev.hoist.storage.sql.SqliteMetadataStore} (the embedded
 * default) and {@link dev.hoist.storage.sql.PostgresMetadataStore} (shared by the nodes of a
 * cluster), over one schema and one body of SQL ({@code SqlTransaction}, {@code SqlLifecycle},
 * {@code SqlAccounts}): standard SQL with {@code ON CONFLICT} upserts, no dialect's own functions.
 *
 * <pre>
 * &lt;data-dir&gt;/
 *   hoist.db        SQLite: the database (WAL mode, synchronous=NORMAL, foreign keys on)
 *   hoist.db-wal    write-ahead log, folded back into hoist.db by checkpoints
 *   hoist.db-shm    WAL index shared by the connections
 * </pre>
 *
 * <p>Tables (created by Flyway from {@code db/migration/common} through {@code Migrations}, in the
 * schema a PostgreSQL URL names): {@code manifests(repo, digest)}, {@code tags(repo, tag)}
 * referencing a manifest of the same repository with {@code ON DELETE CASCADE}, {@code
 * blob_links(repo, digest)} and {@code uploads(id)}. Times are epoch milliseconds, digests their
 * text form. A repository has no row of its own: it exists while a manifest or a blob link names
 * it. Accelerator accounts ({@code accounts}, {@code usage_daily}), sync state and the disk's
 * lifecycle have tables of their own.
 *
 * <p>SQLite serialises writes through one connection; PostgreSQL runs them at {@code SERIALIZABLE}
 * and runs again a transaction that lost to a concurrent one, so that work which reads and then
 * writes behaves the same on both, across every node.
 *
 * <p>Version 5 is a Java migration, {@code AccountUsernamesMigration} (account usernames derived
 * from emails, which SQL cannot sanitise portably); the next SQL file is {@code V7__...}.
 */
package dev.hoist.storage.sql;
