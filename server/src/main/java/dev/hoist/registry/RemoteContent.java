package dev.hoist.registry;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Repositories whose content lives in another registry: what the mirror plugs into the API.
 *
 * <p>The router asks {@link #route} for every repository request. A remote repository is read-only
 * here: its manifests, blobs and tags come from this interface (which fills the local cache as it
 * goes), and every mutation answers 405 {@code UNSUPPORTED}. Methods block (they may wait for an
 * upstream), so the API calls them off the event loop. Failures are {@code OciException}s with the
 * code the client should see.
 */
public interface RemoteContent {

  /** No remote repositories: every name is local. */
  RemoteContent NONE = new RemoteContent() {};

  /**
   * Where a request's repository lives: empty for a local one. {@code namespace} is the request's
   * {@code ?ns=} parameter (containerd names the upstream registry with it), or null.
   *
   * @throws dev.hoist.oci.OciException to refuse the request (e.g. an unknown namespace)
   */
  default Optional<RemoteRepository> route(RepositoryName name, String namespace) {
    return Optional.empty();
  }

  /** A manifest by tag or digest; {@code head} when the client only wants its headers. */
  default Lookup manifest(RemoteRepository repository, String reference, boolean head)
      throws IOException {
    throw new UnsupportedOperationException("no remote repositories");
  }

  /** A blob; the content may be a fill in progress that streams as the upstream sends. */
  default Lookup blob(RemoteRepository repository, Digest digest, boolean head) throws IOException {
    throw new UnsupportedOperationException("no remote repositories");
  }

  /**
   * The referrers of {@code subject} (manifests whose {@code subject} it is), as the upstream lists
   * them; none when this content has no remote repositories.
   */
  default List<Descriptor> referrers(RemoteRepository repository, Digest subject)
      throws IOException {
    return List.of();
  }

  /** The repository's tags, as the upstream lists them. */
  default List<String> tags(RemoteRepository repository) throws IOException {
    throw new UnsupportedOperationException("no remote repositories");
  }

  /**
   * A repository of an upstream registry.
   *
   * @param upstream the configured upstream's name, e.g. {@code docker.io}
   * @param upstreamName the repository's name at the upstream, e.g. {@code library/ubuntu}
   * @param cacheName where its content is cached here: {@code <upstream>/<upstreamName>}, so that
   *     every route to the same image shares one entry and two upstreams never share a tag
   */
  record RemoteRepository(String upstream, RepositoryName upstreamName, RepositoryName cacheName) {}

  /**
   * Content found for a request, and how.
   *
   * @param content how to read it; for a HEAD of a blob not cached, may be null with {@code size}
   *     known
   * @param size its length in bytes
   * @param digest its digest
   * @param mediaType its media type (for manifests), or null for blobs
   * @param status how the cache answered
   */
  record Lookup(
      dev.hoist.storage.BlobContent content,
      long size,
      Digest digest,
      String mediaType,
      CacheStatus status) {}

  /** How the cache answered, sent to clients as {@code X-Hoist-Cache}. */
  enum CacheStatus {
    /** Served from the cache, fresh. */
    HIT,
    /** Fetched from the upstream for this request. */
    MISS,
    /** The cached copy was checked with the upstream and is still current. */
    REVALIDATED,
    /** Served from the cache past its fresh time, because the upstream failed or is refreshing. */
    STALE
  }
}
