package dev.hoist.client.copy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.client.RegistryClient;
import dev.hoist.client.RegistryException;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A registry as a destination. Presence is checked with {@code HEAD}; blobs are pushed (verified by
 * the registry against their digest); a manifest is put by digest, or by tag for the tagged
 * top-level one, which the registry accepts only when everything it refers to is there.
 *
 * <p>A manifest with a {@code subject} (a referrer) that the registry does not index itself (its
 * answer has no {@code OCI-Subject}, as with Distribution 2.8) is added to the subject's referrers
 * tag ({@link ReferrersTag}), as OCI 1.1 asks of clients, so that tools reading that tag find it.
 */
public final class RegistryDestination implements ImageDestination {
  private static final ObjectMapper JSON = new ObjectMapper();

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
    RegistryClient.PushedManifest pushed =
        client.pushManifest(repository, reference, manifest.raw(), manifest.mediaType());
    if (manifest.subject().isPresent() && !pushed.subjectIndexed()) {
      addToReferrersTag(repository, manifest.subject().get().digest(), manifest.descriptor());
    }
  }

  /** Adds {@code referrer} to the referrers tag of {@code subject}, creating it when absent. */
  private void addToReferrersTag(RepositoryName repository, Digest subject, Descriptor referrer)
      throws RegistryException {
    String tag = ReferrersTag.of(subject).value();
    ObjectNode index;
    if (client.headManifest(repository, tag).isPresent()) {
      byte[] bytes = client.getManifest(repository, tag, List.of(MediaTypes.OCI_INDEX)).bytes();
      try {
        index = (ObjectNode) JSON.readTree(bytes);
      } catch (IOException | ClassCastException e) {
        throw new IllegalStateException("the referrers tag " + tag + " is not an index", e);
      }
      for (JsonNode d : index.path("manifests")) {
        if (referrer.digest().toString().equals(d.path("digest").asText())) {
          return;
        }
      }
    } else {
      index = JSON.createObjectNode();
      index.put("schemaVersion", 2);
      index.put("mediaType", MediaTypes.OCI_INDEX);
      index.putArray("manifests");
    }
    JsonNode manifests = index.get("manifests");
    ArrayNode list = manifests instanceof ArrayNode a ? a : index.putArray("manifests");
    ObjectNode d = list.addObject();
    d.put("mediaType", referrer.mediaType());
    d.put("digest", referrer.digest().toString());
    d.put("size", referrer.size());
    if (referrer.artifactType() != null) {
      d.put("artifactType", referrer.artifactType());
    }
    if (!referrer.annotations().isEmpty()) {
      ObjectNode annotations = d.putObject("annotations");
      referrer.annotations().forEach(annotations::put);
    }
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(index);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    client.putManifest(repository, tag, bytes, MediaTypes.OCI_INDEX);
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
