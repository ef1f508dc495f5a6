package dev.hoist.mirror;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.OciException;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.repository.Content;
import dev.hoist.repository.ManifestReference;
import dev.hoist.repository.Repository;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * A repository of an upstream registry, served through the cache: manifests by digest are
 * immutable, by tag they follow {@link TagFreshness}; blobs come from the store or a fill; tags and
 * referrers are asked of the upstream each time (signatures arrive after the image, so there is no
 * answer to keep). Read-only: every write is refused with 405 {@code UNSUPPORTED}.
 */
final class MirroredRepository
    implements Repository,
        Repository.Manifests,
        Repository.Blobs,
        Repository.Tags,
        Repository.Referrers {
  private final RepositoryName name;
  private final Origin origin;
  private final MirrorParts parts;

  MirroredRepository(RepositoryName name, Origin origin, MirrorParts parts) {
    this.name = name;
    this.origin = origin;
    this.parts = parts;
  }

  @Override
  public RepositoryName name() {
    return name;
  }

  @Override
  public Optional<Origin> origin() {
    return Optional.of(origin);
  }

  @Override
  public Manifests manifests() {
    return this;
  }

  @Override
  public Blobs blobs() {
    return this;
  }

  @Override
  public Tags tags() {
    return this;
  }

  @Override
  public Referrers referrers() {
    return this;
  }

  @Override
  public Writer writer() {
    throw new OciException(
        ErrorCode.UNSUPPORTED,
        name + " is a read-only mirror of " + origin.upstream() + "/" + origin.upstreamName(),
        OciException.detail("name", name.value(), "upstream", origin.upstream()));
  }

  @Override
  public Content get(ManifestReference reference, boolean head) throws IOException {
    Content found =
        switch (reference) {
          case ManifestReference.ByDigest d -> parts.manifests().byDigest(origin, d.digest());
          case ManifestReference.ByTag t -> {
            parts.pulls().tagPulled(origin.upstream(), origin.upstreamName(), t.tag());
            yield parts.freshness().byTag(origin, t.tag());
          }
        };
    parts.metrics().served(found.cacheStatus(), true);
    return found;
  }

  @Override
  public Content get(Digest digest, boolean head) throws IOException {
    Content found = parts.blobs().find(origin, digest, head);
    parts.metrics().served(found.cacheStatus(), false);
    return found;
  }

  /** The upstream's whole list, sorted: an upstream's paging is not passed on. */
  @Override
  public TagPage list(Tag last, int limit) throws IOException {
    List<Tag> tags = parts.upstreams().tags(origin).stream().sorted().map(Tag::of).toList();
    return new TagPage(tags, false);
  }

  @Override
  public List<Descriptor> of(Digest subject, String artifactType) throws IOException {
    return parts.upstreams().referrers(origin, subject).stream()
        .filter(d -> artifactType == null || artifactType.equals(d.artifactType()))
        .toList();
  }
}
