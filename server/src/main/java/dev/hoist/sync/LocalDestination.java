package dev.hoist.sync;

import dev.hoist.client.copy.ImageDestination;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.repository.LocalNamespace;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * This node's hosted repositories as a destination: a manifest and its tag are written as a push
 * would write them, its blobs linked to the repository in the same transaction, so the image
 * appears whole or not at all. Blobs are written verified (digest and size) before commit. Copies
 * into the mirror's cache go to {@link MirrorCacheDestination} instead.
 */
final class LocalDestination implements ImageDestination {
  private final LocalNamespace local;

  LocalDestination(LocalNamespace local) {
    this.local = local;
  }

  @Override
  public boolean hasManifest(RepositoryName repository, Digest digest) throws IOException {
    return local.hosted(repository).hasManifest(digest);
  }

  @Override
  public boolean hasBlob(RepositoryName repository, Descriptor blob) throws IOException {
    // Bytes brought by another repository are reused: the manifest being copied names them, and
    // the source holds them, so linking them here widens nothing.
    return local.hosted(repository).hasBlobBytes(blob.digest());
  }

  @Override
  public long putBlob(RepositoryName repository, Descriptor blob, InputStream content)
      throws IOException {
    return local.hosted(repository).storeBlob(blob, content);
  }

  @Override
  public void putManifest(RepositoryName repository, Manifest manifest, Tag tag)
      throws IOException {
    local.hosted(repository).putCopy(manifest, tag);
  }

  @Override
  public Optional<Digest> tag(RepositoryName repository, Tag tag) {
    return local.hosted(repository).tag(tag);
  }

  @Override
  public List<Tag> tags(RepositoryName repository) {
    return local.hosted(repository).allTags();
  }

  @Override
  public boolean deleteTag(RepositoryName repository, Tag tag) {
    return local.hosted(repository).removeTag(tag);
  }
}
