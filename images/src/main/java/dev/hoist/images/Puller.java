package dev.hoist.images;

import dev.hoist.client.RegistryException;
import dev.hoist.images.ManifestResolver.Fetched;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageReference;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.Platform;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code hoist pull}: fetches an image into the {@link ImageStore}, trying each mirror and then the
 * origin registry.
 *
 * <ol>
 *   <li>The manifest (or index) is fetched from the first source that serves it; a source that
 *       refuses the connection, times out, answers with an error (5xx, 404, 429, 401, ...) or sends
 *       something that is not a manifest is skipped, and the output says so. For an index, the
 *       platform's manifest (or, with {@code --all-platforms}, every child) is fetched by digest
 *       the same way.
 *   <li>Config and layers are fetched concurrently, each from the first source that serves it in
 *       full. When a source breaks off part way, the next source continues from there ({@code
 *       Range}); when the bytes do not match their digest, the next source starts over, and a
 *       mirror that sent wrong bytes or could not be reached is not asked again during this pull. A
 *       blob already in the store is not fetched.
 *   <li>Every digest is checked: manifests by the client, blobs by the store's writer, and each
 *       layer's uncompressed content against the config's {@code diff_ids} while measuring its
 *       uncompressed size (gzip and tar layers).
 *   <li>Manifests go into the store after their blobs, and the name last, all under a {@link
 *       ImageStore#lease()}.
 * </ol>
 *
 * <p>When every source fails, the {@link ImageException} names each source and what it answered;
 * its kind follows the origin's answer (not found, authentication, network).
 *
 * <p>Step 1 is {@code ManifestResolver}'s, steps 2 and 3 are {@code BlobDownloader}'s, both over
 * the pull's {@code PullSources}; this class holds the lease, stores the manifests and names the
 * image.
 */
public final class Puller {
  private final ImageStore store;
  private final RegistryAccess access;
  private final Progress progress;
  private final int concurrency;
  private final InstantSource clock;

  public Puller(ImageStore store, RegistryAccess access, Progress progress, int concurrency) {
    this(store, access, progress, concurrency, InstantSource.system());
  }

  Puller(
      ImageStore store,
      RegistryAccess access,
      Progress progress,
      int concurrency,
      InstantSource clock) {
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be at least 1");
    }
    this.store = Objects.requireNonNull(store, "store");
    this.access = Objects.requireNonNull(access, "access");
    this.progress = Objects.requireNonNull(progress, "progress");
    this.concurrency = concurrency;
    this.clock = clock;
  }

  /**
   * What to pull.
   *
   * @param platform the platform to take from an index; null for the current one
   * @param allPlatforms every platform of an index
   * @param mirrors mirror URLs from the command line, tried before the configured ones
   */
  public record Options(Platform platform, boolean allPlatforms, List<String> mirrors) {
    public Options {
      mirrors = List.copyOf(mirrors);
    }

    public static Options defaults() {
      return new Options(null, false, List.of());
    }
  }

  /**
   * What a pull did.
   *
   * @param reference the name the image is stored under
   * @param repoDigest the digest the registry resolved the reference to
   * @param stored the manifest or index named in the store
   * @param updated false when the store already had this image under this name
   * @param manifestSource the source that served the (top) manifest
   * @param blobSources for every blob fetched, the source that served it
   */
  public record Result(
      ImageReference reference,
      Digest repoDigest,
      Descriptor stored,
      boolean updated,
      String manifestSource,
      Map<Digest, String> blobSources) {
    public Result {
      blobSources = Map.copyOf(blobSources);
    }
  }

  /** Pulls {@code reference} (with a tag or digest). */
  @SuppressWarnings("try") // the lease is held, not used
  public Result pull(ImageReference reference, Options options) throws ImageException {
    if (reference.tag() == null && reference.digest() == null) {
      throw new IllegalArgumentException("pull needs a tag or digest: " + reference);
    }
    Platform platform = options.platform() != null ? options.platform() : Platform.current();
    PullSources sources =
        new PullSources(reference, access.sourcesFor(reference, options.mirrors()), progress);
    BlobDownloader downloader = new BlobDownloader(store, sources, progress, concurrency);
    progress.println(
        (reference.digest() != null ? reference.digest().toString() : reference.tag().value())
            + ": Pulling from "
            + reference.repository().value());
    try (ImageStore.Lease lease = store.lease()) {
      return run(sources, downloader, platform, options.platform(), options.allPlatforms());
    } catch (IOException e) {
      throw new ImageException(
          ImageException.Kind.OTHER, "cannot write to the image store: " + e.getMessage(), e);
    } finally {
      downloader.close();
    }
  }

  /**
   * Resolves the manifests, stops there when the store has the image under this name already, else
   * downloads the blobs, stores the manifests after them and names the image last.
   */
  private Result run(
      PullSources sources,
      BlobDownloader downloader,
      Platform platform,
      Platform explicitPlatform,
      boolean allPlatforms)
      throws ImageException, IOException {
    ImageReference reference = sources.reference();
    ManifestResolver.Resolved resolved =
        new ManifestResolver(sources, progress).resolve(platform, allPlatforms);
    Fetched top = resolved.top();
    Digest repoDigest = top.manifest().digest();
    Descriptor target = resolved.target();

    Optional<ImageStore.Entry> existing = store.resolve(reference);
    if (existing.isPresent()
        && existing.get().descriptor().digest().equals(target.digest())
        && store.missing(existing.get().descriptor()).isEmpty()) {
      return new Result(
          reference,
          repoDigest,
          existing.get().descriptor(),
          false,
          top.source().label(),
          Map.of());
    }

    Map<Digest, Fetched> images = resolved.images();
    Platform mustMatch = top.manifest() instanceof ImageIndex ? null : explicitPlatform;
    long size = downloader.fetchAll(images.values(), mustMatch);
    Map<String, String> annotations = new LinkedHashMap<>(target.annotations());
    annotations.put(ImageStore.UNCOMPRESSED_SIZE, Long.toString(size));
    annotations.put(ImageStore.TAGGED_AT, clock.instant().toString());
    for (Fetched image : images.values()) {
      putManifest(image.manifest());
    }
    if (!images.containsKey(top.manifest().digest())) {
      putManifest(top.manifest());
    }
    target = withAnnotations(target, annotations);
    store.tag(reference, target);
    return new Result(
        reference, repoDigest, target, true, top.source().label(), sources.servedBy());
  }

  private void putManifest(Manifest m) throws IOException {
    store.writeBlob(m.digest(), new ByteArrayInputStream(m.raw()));
  }

  private static Descriptor withAnnotations(Descriptor d, Map<String, String> annotations) {
    return new Descriptor(
        d.mediaType(), d.digest(), d.size(), d.artifactType(), d.platform(), annotations, d.urls());
  }

  /** The exception's message without the action it starts with. */
  static String problem(RegistryException e) {
    String m = Objects.toString(e.getMessage(), "");
    String prefix = e.action() + ": ";
    return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
  }
}
