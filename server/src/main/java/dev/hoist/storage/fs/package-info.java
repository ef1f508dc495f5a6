/**
 * Blob storage on a local filesystem: {@link dev.hoist.storage.fs.FileSystemBlobStore}.
 *
 * <pre>
 * &lt;data-dir&gt;/
 *   blobs/
 *     sha256/
 *       ab/
 *         abcdef0123…      committed blob, named by its hex digest; immutable
 *     sha512/
 *       9f/
 *         9f86d081…        (128 hex characters)
 *   uploads/
 *     &lt;id&gt;                 bytes of an upload in progress, appended in order;
 *                          id matches [A-Za-z0-9-]{1,64}, never a path
 *   quarantine/
 *     sha256-abcdef0123…-1733592330123
 *                          bytes that did not match their digest, moved aside
 *                          (algorithm, hex, epoch milliseconds of the move);
 *                          never served, never read by the store again
 * </pre>
 *
 * <p>A commit verifies the upload file's digest and size, forces it to disk, then renames it
 * atomically to its place under {@code blobs/} and forces the directory, so a blob path either does
 * not exist or holds the complete, verified bytes, whatever crashes. When the blob already exists
 * the upload file is deleted instead (same digest, same bytes). An upload and its blob are on the
 * same filesystem, which the atomic rename needs.
 *
 * <p>A quarantine renames a blob's file into {@code quarantine/} (atomic, the directories forced),
 * then hashes it there, where no commit can replace it: bytes that match their digest after all are
 * renamed back. A crash leaves the file in one of the two places, never lost; quarantined files are
 * kept for an operator to inspect and delete.
 *
 * <p>SHA-256 is computed while bytes arrive and kept in memory per upload; after a restart the
 * upload file is hashed once, at its next write or at commit. Other algorithms are computed from
 * the file at commit.
 */
package dev.hoist.storage.fs;
