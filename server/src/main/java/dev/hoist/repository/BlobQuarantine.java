package dev.hoist.repository;

import dev.hoist.oci.Digest;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.MetadataStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * Takes stored bytes that do not match their digest out of service: they are moved aside ({@link
 * BlobStore#quarantine}, which checks them once more and keeps good ones), then the blob's record
 * and every repository's link to it are forgotten, so nothing serves them and the mirror fetches
 * the blob again on the next request. In that order: a crash between the two leaves a record
 * without bytes, which reads as a missing blob (the scrub reports it); the other order could leave
 * bad bytes without a record, which a later push of the same digest would take for its own.
 *
 * <p>Callers log what they found; this logs nothing. Every method blocks.
 */
public final class BlobQuarantine {
  private final BlobStore blobs;
  private final MetadataStore metadata;

  public BlobQuarantine(BlobStore blobs, MetadataStore metadata) {
    this.blobs = Objects.requireNonNull(blobs, "blobs");
    this.metadata = Objects.requireNonNull(metadata, "metadata");
  }

  /**
   * Moves the blob's bytes aside and forgets it, when they do not match its digest; returns whether
   * they were moved aside.
   */
  public boolean quarantine(Digest digest) throws IOException {
    if (!blobs.quarantine(digest)) {
      return false;
    }
    forgetUnlessStored(digest);
    return true;
  }

  /**
   * Forgets the blob's record and links unless the store has its bytes (again); returns whether it
   * forgot them. A good copy committed since the bad one went aside keeps what its commit linked:
   * the check and the forgetting are one transaction, and a commit links after storing its bytes.
   */
  public boolean forgetUnlessStored(Digest digest) throws IOException {
    try {
      return metadata.write(
          tx -> {
            if (stored(digest)) {
              return false;
            }
            return tx.lifecycle().forgetBlob(digest).isPresent();
          });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private boolean stored(Digest digest) {
    try {
      return blobs.size(digest).isPresent();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
