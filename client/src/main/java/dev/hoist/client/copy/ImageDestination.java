package dev.hoist.client.copy;

import dev.hoist.client.RegistryException;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * Where {@link ImageCopier} writes images to. A destination makes a manifest visible only when
 * {@link #putManifest} is called, which the copier does after everything the manifest refers to is
 * present.
 */
public interface ImageDestination {

  /** Whether the repository has this manifest (and so, by construction, all it refers to). */
  boolean hasManifest(RepositoryName repository, Digest digest)
      throws IOException, RegistryException;

  /** Whether the blob's bytes are present (a local store may link bytes another repo brought). */
  boolean hasBlob(RepositoryName repository, Descriptor blob) throws IOException, RegistryException;

  /** Stores a blob, verified against its digest and size; returns the bytes written. */
  long putBlob(RepositoryName repository, Descriptor blob, InputStream content)
      throws IOException, RegistryException;

  /** Stores a manifest and, when {@code tag} is not null, points the tag at it, in one step. */
  void putManifest(RepositoryName repository, Manifest manifest, Tag tag)
      throws IOException, RegistryException;

  /** What the tag points at here, or empty. */
  Optional<Digest> tag(RepositoryName repository, Tag tag) throws IOException, RegistryException;

  /**
   * Says that the source still points {@code tag} at {@code digest}, which is already here. The
   * mirror cache records the check (the tag is fresh again); others do nothing.
   */
  default void confirmTag(RepositoryName repository, Tag tag, Digest digest) {}

  /**
   * Whether referrers copied here can be listed by clients; when not, {@link ImageCopier} does not
   * ask the source for them (each costs a request).
   */
  default boolean keepsReferrers() {
    return true;
  }

  /** The destination's tags in the repository. */
  List<Tag> tags(RepositoryName repository) throws IOException, RegistryException;

  /** Removes a tag (the source no longer has it); returns whether it existed. */
  boolean deleteTag(RepositoryName repository, Tag tag) throws IOException, RegistryException;
}
