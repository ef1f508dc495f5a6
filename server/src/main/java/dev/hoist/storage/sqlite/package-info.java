/**
 * Registry metadata in SQLite: {@link dev.hoist.storage.sqlite.SqliteMetadataStore}.
 *
 * <pre>
 * &lt;data-dir&gt;/
 *   hoist.db        the database (WAL mode, synchronous=NORMAL, foreign keys on)
 *   hoist.db-wal    write-ahead log, folded back into hoist.db by checkpoints
 *   hoist.db-shm    WAL index shared by the connections
 * </pre>
 *
 * <p>Tables (created by Flyway from {@code db/migration/common}, shared with PostgreSQL): {@code
 * manifests(repo, digest)}, {@code tags(repo, tag)} referencing a manifest of the same repository
 * with {@code ON DELETE CASCADE}, {@code blob_links(repo, digest)} and {@code uploads(id)}. Times
 * are epoch milliseconds, digests their text form. A repository has no row of its own: it exists
 * while a manifest or a blob link names it. Accelerator accounts ({@code accounts}, {@code
 * usage_daily}) and sync state have tables of their own.
 *
 * <p>Version 5 is a Java migration, {@code AccountUsernamesMigration} (account usernames derived
 * from emails, which SQL cannot sanitise portably); the next SQL file is {@code V6__...}.
 */
package dev.hoist.storage.sqlite;
