package dev.hoist.images;

import dev.hoist.client.BlobResponse;
import dev.hoist.client.ManifestResponse;
import dev.hoist.client.RegistryException;
import dev.hoist.images.RegistryAccess.Source;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestMismatchException;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.ImageConfig;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.ImageReference;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.OciException;
import dev.hoist.oci.Platform;
import dev.hoist.oci.RepositoryName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

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
    List<Source> sources = access.sourcesFor(reference, options.mirrors());
    Pull pull = new Pull(reference, sources);
    progress.println(
        (reference.digest() != null ? reference.digest().toString() : reference.tag().value())
            + ": Pulling from "
            + reference.repository().value());
    try (ImageStore.Lease lease = store.lease()) {
      return pull.run(platform, options.platform(), options.allPlatforms());
    } catch (IOException e) {
      throw new ImageException(
          ImageException.Kind.OTHER, "cannot write to the image store: " + e.getMessage(), e);
    } finally {
      pull.close();
    }
  }

  /** One pull's state: its sources and which of them are no longer asked. */
  private final class Pull implements AutoCloseable {
    private final ImageReference reference;
    private final RepositoryName repository;
    private final List<Source> sources;
    private final Set<Source> skipped = ConcurrentHashMap.newKeySet();
    private final Map<Digest, String> servedBy = new ConcurrentHashMap<>();
    private ExecutorService pool;

    Pull(ImageReference reference, List<Source> sources) {
      this.reference = reference;
      this.repository = reference.repository();
      this.sources = sources;
    }

    Result run(Platform platform, Platform explicitPlatform, boolean allPlatforms)
        throws ImageException, IOException {
      Fetched top = fetchManifest(reference.manifestReference(), reference.digest());
      progress.println("Manifest " + top.manifest.digest() + " from " + top.source);
      Digest repoDigest = top.manifest.digest();

      // The image manifests to complete, and what to name.
      Map<Digest, Fetched> children = new LinkedHashMap<>();
      Descriptor target;
      Map<String, String> annotations = new LinkedHashMap<>();
      annotations.put(ImageStore.REPO_DIGEST, repoDigest.toString());
      if (top.manifest instanceof ImageIndex index) {
        if (allPlatforms) {
          for (Descriptor d : index.manifests()) {
            if (!MediaTypes.isImageManifest(d.mediaType())) {
              throw new ImageException(
                  ImageException.Kind.OTHER,
                  reference.familiar() + ": nested index " + d.digest() + " is not supported");
            }
            children.put(d.digest(), fetchManifest(d.digest().toString(), d.digest()));
          }
          target = describe(index, null, annotations);
        } else {
          Descriptor chosen =
              index
                  .select(platform)
                  .orElseThrow(
                      () ->
                          new ImageException(
                              ImageException.Kind.NOT_FOUND,
                              "no matching manifest for "
                                  + platform
                                  + " in the manifest list entries of "
                                  + reference.familiar()));
          Fetched child = fetchManifest(chosen.digest().toString(), chosen.digest());
          if (!(child.manifest instanceof ImageManifest)) {
            throw new ImageException(
                ImageException.Kind.OTHER,
                reference.familiar() + ": nested index " + chosen.digest() + " is not supported");
          }
          children.put(chosen.digest(), child);
          target = describe(child.manifest, chosen.platform(), annotations);
        }
      } else {
        children.put(top.manifest.digest(), top);
        target = describe(top.manifest, null, annotations);
      }

      Optional<ImageStore.Entry> existing = store.resolve(reference);
      if (existing.isPresent()
          && existing.get().descriptor().digest().equals(target.digest())
          && store.missing(existing.get().descriptor()).isEmpty()) {
        return new Result(
            reference,
            repoDigest,
            existing.get().descriptor(),
            false,
            top.source.label(),
            Map.of());
      }

      Platform mustMatch = top.manifest instanceof ImageIndex ? null : explicitPlatform;
      long size = fetchBlobs(children.values(), mustMatch);
      annotations.put(ImageStore.UNCOMPRESSED_SIZE, Long.toString(size));
      annotations.put(ImageStore.TAGGED_AT, clock.instant().toString());
      for (Fetched child : children.values()) {
        putManifest(child.manifest);
      }
      if (!children.containsKey(top.manifest.digest())) {
        putManifest(top.manifest);
      }
      target = withAnnotations(target, annotations);
      store.tag(reference, target);
      return new Result(reference, repoDigest, target, true, top.source.label(), servedBy);
    }

    /**
     * Configs and layers of every image, concurrently; returns the uncompressed size. A single
     * image pulled with an explicit platform must be for that platform.
     */
    private long fetchBlobs(java.util.Collection<Fetched> images, Platform mustMatch)
        throws ImageException, IOException {
      Map<Digest, Descriptor> configs = new LinkedHashMap<>();
      Map<Digest, Descriptor> layers = new LinkedHashMap<>();
      Set<Digest> imageLayers = new java.util.HashSet<>(); // not attestations' or artifacts'
      for (Fetched f : images) {
        ImageManifest m = (ImageManifest) f.manifest;
        configs.putIfAbsent(m.config().digest(), m.config());
        boolean image = isImageConfig(m.config());
        for (Descriptor l : m.layers()) {
          layers.putIfAbsent(l.digest(), l);
          if (image) {
            imageLayers.add(l.digest());
          }
        }
      }
      pool =
          Executors.newFixedThreadPool(
              concurrency, Thread.ofPlatform().name("hoist-pull-", 1).daemon().factory());
      // The configs download beside the layers, not before them: a layer needs its config's
      // diff_id only once it is down, so a pull does not wait a round trip (or, from a far
      // registry, a token and a redirect) before its first layer starts. Submitted first, the
      // configs' task never waits behind a layer's.
      Future<Map<Digest, Digest>> diffIdsFetched =
          pool.submit(
              () -> {
                for (Descriptor c : configs.values()) {
                  if (!store.hasBlob(c.digest())) {
                    fetchBlob(c, null);
                  }
                }
                return diffIds(images, mustMatch);
              });
      List<Progress.Line> lines = new ArrayList<>();
      List<Descriptor> order = new ArrayList<>(layers.values());
      int waiting = 0;
      for (Descriptor l : order) {
        if (store.hasBlob(l.digest())) {
          lines.add(progress.line(l.digest().encoded(), "Already exists"));
        } else {
          Progress.Line line = progress.line(l.digest().encoded(), "Pulling fs layer");
          lines.add(line);
          if (waiting++ >= concurrency) {
            line.status("Waiting");
          }
        }
      }
      List<Future<Downloaded>> downloads = new ArrayList<>();
      for (int i = 0; i < order.size(); i++) {
        Descriptor l = order.get(i);
        Progress.Line line = lines.get(i);
        downloads.add(
            pool.submit(
                () -> {
                  boolean had = store.hasBlob(l.digest());
                  LayerMeasure measure = had ? null : fetchBlob(l, line);
                  if (measure == null) {
                    measure = LayerMeasure.of(store, l.mediaType(), l.digest());
                  }
                  return new Downloaded(measure, !had);
                }));
      }
      long total = 0;
      try {
        // Checked here, not in the download tasks: a task waiting for the configs would hold a
        // download slot while they come.
        Map<Digest, Digest> diffIds = diffIdsFetched.get();
        for (int i = 0; i < order.size(); i++) {
          Descriptor l = order.get(i);
          Downloaded done = downloads.get(i).get();
          LayerMeasure measure = done.measure();
          Digest expected = diffIds.get(l.digest());
          if (expected != null && measure.diffId() != null && !expected.equals(measure.diffId())) {
            throw new ImageException(
                ImageException.Kind.OTHER,
                "layer "
                    + l.digest()
                    + " of "
                    + reference.familiar()
                    + " does not match its diff_id "
                    + expected
                    + " (uncompressed content is "
                    + measure.diffId()
                    + ")");
          }
          if (done.fetched()) {
            lines.get(i).status("Pull complete");
          }
          total += imageLayers.contains(l.digest()) ? measure.uncompressedSize() : 0L;
        }
      } catch (ExecutionException e) {
        pool.shutdownNow();
        Throwable c = e.getCause();
        if (c instanceof ImageException ie) {
          throw ie;
        }
        if (c instanceof IOException io) {
          throw io;
        }
        if (c instanceof UncheckedIOException u) {
          throw u.getCause();
        }
        throw new ImageException(ImageException.Kind.OTHER, "pull failed: " + c, c);
      } catch (ImageException e) {
        pool.shutdownNow();
        throw e;
      } catch (InterruptedException e) {
        pool.shutdownNow();
        Thread.currentThread().interrupt();
        throw new ImageException(ImageException.Kind.OTHER, "interrupted", e);
      }
      return total;
    }

    /** Whether a manifest's config is an image's (not an artifact's): its layers have diff_ids. */
    private static boolean isImageConfig(Descriptor config) {
      return MediaTypes.OCI_CONFIG.equals(config.mediaType())
          || MediaTypes.DOCKER_CONFIG.equals(config.mediaType());
    }

    /** A layer in the store, measured; fetched when this pull downloaded it. */
    private record Downloaded(LayerMeasure measure, boolean fetched) {}

    /**
     * The diff_id of every image layer, from its image's config (stored by now); checks a single
     * image pulled with an explicit platform is for that platform.
     */
    private Map<Digest, Digest> diffIds(java.util.Collection<Fetched> images, Platform mustMatch)
        throws ImageException, IOException {
      Map<Digest, Digest> diffIds = new LinkedHashMap<>();
      for (Fetched f : images) {
        ImageManifest m = (ImageManifest) f.manifest;
        if (!isImageConfig(m.config())) {
          continue; // an artifact: no diff_ids to check
        }
        ImageConfig config;
        try {
          config = store.readConfig(m.config().digest());
        } catch (IllegalArgumentException e) {
          throw new ImageException(
              ImageException.Kind.OTHER,
              reference.familiar()
                  + ": its config "
                  + m.config().digest()
                  + " is invalid: "
                  + e.getMessage());
        }
        if (mustMatch != null && !config.platform().matches(mustMatch)) {
          throw new ImageException(
              ImageException.Kind.NOT_FOUND,
              "image with reference "
                  + reference.familiar()
                  + " was found but does not match the specified platform: wanted "
                  + mustMatch
                  + ", actual: "
                  + config.platform());
        }
        if (config.diffIds().size() == m.layers().size()) {
          for (int i = 0; i < m.layers().size(); i++) {
            diffIds.putIfAbsent(m.layers().get(i).digest(), config.diffIds().get(i));
          }
        }
      }
      return diffIds;
    }

    /**
     * Downloads a blob into the store, trying each source in turn; returns the layer's measure,
     * taken while it downloaded, or null when there is none (not a layer, or another compression).
     */
    private LayerMeasure fetchBlob(Descriptor d, Progress.Line line)
        throws ImageException, IOException {
      List<String> failures = new ArrayList<>();
      RegistryException lastOrigin = null;
      StreamingMeasure measure = StreamingMeasure.forMediaType(d.mediaType());
      try (BlobWriter w = store.newBlobWriter(d.digest(), d.size())) {
        w.observe(measure);
        sources:
        for (int i = 0; i < sources.size(); i++) {
          Source s = sources.get(i);
          boolean last = i == sources.size() - 1;
          if (skipped.contains(s)) {
            continue;
          }
          // The origin, as the last resort, gets a few tries to resume a broken transfer.
          for (int attempt = 1; ; attempt++) {
            long offset = w.size();
            if (line != null && offset > 0) {
              line.status("Resuming", "from " + s + " at " + HumanUnits.transferSize(offset));
            }
            // The store's writer hashes every byte and checks the digest at commit, so the
            // client's stream need not hash them too.
            try (BlobResponse r = s.client().getBlobUnverified(repository, d.digest(), offset)) {
              if (line != null) {
                line.progress("Downloading", w.size(), d.size());
              }
              try {
                w.transferFrom(
                    r.stream(),
                    line == null ? null : n -> line.progress("Downloading", n, d.size()));
              } catch (DigestMismatchException e) {
                if (e.expectedSize() >= 0 && e.actualSize() < e.expectedSize()) {
                  // Only fewer bytes than promised: the connection ended early. Keep them.
                  throw new IOException("the body ended after " + w.size() + " bytes", e);
                }
                throw e;
              }
              if (d.size() >= 0 && w.size() < d.size()) {
                // Fewer bytes than promised: the connection ended early. Keep them and resume.
                throw new IOException("the body ended after " + w.size() + " bytes");
              }
              if (line != null) {
                line.status("Verifying Checksum");
              }
              w.commit();
              servedBy.put(d.digest(), s.label());
              if (line != null) {
                line.status("Download complete", "from " + s);
              }
              break sources;
            } catch (DigestMismatchException e) {
              w.reset();
              failures.add(s + ": sent bytes that do not match " + d.digest());
              if (s.mirror()) {
                skipped.add(s);
                note(line, s, "sent bytes that do not match the digest");
              }
              break;
            } catch (RegistryException e) {
              if (e.code() == ErrorCode.DIGEST_INVALID) {
                w.reset();
              }
              failures.add(s + ": " + problem(e));
              if (s.mirror()) {
                if (unreachable(e) || e.code() == ErrorCode.DIGEST_INVALID) {
                  skipped.add(s);
                }
                note(line, s, problem(e));
              } else {
                lastOrigin = e;
              }
              break;
            } catch (IOException e) {
              // The connection broke part way: keep what arrived, go on from there.
              failures.add(
                  s + ": transfer broke off after " + w.size() + " bytes: " + e.getMessage());
              if (last && attempt < 3 && w.size() > offset) {
                continue;
              }
              if (s.mirror()) {
                note(line, s, "transfer broke off");
              }
              break;
            }
          }
        }
        if (!w.committed()) {
          throw allFailed("blob " + d.digest(), lastOrigin, failures);
        }
        return measure == null ? null : measure.finish();
      } finally {
        if (measure != null) {
          measure.close();
        }
      }
    }

    private void note(Progress.Line line, Source s, String what) {
      if (line != null) {
        line.status("Retrying", "(" + s + ": " + shorten(what) + ")");
      } else {
        progress.println(s + " failed: " + shorten(what) + "; trying the next source");
      }
    }

    /** A manifest or index from the first source that serves it. */
    private Fetched fetchManifest(String ref, Digest expected) throws ImageException {
      List<String> failures = new ArrayList<>();
      RegistryException lastOrigin = null;
      for (Source s : sources) {
        if (skipped.contains(s)) {
          continue;
        }
        try {
          ManifestResponse r = s.client().getManifest(repository, ref, List.of());
          Manifest m =
              expected != null
                  ? Manifest.parse(r.bytes(), r.mediaType(), expected)
                  : Manifest.parse(r.bytes(), r.mediaType(), r.digest());
          return new Fetched(m, s);
        } catch (RegistryException e) {
          failures.add(s + ": " + problem(e));
          if (s.mirror()) {
            if (unreachable(e)) {
              skipped.add(s);
            }
            progress.println(s + " failed: " + shorten(problem(e)) + "; trying the next source");
          } else {
            lastOrigin = e;
          }
        } catch (OciException | IllegalArgumentException e) {
          failures.add(s + ": sent an unusable manifest: " + e.getMessage());
          if (s.mirror()) {
            skipped.add(s);
            progress.println(s + " failed: sent an unusable manifest; trying the next source");
          } else {
            throw new ImageException(
                ImageException.Kind.OTHER,
                reference.familiar()
                    + ": the registry sent an unusable manifest: "
                    + e.getMessage(),
                e);
          }
        }
      }
      String what =
          expected == null && reference.tag() != null && ref.equals(reference.tag().value())
              ? "tag '" + ref + "'"
              : ref;
      throw allFailed("manifest " + what, lastOrigin, failures);
    }

    private ImageException allFailed(String what, RegistryException origin, List<String> failures) {
      String where = reference.canonicalName();
      ImageException.Kind kind = ImageException.Kind.NETWORK;
      String summary;
      if (origin != null && isNotFound(origin.code())) {
        kind = ImageException.Kind.NOT_FOUND;
        summary =
            what.startsWith("manifest ")
                ? "manifest unknown: " + what.substring(9) + " not found in " + where
                : what + " not found in " + where;
      } else if (origin != null
          && (origin.code() == ErrorCode.UNAUTHORIZED || origin.code() == ErrorCode.DENIED)) {
        kind = ImageException.Kind.AUTH;
        summary =
            "pull access denied for "
                + reference.familiarName()
                + ", repository does not exist or may require 'hoist login "
                + reference.registry()
                + "'";
      } else if (origin != null && origin.httpStatus() == 0) {
        summary = "cannot reach " + reference.registry() + " for " + what;
      } else {
        if (origin != null
            && origin.httpStatus() > 0
            && origin.httpStatus() < 500
            && origin.httpStatus() != 429) {
          kind = ImageException.Kind.OTHER;
        }
        summary = "cannot fetch " + what + " of " + where;
      }
      boolean saysAll = failures.size() == 1 && kind == ImageException.Kind.NOT_FOUND;
      return new ImageException(
          kind, saysAll ? summary : summary + " (" + String.join("; ", failures) + ")", origin);
    }

    private void putManifest(Manifest m) throws IOException {
      store.writeBlob(m.digest(), new java.io.ByteArrayInputStream(m.raw()));
    }

    @Override
    public void close() {
      if (pool != null) {
        pool.shutdownNow();
      }
    }
  }

  private record Fetched(Manifest manifest, Source source) {}

  private static Descriptor describe(
      Manifest m, Platform platform, Map<String, String> annotations) {
    return new Descriptor(
        m.mediaType(), m.digest(), m.size(), null, platform, annotations, List.of());
  }

  private static Descriptor withAnnotations(Descriptor d, Map<String, String> annotations) {
    return new Descriptor(
        d.mediaType(), d.digest(), d.size(), d.artifactType(), d.platform(), annotations, d.urls());
  }

  private static boolean isNotFound(ErrorCode code) {
    return code == ErrorCode.MANIFEST_UNKNOWN
        || code == ErrorCode.BLOB_UNKNOWN
        || code == ErrorCode.NAME_UNKNOWN;
  }

  /** No answer at all: refused, timed out, or the breaker is open. */
  private static boolean unreachable(RegistryException e) {
    return e.httpStatus() == 0 && e.code() == ErrorCode.UNAVAILABLE;
  }

  /** The exception's message without the action it starts with. */
  static String problem(RegistryException e) {
    String m = Objects.toString(e.getMessage(), "");
    String prefix = e.action() + ": ";
    return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
  }

  private static String shorten(String s) {
    return s.length() > 120 ? s.substring(0, 117) + "..." : s;
  }
}
