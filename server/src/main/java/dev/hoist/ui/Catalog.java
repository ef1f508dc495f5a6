package dev.hoist.ui;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageConfig;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.repository.ManifestReference;
import dev.hoist.repository.Namespace;
import dev.hoist.repository.Repository;
import dev.hoist.repository.RepositoryRequest;
import dev.hoist.storage.CacheRepositories;
import dev.hoist.storage.ManifestRecord;
import dev.hoist.storage.MetadataStore;
import dev.hoist.storage.MirrorTagState;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What the registry browser reads, for one viewer: repositories (hosted and the mirror's cache),
 * their tags, a manifest with what it references and what refers to it. Reads this node's stores
 * only (the local namespace), so browsing never asks an upstream and never counts as a pull. Every
 * method blocks.
 */
final class Catalog {
  /** Rows on one page of a listing. */
  static final int PAGE_SIZE = 50;

  /** At most this many names are looked at to answer a listing (a search scans them). */
  static final int MAX_SCANNED = 100_000;

  private static final int BATCH = 1000;

  /** A config blob larger than this is not read (history, platform): configs are a few KiB. */
  private static final int MAX_CONFIG = 1024 * 1024;

  record RepositoryRow(RepositoryName name, boolean mirrored) {}

  /**
   * One page of a listing.
   *
   * @param page the page shown, 1-based, within 1..pages
   * @param pages how many pages there are (at least 1)
   * @param total how many rows the listing has
   * @param truncated whether more names exist than were scanned
   */
  record Listing<T>(List<T> rows, int page, int pages, int total, boolean truncated) {}

  /**
   * A tag and the image it points at.
   *
   * @param size the manifest, its config and its layers (for an index: of every child stored here)
   * @param platforms {@code os/arch[/variant]} of each image
   * @param created when this repository received the manifest
   */
  record TagRow(Tag tag, Digest digest, long size, List<String> platforms, Instant created) {}

  /**
   * A manifest as the manifest page shows it.
   *
   * @param config the image's config, or null (an index, a config that is not stored, an artifact)
   * @param referrers manifests whose subject this one is (signatures, SBOMs)
   */
  record ManifestView(
      RepositoryName name,
      boolean mirrored,
      ManifestRecord record,
      Manifest manifest,
      ImageConfig config,
      List<ManifestRecord> referrers) {}

  private final MetadataStore store;
  private final Namespace local;
  private final CacheRepositories cache;

  Catalog(MetadataStore store, Namespace local, CacheRepositories cache) {
    this.store = store;
    this.local = local;
    this.cache = cache;
  }

  boolean mirrored(RepositoryName name) {
    return cache.contains(name);
  }

  /** Page {@code page} of the repositories whose name contains {@code query} that may be read. */
  Listing<RepositoryRow> repositories(ViewerAccess.Readable readable, String query, int page) {
    String q = query == null ? "" : query.trim().toLowerCase(Locale.ROOT);
    List<RepositoryRow> matching = new ArrayList<>();
    RepositoryName last = null;
    int scanned = 0;
    boolean truncated = false;
    while (true) {
      RepositoryName after = last;
      List<RepositoryName> batch = store.read(tx -> tx.repositories(after, BATCH));
      for (RepositoryName name : batch) {
        boolean mirrored = mirrored(name);
        if (name.value().contains(q) && readable.mayPull(name, mirrored)) {
          matching.add(new RepositoryRow(name, mirrored));
        }
      }
      scanned += batch.size();
      if (batch.size() < BATCH) {
        break;
      }
      if (scanned >= MAX_SCANNED) {
        truncated = true;
        break;
      }
      last = batch.get(batch.size() - 1);
    }
    return page(matching, page, truncated);
  }

  /**
   * Whether the repository exists and may be read: what every page of a repository asks first (a
   * hidden one is as missing as an absent one).
   */
  boolean visible(ViewerAccess.Readable readable, RepositoryName name) {
    return readable.mayPull(name, mirrored(name)) && store.read(tx -> tx.repositoryExists(name));
  }

  /** Page {@code page} of a repository's tags (a cache repository's: what upstreams said). */
  Listing<TagRow> tags(RepositoryName name, int page) throws IOException {
    List<Tag> all = new ArrayList<>();
    boolean truncated = false;
    if (mirrored(name)) {
      for (MirrorTagState state : store.read(tx -> tx.mirrorTags(name))) {
        if (!state.absent()) {
          all.add(state.tag());
        }
      }
      all.sort(null);
    } else {
      Tag last = null;
      while (true) {
        Tag after = last;
        List<Tag> batch = store.read(tx -> tx.tags(name, after, BATCH));
        all.addAll(batch);
        if (batch.size() < BATCH) {
          break;
        }
        if (all.size() >= MAX_SCANNED) {
          truncated = true;
          break;
        }
        last = batch.get(batch.size() - 1);
      }
    }
    Listing<Tag> tags = page(all, page, truncated);
    List<TagRow> rows = new ArrayList<>();
    for (Tag tag : tags.rows()) {
      Optional<TagRow> row = tagRow(name, tag);
      row.ifPresent(rows::add);
    }
    return new Listing<>(rows, tags.page(), tags.pages(), tags.total(), truncated);
  }

  private Optional<TagRow> tagRow(RepositoryName name, Tag tag) throws IOException {
    Optional<Digest> digest =
        mirrored(name)
            ? store.read(tx -> tx.mirrorTag(name, tag)).map(MirrorTagState::digest)
            : store.read(tx -> tx.tag(name, tag));
    if (digest.isEmpty()) {
      return Optional.empty();
    }
    Optional<ManifestRecord> record = store.read(tx -> tx.manifest(name, digest.get()));
    if (record.isEmpty()) {
      return Optional.empty();
    }
    Repository repository = local.repository(RepositoryRequest.internal(name));
    Manifest manifest = manifest(repository, record.get());
    long size = record.get().size();
    LinkedHashSet<String> platforms = new LinkedHashSet<>();
    if (manifest instanceof ImageIndex index) {
      for (Descriptor child : index.manifests()) {
        if (child.platform() != null) {
          platforms.add(child.platform().toString());
        }
        Optional<ManifestRecord> childRecord = store.read(tx -> tx.manifest(name, child.digest()));
        if (childRecord.isPresent()
            && manifest(repository, childRecord.get()) instanceof ImageManifest image) {
          size += child.size() + imageSize(image);
        }
      }
    } else if (manifest instanceof ImageManifest image) {
      size += imageSize(image);
      ImageConfig config = config(repository, image);
      if (config != null) {
        platforms.add(config.platform().toString());
      }
    }
    return Optional.of(
        new TagRow(tag, digest.get(), size, List.copyOf(platforms), record.get().created()));
  }

  /** The manifest {@code digest} of the repository, with its config and referrers; or empty. */
  Optional<ManifestView> manifest(RepositoryName name, Digest digest) throws IOException {
    Optional<ManifestRecord> record = store.read(tx -> tx.manifest(name, digest));
    if (record.isEmpty()) {
      return Optional.empty();
    }
    Repository repository = local.repository(RepositoryRequest.internal(name));
    Manifest manifest = manifest(repository, record.get());
    ImageConfig config = manifest instanceof ImageManifest image ? config(repository, image) : null;
    List<ManifestRecord> referrers = store.read(tx -> tx.referrers(name, digest, null));
    return Optional.of(
        new ManifestView(name, mirrored(name), record.get(), manifest, config, referrers));
  }

  /** The tag's digest in a repository (a cache repository's: the upstream's last answer). */
  Optional<Digest> tag(RepositoryName name, Tag tag) {
    return mirrored(name)
        ? store.read(tx -> tx.mirrorTag(name, tag)).map(MirrorTagState::digest)
        : store.read(tx -> tx.tag(name, tag));
  }

  private static long imageSize(ImageManifest image) {
    long size = image.config().size();
    for (Descriptor layer : image.layers()) {
      size += layer.size();
    }
    return size;
  }

  private static Manifest manifest(Repository repository, ManifestRecord record)
      throws IOException {
    var content =
        repository.manifests().get(new ManifestReference.ByDigest(record.digest()), false);
    try (InputStream in = content.body().openStream(0, content.size())) {
      byte[] raw = in.readNBytes((int) Math.min(content.size(), Manifest.MAX_BYTES));
      return Manifest.parse(raw, record.mediaType(), record.digest());
    }
  }

  /** The image's config when it is stored here, parses and is small; else null. */
  private static ImageConfig config(Repository repository, ImageManifest image) {
    Descriptor config = image.config();
    boolean imageConfig =
        MediaTypes.OCI_CONFIG.equals(config.mediaType())
            || MediaTypes.DOCKER_CONFIG.equals(config.mediaType());
    if (config.size() > MAX_CONFIG || !imageConfig) {
      return null;
    }
    try {
      var content = repository.blobs().get(config.digest(), false);
      if (content.body() == null) {
        return null;
      }
      try (InputStream in = content.body().openStream(0, content.size())) {
        return ImageConfig.parse(in.readNBytes((int) config.size()));
      }
    } catch (IOException | RuntimeException e) {
      // Not stored (a mirror fills configs when they are pulled), or not an image config.
      return null;
    }
  }

  private static <T> Listing<T> page(List<T> all, int requested, boolean truncated) {
    int pages = Math.max(1, (all.size() + PAGE_SIZE - 1) / PAGE_SIZE);
    int page = Math.clamp(requested, 1, pages);
    int from = (page - 1) * PAGE_SIZE;
    List<T> rows = all.subList(Math.min(from, all.size()), Math.min(from + PAGE_SIZE, all.size()));
    return new Listing<>(List.copyOf(rows), page, pages, all.size(), truncated);
  }
}
