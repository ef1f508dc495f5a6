package dev.hoist.client.copy;

import dev.hoist.client.RegistryException;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.RepositoryName;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/** Where {@link ImageCopier} reads images from. */
public interface ImageSource {

  /** What a tag (or digest) names, by a HEAD for a registry; empty when there is no such thing. */
  Optional<Digest> resolve(RepositoryName repository, String tag)
      throws IOException, RegistryException;

  /** A manifest's raw bytes and media type, already checked against {@code digest}. */
  Fetched manifest(RepositoryName repository, Digest digest) throws IOException, RegistryException;

  /** A blob's bytes; the destination verifies them against the digest before committing. */
  InputStream blob(RepositoryName repository, Digest digest) throws IOException, RegistryException;

  /**
   * The referrers of a manifest (signatures, SBOMs, attestations whose {@code subject} it is), as
   * descriptors; empty when there are none or the source cannot say.
   */
  default List<Descriptor> referrers(RepositoryName repository, Digest subject)
      throws IOException, RegistryException {
    return List.of();
  }

  /** Every tag of the repository. */
  List<String> tags(RepositoryName repository) throws IOException, RegistryException;

  /** A manifest as fetched: its exact bytes and the media type it was served with. */
  record Fetched(byte[] bytes, String mediaType) {}
}
