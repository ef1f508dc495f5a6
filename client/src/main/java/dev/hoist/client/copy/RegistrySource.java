package dev.hoist.client.copy;

import dev.hoist.client.ManifestResponse;
import dev.hoist.client.RegistryClient;
import dev.hoist.client.RegistryException;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.RepositoryName;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * A registry as a source, through a {@link RegistryClient} (so its auth, retries and circuit
 * breaker apply), every request passing through a {@link RequestGate}.
 *
 * <p>Referrers come from the referrers API; once the registry has answered that it has none (404,
 * as Distribution 2.8 does), this source reads the referrers tag ({@link ReferrersTag}) instead,
 * with a {@code HEAD} first so that a missing tag costs no counted pull.
 */
public final class RegistrySource implements ImageSource {
  private final RegistryClient client;
  private final RequestGate budget;
  // Learned once per source: asking an API the registry lacks for every image wastes requests.
  private volatile boolean referrersApiMissing;

  public RegistrySource(RegistryClient client, RequestGate budget) {
    this.client = client;
    this.budget = budget;
  }

  public RegistrySource(RegistryClient client) {
    this(client, RequestGate.NONE);
  }

  @Override
  public Optional<Digest> resolve(RepositoryName repository, String tag)
      throws IOException, RegistryException {
    try (RequestGate.Permit p = budget.acquire()) {
      return client.headManifest(repository, tag).map(ManifestResponse::digest);
    }
  }

  @Override
  public Fetched manifest(RepositoryName repository, Digest digest)
      throws IOException, RegistryException {
    try (RequestGate.Permit p = budget.acquire()) {
      ManifestResponse r =
          client.getManifest(repository, digest.toString(), MediaTypes.MANIFEST_TYPES);
      return new Fetched(r.bytes(), r.mediaType());
    }
  }

  @Override
  public InputStream blob(RepositoryName repository, Digest digest)
      throws IOException, RegistryException {
    RequestGate.Permit p = budget.acquire();
    try {
      // The concurrency slot is held until the body has been read.
      return p.heldUntilClosed(client.getBlob(repository, digest, 0).stream());
    } catch (RegistryException | RuntimeException e) {
      p.close();
      throw e;
    }
  }

  @Override
  public List<Descriptor> referrers(RepositoryName repository, Digest subject)
      throws IOException, RegistryException {
    if (!referrersApiMissing) {
      Optional<List<Descriptor>> listed;
      try (RequestGate.Permit p = budget.acquire()) {
        listed = client.referrers(repository, subject);
      }
      if (listed.isPresent()) {
        return listed.get();
      }
      referrersApiMissing = true;
    }
    String tag = ReferrersTag.of(subject).value();
    Optional<ManifestResponse> head;
    try (RequestGate.Permit p = budget.acquire()) {
      head = client.headManifest(repository, tag);
    }
    if (head.isEmpty()) {
      return List.of();
    }
    ManifestResponse index;
    try (RequestGate.Permit p = budget.acquire()) {
      index = client.getManifest(repository, tag, List.of(MediaTypes.OCI_INDEX));
    }
    Manifest parsed;
    try {
      parsed = Manifest.parse(index.bytes(), index.mediaType(), index.digest());
    } catch (RuntimeException e) {
      throw new IOException(
          "the referrers tag " + tag + " of " + repository + " is not an index: " + e.getMessage(),
          e);
    }
    return parsed instanceof ImageIndex ? parsed.references() : List.of();
  }

  @Override
  public List<String> tags(RepositoryName repository) throws IOException, RegistryException {
    try (RequestGate.Permit p = budget.acquire()) {
      return client.tags(repository);
    }
  }
}
