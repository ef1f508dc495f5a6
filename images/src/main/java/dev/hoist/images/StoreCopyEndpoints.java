package dev.hoist.images;

import dev.hoist.client.copy.ImageDestination;
import dev.hoist.client.copy.ImageSource;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageReference;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The local image store as a source or destination of {@code ImageCopier} (what {@code hoist copy
 * local:…} uses), so that copies to and from it follow the same rules as registry copies. The
 * copier speaks of repositories; the store names images by full reference, so each endpoint is
 * bound to the registry part of the names it reads or writes ({@code docker.io} for {@code
 * local:alpine}).
 *
 * <ul>
 *   <li>Source: a tag resolves to the entry of that name (for a platform pulled out of an index,
 *       the platform's manifest); a digest to a stored manifest. The store keeps no referrers.
 *   <li>Destination: blobs are written verified; a tagged manifest is named only when everything it
 *       refers to is stored, so an interrupted copy leaves unnamed blobs that the next copy reuses
 *       (or the store's garbage collection removes). Garbage collection is held off until {@link
 *       Destination#close()}. Referrers are not copied here: the store could not list them.
 * </ul>
 */
public final class StoreCopyEndpoints {
  private StoreCopyEndpoints() {}

  /** The store's images named under {@code registry} as a copy source. */
  public static ImageSource source(ImageStore store, String registry) {
    return new Source(store, registry);
  }

  /** The store as a copy destination naming images under {@code registry}; close it when done. */
  public static Destination destination(ImageStore store, String registry) throws IOException {
    return new Destination(store, registry, store.lease());
  }

  private static ImageReference name(String registry, RepositoryName repository, Tag tag) {
    return new ImageReference(registry, repository, tag, null);
  }

  private static List<ImageStore.Entry> entries(
      ImageStore store, String registry, RepositoryName repository) throws IOException {
    List<ImageStore.Entry> out = new ArrayList<>();
    for (ImageStore.Entry e : store.list()) {
      ImageReference r = e.reference();
      if (r != null
          && r.tag() != null
          && r.registry().equals(registry)
          && r.repository().equals(repository)) {
        out.add(e);
      }
    }
    return out;
  }

  private record Source(ImageStore store, String registry) implements ImageSource {
    @Override
    public Optional<Digest> resolve(RepositoryName repository, String reference)
        throws IOException {
      if (reference.indexOf(':') >= 0) {
        Digest digest = Digest.parse(reference);
        Optional<ImageStore.Entry> entry =
            store.resolve(new ImageReference(registry, repository, null, digest));
        if (entry.isPresent()) {
          return Optional.of(entry.get().descriptor().digest());
        }
        return store.hasBlob(digest) ? Optional.of(digest) : Optional.empty();
      }
      return store
          .resolve(name(registry, repository, Tag.of(reference)))
          .map(e -> e.descriptor().digest());
    }

    @Override
    public Fetched manifest(RepositoryName repository, Digest digest) throws IOException {
      byte[] bytes = store.readBlob(digest);
      // The document says what it is; the store keeps no media type beside the bytes.
      Manifest manifest = Manifest.parse(bytes, null, digest);
      return new Fetched(bytes, manifest.mediaType());
    }

    @Override
    public InputStream blob(RepositoryName repository, Digest digest) throws IOException {
      return store.openBlob(digest);
    }

    @Override
    public List<String> tags(RepositoryName repository) throws IOException {
      List<String> out = new ArrayList<>();
      for (ImageStore.Entry e : entries(store, registry, repository)) {
        out.add(e.reference().tag().value());
      }
      return out;
    }
  }

  /** The store as a destination; holds a garbage-collection lease until closed. */
  public static final class Destination implements ImageDestination, AutoCloseable {
    private final ImageStore store;
    private final String registry;
    private final ImageStore.Lease lease;

    private Destination(ImageStore store, String registry, ImageStore.Lease lease) {
      this.store = store;
      this.registry = registry;
      this.lease = lease;
    }

    @Override
    public boolean hasManifest(RepositoryName repository, Digest digest) throws IOException {
      if (!store.hasBlob(digest)) {
        return false;
      }
      Manifest manifest = Manifest.parse(store.readBlob(digest), null, digest);
      return store.missing(manifest.descriptor()).isEmpty();
    }

    @Override
    public boolean hasBlob(RepositoryName repository, Descriptor blob) {
      return store.hasBlob(blob.digest());
    }

    @Override
    public long putBlob(RepositoryName repository, Descriptor blob, InputStream content)
        throws IOException {
      return store.writeBlob(blob.digest(), content);
    }

    @Override
    public void putManifest(RepositoryName repository, Manifest manifest, Tag tag)
        throws IOException {
      if (tag != null && manifest instanceof ImageIndex) {
        // The store names complete images only; a platform-filtered index is not one.
        List<Digest> missing = new ArrayList<>();
        for (Descriptor child : manifest.references()) {
          if (!store.hasBlob(child.digest())) {
            missing.add(child.digest());
          }
        }
        if (!missing.isEmpty()) {
          throw new IOException(
              "the local store names only complete images, and "
                  + missing.size()
                  + " platform(s) of this index were not copied; copy every platform, or use"
                  + " 'hoist pull --platform' to store one platform's image");
        }
      }
      store.writeBlob(manifest.digest(), new java.io.ByteArrayInputStream(manifest.raw()));
      if (tag != null) {
        store.tag(name(registry, repository, tag), manifest.descriptor());
      }
    }

    @Override
    public Optional<Digest> tag(RepositoryName repository, Tag tag) throws IOException {
      return store.resolve(name(registry, repository, tag)).map(e -> e.descriptor().digest());
    }

    @Override
    public boolean keepsReferrers() {
      return false;
    }

    @Override
    public List<Tag> tags(RepositoryName repository) throws IOException {
      List<Tag> out = new ArrayList<>();
      for (ImageStore.Entry e : entries(store, registry, repository)) {
        out.add(e.reference().tag());
      }
      return out;
    }

    @Override
    public boolean deleteTag(RepositoryName repository, Tag tag) throws IOException {
      return store.untag(name(registry, repository, tag)).isPresent();
    }

    /** Names an image copied by digest (the copier leaves those unnamed) by its digest. */
    public void nameByDigest(RepositoryName repository, Digest digest) throws IOException {
      Manifest manifest = Manifest.parse(store.readBlob(digest), null, digest);
      store.tag(new ImageReference(registry, repository, null, digest), manifest.descriptor());
    }

    @Override
    public void close() {
      lease.close();
    }
  }
}
