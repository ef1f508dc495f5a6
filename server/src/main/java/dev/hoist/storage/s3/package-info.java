/**
 * Blob storage in an S3 bucket (AWS S3 or any S3-compatible server): {@link
 * dev.hoist.storage.s3.S3BlobStore}, configured by {@link dev.hoist.storage.s3.S3Config}. Several
 * Hoist nodes may share one bucket; an upload started on one node can be continued and committed on
 * any other.
 *
 * <pre>
 * &lt;prefix&gt;
 *   blobs/
 *     sha256/
 *       abcdef0123…        committed blob, named by its hex digest; immutable
 *     sha512/
 *       9f86d081…          (128 hex characters)
 *   uploads/
 *     &lt;id&gt;/               an upload in progress; id matches [A-Za-z0-9-]{1,64},
 *                          checked before it becomes part of a key
 *       started            marker: the upload exists (random content, whose ETag tells
 *                          this upload from an earlier one cancelled under the same id)
 *       part-0000000000000000000
 *       part-0000000000008388608
 *                          pieces: the upload's bytes from that offset (19 digits),
 *                          as many as the object holds; user metadata hoist-sha256
 *                          and hoist-after (below)
 *   quarantine/
 *     sha256-abcdef0123…-1733592330123
 *                          bytes that did not match their digest, copied aside
 *                          (algorithm, hex, epoch milliseconds); never served
 * </pre>
 *
 * <h2>Uploads</h2>
 *
 * S3 cannot read a multipart upload in progress, nor append to an object, and the SHA-256 of the
 * bytes so far lives only in the memory of the node that received them. So an upload's bytes are
 * kept as ordinary, readable objects, the <em>pieces</em>, named by the offset they start at: a
 * node that resumes the upload learns its size from one listing and can re-read the bytes to hash
 * them.
 *
 * <ul>
 *   <li><b>Writing.</b> A write stores its bytes as pieces of {@value
 *       dev.hoist.storage.s3.UploadState#PIECE_SIZE} bytes as they fill, and what is left when it
 *       ends as one more piece, so memory per write is bounded by a piece. A piece smaller than
 *       S3's 5 MiB minimum part can only be the last part of a multipart upload; such small pieces
 *       at the tail (one per short write: the registry writes a request body in batches of 128 KiB
 *       and more) are <em>merged</em> as soon as they and the bytes arriving reach 5 MiB: they are
 *       read back and stored together with the new bytes as one piece under the first one's key,
 *       then the others are deleted. Each byte is thus stored at most twice and read back at most
 *       once while writing, whatever the size of the writes (rewriting one growing tail object on
 *       every write would cost the square). Every piece but those at the tail is at least 5 MiB.
 *       Each write costs at least one PUT: an upload written in small batches goes no faster than
 *       one batch per PUT round trip.
 *   <li><b>Hashing.</b> The node that stores a piece hashes its bytes (SHA-256) once stored and
 *       remembers which pieces (key, size, ETag) its hash covers. With each piece it records, as
 *       user metadata in the same PUT, the SHA-256 of all the upload's bytes up to the piece's end
 *       ({@code hoist-sha256}) and a fingerprint of the pieces before it ({@code hoist-after}:
 *       their keys, sizes and ETags). A node that resumes an upload lists it: pieces it has not
 *       hashed (written by another node, or before a restart) are read back and hashed at its next
 *       write; when another node merged pieces this one had hashed, the hash goes back to a copy
 *       kept at the end of the last piece of at least 5 MiB (such pieces are never merged again),
 *       so catching up never re-reads more than the small tail.
 *   <li><b>Committing.</b> The commit lists the pieces again and takes their SHA-256 from its own
 *       hash when that covers every piece; else from the digest recorded with the last piece when
 *       that piece still has the listed ETag and its fingerprint names exactly the pieces listed
 *       before it (a push whose body went to one node and whose final PUT goes to another reads
 *       nothing back); else it catches up. Other algorithms are read back from the pieces. On a
 *       digest or size mismatch the upload's objects are deleted and {@link
 *       dev.hoist.oci.DigestMismatchException} is thrown. When the blob exists already, the upload
 *       is simply deleted. Otherwise the blob's object is composed from the pieces: one piece is
 *       copied (CopyObject); several become the parts of a multipart upload, each big piece copied
 *       by UploadPartCopy, the small tail pieces read and uploaded as the last part. Every read and
 *       copy names the ETag the hash saw ({@code If-Match}, {@code x-amz-copy-source-if-match}), so
 *       the object is made of exactly the bytes that were verified, and it appears, complete, only
 *       when CopyObject or CompleteMultipartUpload returns: <b>no object exists under a digest's
 *       key before its bytes were verified</b>. Then the upload's objects are deleted.
 *   <li><b>Limits.</b> S3 composes at most 10,000 parts: 78 GiB for uploads written in large
 *       requests (Docker, containerd), down to about 48 GiB when pushed in many chunks that leave 5
 *       MiB pieces behind. Mirror fills go through {@link dev.hoist.storage.BlobStore#importFile},
 *       which has no such limit.
 *   <li><b>One writer at a time.</b> As for every store, an upload has one writer at a time. A node
 *       trusts what it last listed or wrote until the next {@code resumeUpload} or commit, so in a
 *       cluster the registry resumes the upload for every request rather than keeping a handle
 *       across requests. Two writers at once (a bug) cannot commit wrong bytes: the commit hashes
 *       the pieces as listed, pinned by ETag. Whoever may write to the bucket is trusted as a Hoist
 *       node is (recorded digests are read from it); such a writer could as well replace a blob.
 * </ul>
 *
 * <p>A cancel deletes the marker first, so the upload is gone at once; pieces a failed delete left
 * behind are invisible (no marker) and are deleted if the id is started again. A bucket lifecycle
 * rule expiring {@code uploads/} objects after a few days removes what crashes leave.
 *
 * <h2>Reading</h2>
 *
 * {@code open} answers a HEAD with a {@link dev.hoist.storage.BlobContent.Streamed} whose ranges
 * are ranged GETs, streamed, or with {@code redirect: true} a {@link
 * dev.hoist.storage.BlobContent.Redirect} to a presigned GET, valid for {@code redirectExpiry}.
 * {@code list()} pages through {@code blobs/} and skips keys that are not a blob's.
 *
 * <h2>Quarantine</h2>
 *
 * The blob's object is copied to {@code quarantine/} (on condition that it still has the ETag first
 * seen) and the copy is hashed, where nothing can replace it. When it matches its digest after all,
 * the copy is deleted and the blob stays; otherwise the blob's object is deleted, unless its ETag
 * changed meanwhile. Crashes: before the copy, nothing changed; between the copy and the last
 * delete, the bytes are in place and a copy is aside (the next scrub quarantines again, the copy is
 * for an operator to inspect and delete); never lost. S3 has no conditional delete every server
 * supports, so a blob deleted and committed again in the instant between the ETag check and the
 * delete would be deleted with it (then read as missing, and fetched or pushed again).
 *
 * <h2>Errors</h2>
 *
 * Every S3 failure is an {@link java.io.IOException} naming the operation, {@code s3://bucket/key},
 * the endpoint, the HTTP status and S3's error code, or why the endpoint could not be reached;
 * never a credential. Requests carry checksums only where S3 requires them (most S3-compatible
 * servers refuse the AWS SDK's newer default); the store verifies digests itself. HTTP goes through
 * the JDK's {@code HttpURLConnection}, which holds each request body in memory while sending it:
 * requests are therefore kept to a piece, a part or a small import (16 MiB).
 */
@NullMarked
package dev.hoist.storage.s3;

import org.jspecify.annotations.NullMarked;
