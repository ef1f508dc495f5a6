package dev.hoist.client.copy;

import dev.hoist.client.RegistryClient;
import dev.hoist.client.RegistryException;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A registry as a destination. Presence is checked with {@code HEAD}; blobs are pushed (verified by
 * the registry against their digest); a manifest is put by digest, or by tag for the tagged
 * top-level one, which the registry accepts only when everything it refers to is there.
 */
public final class RegistryDestination implements ImageDestination {
  private final RegistryClient client;

  public RegistryDestination(RegistryClient client) {
    this.client = client;
  }

  @Override
  public boolean hasManifest(RepositoryName repository, Digest digest) throws RegistryException {
    return client.headManifest(repository, digest.toString()).isPresent();
  }

  @Override
  public boolean hasBlob(RepositoryName repository, Descriptor blob) throws RegistryException {
    return client.blobExists(repository, blob.digest());
  }

  @Override
  public long putBlob(RepositoryName repository, Descriptor blob, InputStream content)
      throws RegistryException {
    client.pushBlob(repository, blob.digest(), blob.size(), content);
    return blob.size();
  }

  @Override
  public void putManifest(RepositoryName repository, Manifest manifest, Tag tag)
      throws RegistryException {
    String reference = tag == null ? manifest.digest().toString() : tag.value();
    client.putManifest(repository, reference, manifest.raw(), manifest.mediaType());
  }

  @Override
  public Optional<Digest> tag(RepositoryName repository, Tag tag) throws RegistryException {
    return client
        .headManifest(repository, tag.value())
        .map(dev.hoist.client.ManifestResponse::digest);
  }

  @Override
  public List<Tag> tags(RepositoryName repository) throws RegistryException {
    List<Tag> out = new ArrayList<>();
    try {
      for (String t : client.tags(repository)) {
        out.add(Tag.of(t));
      }
    } catch (RegistryException e) {
      if (e.code() != dev.hoist.oci.ErrorCode.NAME_UNKNOWN) {
        throw e;
      }
    }
    return out;
  }

  /** The distribution API deletes manifests, not tags: this destination never deletes. */
  @Override
  public boolean deleteTag(RepositoryName repository, Tag tag) {
    return false;
  }
}
