package dev.hoist.repository;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * One repository, as the {@code /v2/} handlers see it, whatever holds it: this node's stores, or an
 * upstream registry through the mirror's cache. Every method blocks (storage, an upstream), so
 * callers run them off the event loop. Failures are {@link dev.hoist.oci.OciException}s carrying
 * the code the client should get.
 */
public interface Repository {

  /** The name the client used. */
  RepositoryName name();

  /** Where a mirrored repository comes from; empty for one hosted here. */
  Optional<Origin> origin();

  Manifests manifests();

  Blobs blobs();

  Tags tags();

  Referrers referrers();

  /**
   * Pushes, deletes and uploads. Asked for before a request's body is read, so that a repository
   * that takes no writes (a mirrored one) refuses at once, with 405 {@code UNSUPPORTED}.
   */
  Writer writer();

  /**
   * Where a mirrored repository's content comes from.
   *
   * @param upstream the configured upstream's name, e.g. {@code docker.io}
   * @param upstreamName the repository's name there, e.g. {@code library/ubuntu}
   * @param cacheName where its content is cached here ({@link MirrorCache#cacheName})
   */
  record Origin(String upstream, RepositoryName upstreamName, RepositoryName cacheName) {}

  /** Manifests, by tag or digest. */
  interface Manifests {
    /**
     * A manifest and how to read it; {@code head} when the client wants only its headers.
     *
     * @throws dev.hoist.oci.OciException {@code MANIFEST_UNKNOWN} when there is none
     */
    Content get(ManifestReference reference, boolean head) throws IOException;
  }

  /** Blobs by digest. */
  interface Blobs {
    /**
     * A blob and how to read it; for {@code head} the content may be absent with its size known.
     *
     * @throws dev.hoist.oci.OciException {@code BLOB_UNKNOWN} when the repository has no such blob
     */
    Content get(Digest digest, boolean head) throws IOException;
  }

  /** The repository's tags. */
  interface Tags {
    /**
     * Tags in lexical order after {@code last} (exclusive, may be null), at most {@code limit}; a
     * repository whose tags come whole from elsewhere (an upstream's list) answers all of them.
     *
     * @throws dev.hoist.oci.OciException {@code NAME_UNKNOWN} when the repository does not exist
     */
    TagPage list(Tag last, int limit) throws IOException;
  }

  /** A page of tags; {@code more} when tags follow the last one. */
  record TagPage(List<Tag> tags, boolean more) {
    public TagPage {
      tags = List.copyOf(tags);
    }
  }

  /** Manifests that refer to another one (signatures, attestations). */
  interface Referrers {
    /** The referrers of {@code subject}, only those of {@code artifactType} when it is not null. */
    List<Descriptor> of(Digest subject, String artifactType) throws IOException;
  }

  /** What changes a repository; see {@link Repository#writer()}. */
  interface Writer {
    /**
     * Stores a pushed manifest and moves {@code tag} (may be null) to it. Everything it references
     * must be in the repository: blobs ({@code MANIFEST_BLOB_UNKNOWN}) and, for an index, child
     * manifests ({@code MANIFEST_UNKNOWN}); its subject may be absent.
     */
    void putManifest(Manifest manifest, Tag tag) throws IOException;

    /** Deletes a manifest and every tag pointing at it; {@code MANIFEST_UNKNOWN} if none. */
    void deleteManifest(Digest digest) throws IOException;

    /** Deletes a tag (the manifest stays); {@code MANIFEST_UNKNOWN} if none. */
    void deleteTag(Tag tag) throws IOException;

    /** Unlinks a blob from this repository only; {@code BLOB_UNKNOWN} if it was not linked. */
    void deleteBlob(Digest digest) throws IOException;

    /**
     * Links a blob of repository {@code from} (named as the client sent it) into this one: a
     * cross-repository mount. False when {@code from} does not have it.
     */
    boolean mountBlob(Digest digest, RepositoryName from) throws IOException;

    /** Upload sessions of this repository. */
    Uploads uploads();
  }
}
