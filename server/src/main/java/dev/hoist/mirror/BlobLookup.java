package dev.hoist.mirror;

import dev.hoist.client.RegistryClient;
import dev.hoist.client.RegistryException;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.OciException;
import dev.hoist.repository.CacheStatus;
import dev.hoist.repository.Content;
import dev.hoist.repository.MirrorCache;
import dev.hoist.repository.Repository.Origin;
import dev.hoist.storage.BlobContent;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blobs of mirrored repositories: from the store, else through the {@link BlobFills fill} of them,
 * which every client asking for the same blob meanwhile shares. A cache never widens who can read
 * what: bytes another repository brought are served only once this repository's upstream confirmed
 * it has them.
 */
final class BlobLookup {
  private static final Logger log = LoggerFactory.getLogger(BlobLookup.class);

  private final Upstreams upstreams;
  private final MirrorCache cache;
  private final BlobFills fills;

  BlobLookup(Upstreams upstreams, MirrorCache cache, BlobFills fills) {
    this.upstreams = upstreams;
    this.cache = cache;
    this.fills = fills;
  }

  /** A blob of a mirrored repository; for {@code head} only its size when it is not stored. */
  Content find(Origin origin, Digest digest, boolean head) throws IOException {
    Optional<Long> linkedSize = cache.linkedSize(origin.cacheName(), digest);
    boolean linked = linkedSize.isPresent();
    // Asked before the store: a fill verified now is in the store or still committing below. A
    // fill with every byte verified, only being made durable, serves like the store: a hit.
    CacheStatus ifFilling = fills.verified(digest) ? CacheStatus.HIT : CacheStatus.MISS;
    Optional<BlobContent> stored = cache.storedBlob(digest);
    if (stored.isPresent()) {
      // The bytes came through another repository when this one has no link: check this one
      // really has them upstream before serving them here.
      long size = linked ? linkedSize.get() : headBlob(origin, digest);
      if (stored.get().size() == size) {
        if (!linked) {
          cache.link(origin.cacheName(), digest, size);
        }
        return Content.cached(stored.get(), size, digest, null, CacheStatus.HIT)
            .withQuarantine(() -> cache.quarantine(digest));
      }
      // Not the blob: out of service, and fetched again below as if it had never been stored.
      boolean quarantined = cache.quarantine(digest);
      log.warn(
          "cached blob has another size than recorded, fetching it again: repository={}"
              + " digest={} recordedSize={} storedSize={} quarantined={}",
          origin.cacheName(),
          digest,
          size,
          stored.get().size(),
          quarantined);
    }
    if (head) {
      return Content.cached(null, headBlob(origin, digest), digest, null, CacheStatus.MISS);
    }
    String requester = origin.cacheName().value();
    if (!linked && fills.origin(digest).filter(o -> !o.equals(requester)).isPresent()) {
      // Joining another repository's fill: as above, check this one has the blob upstream first.
      headBlob(origin, digest);
    }
    RegistryClient client = upstreams.client(origin);
    BlobContent body;
    try {
      body =
          fills.serve(
              digest,
              -1,
              offset -> {
                try {
                  // The fill hashes every byte it spools; the client need not hash them too.
                  var response = client.getBlobUnverified(origin.upstreamName(), digest, offset);
                  return new BlobSource.SourceStream(response.totalSize(), response.stream());
                } catch (RegistryException e) {
                  throw new UpstreamException(e);
                }
              },
              requester);
    } catch (UpstreamException e) {
      throw UpstreamFailures.translate(origin, e);
    }
    cache.link(origin.cacheName(), digest, body.size());
    return Content.cached(body, body.size(), digest, null, ifFilling);
  }

  /**
   * A blob read the way a client pull would fill it, for sync's copies into the cache: from the
   * store, or through the fill of it, shared with any client pulling it meanwhile. The stream ends
   * only once every byte was verified and the blob is in the store.
   */
  InputStream openStored(Origin origin, Digest digest) throws IOException {
    Content found;
    try {
      found = find(origin, digest, false);
    } catch (OciException e) {
      throw new IOException(e.getMessage(), e);
    }
    return new StoredAtEnd(found.body().openStream(0, found.size()), digest);
  }

  private long headBlob(Origin origin, Digest digest) throws IOException {
    try {
      return upstreams
          .client(origin)
          .headBlob(origin.upstreamName(), digest)
          .orElseThrow(
              () ->
                  new OciException(
                      ErrorCode.BLOB_UNKNOWN,
                      "blob unknown to " + origin.upstream() + "/" + origin.upstreamName(),
                      OciException.detail("digest", digest.toString())));
    } catch (RegistryException e) {
      throw UpstreamFailures.translate(origin, e);
    }
  }

  /** A blob's bytes whose end waits until the fill that brought them has stored the blob. */
  private final class StoredAtEnd extends FilterInputStream {
    private final Digest digest;
    private boolean checked;

    StoredAtEnd(InputStream in, Digest digest) {
      super(in);
      this.digest = digest;
    }

    @Override
    public int read() throws IOException {
      return atEnd(super.read());
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return atEnd(super.read(b, off, len));
    }

    private int atEnd(int result) throws IOException {
      if (result < 0 && !checked) {
        if (!fills.awaitStored(digest)) {
          throw new IOException("the mirror's fill of " + digest + " did not store it");
        }
        checked = true;
      }
      return result;
    }
  }
}
