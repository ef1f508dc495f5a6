package dev.hoist.sync;

import dev.hoist.client.RegistryException;
import dev.hoist.client.copy.ImageSource;
import dev.hoist.client.copy.RequestGate;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * The source of a copy into the mirror cache: manifests and tags from the upstream as {@code
 * registry} reads them, blobs through the mirror's cache ({@link MirrorAccess#cachedBlob}). A
 * client pulling the image while the copy runs then shares each blob's one upstream transfer
 * instead of starting a second one beside it, and the blob is written once, by the fill: the stream
 * of a blob ends only once it is stored, and {@link MirrorCacheDestination} reads it to the end.
 * Each blob still holds a slot of the upstream's sync budget until it has been read.
 */
final class MirrorCacheSource implements ImageSource {
  private final ImageSource registry;
  private final MirrorAccess mirror;
  private final String upstream;
  private final RequestGate budget;

  MirrorCacheSource(
      ImageSource registry, MirrorAccess mirror, String upstream, RequestGate budget) {
    this.registry = registry;
    this.mirror = mirror;
    this.upstream = upstream;
    this.budget = budget;
  }

  @Override
  public Optional<Digest> resolve(RepositoryName repository, String tag)
      throws IOException, RegistryException {
    return registry.resolve(repository, tag);
  }

  @Override
  public Fetched manifest(RepositoryName repository, Digest digest)
      throws IOException, RegistryException {
    return registry.manifest(repository, digest);
  }

  @Override
  public InputStream blob(RepositoryName repository, Digest digest) throws IOException {
    RequestGate.Permit permit = budget.acquire();
    try {
      return permit.heldUntilClosed(mirror.cachedBlob(upstream, repository, digest));
    } catch (IOException | RuntimeException e) {
      permit.close();
      throw e;
    }
  }

  @Override
  public List<Descriptor> referrers(RepositoryName repository, Digest subject)
      throws IOException, RegistryException {
    return registry.referrers(repository, subject);
  }

  @Override
  public List<String> tags(RepositoryName repository) throws IOException, RegistryException {
    return registry.tags(repository);
  }
}
