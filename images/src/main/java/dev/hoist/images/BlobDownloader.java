package dev.hoist.images;

import dev.hoist.client.BlobResponse;
import dev.hoist.client.RegistryException;
import dev.hoist.images.ManifestResolver.Fetched;
import dev.hoist.images.RegistryAccess.Source;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestMismatchException;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.ImageConfig;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Platform;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The second step of a pull: the configs and layers of the resolved images, fetched concurrently
 * into the store, each from the first source that serves it in full. When a source breaks off part
 * way, the next source continues from there ({@code Range}); when the bytes do not match their
 * digest, the next source starts over, and a mirror that sent wrong bytes or could not be reached
 * is not asked again during this pull. A blob already in the store is not fetched. Each layer's
 * uncompressed content is checked against its config's {@code diff_ids} while its uncompressed size
 * is measured.
 *
 * <p>One per pull; {@link #close()} stops downloads still running.
 */
final class BlobDownloader implements AutoCloseable {
  private final ImageStore store;
  private final PullSources sources;
  private final Progress progress;
  private final int concurrency;
  private ExecutorService pool;

  BlobDownloader(ImageStore store, PullSources sources, Progress progress, int concurrency) {
    this.store = store;
    this.sources = sources;
    this.progress = progress;
    this.concurrency = concurrency;
  }

  /**
   * Configs and layers of every image, concurrently; returns the uncompressed size. A single image
   * pulled with an explicit platform must be for that platform.
   */
  long fetchAll(Collection<Fetched> images, Platform mustMatch) throws ImageException, IOException {
    Map<Digest, Descriptor> configs = new LinkedHashMap<>();
    Map<Digest, Descriptor> layers = new LinkedHashMap<>();
    Set<Digest> imageLayers = new HashSet<>(); // not attestations' or artifacts'
    for (Fetched f : images) {
      ImageManifest m = (ImageManifest) f.manifest();
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
                  fetch(c, null);
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
                LayerMeasure measure = had ? null : fetch(l, line);
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
                  + sources.reference().familiar()
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
      ImageException.rethrowCause(e, "pull");
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
  private Map<Digest, Digest> diffIds(Collection<Fetched> images, Platform mustMatch)
      throws ImageException, IOException {
    Map<Digest, Digest> diffIds = new LinkedHashMap<>();
    for (Fetched f : images) {
      ImageManifest m = (ImageManifest) f.manifest();
      if (!isImageConfig(m.config())) {
        continue; // an artifact: no diff_ids to check
      }
      ImageConfig config;
      try {
        config = store.readConfig(m.config().digest());
      } catch (IllegalArgumentException e) {
        throw new ImageException(
            ImageException.Kind.OTHER,
            sources.reference().familiar()
                + ": its config "
                + m.config().digest()
                + " is invalid: "
                + e.getMessage());
      }
      if (mustMatch != null && !config.platform().matches(mustMatch)) {
        throw new ImageException(
            ImageException.Kind.NOT_FOUND,
            "image with reference "
                + sources.reference().familiar()
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
   * Downloads a blob into the store, trying each source in turn; returns the layer's measure, taken
   * while it downloaded, or null when there is none (not a layer, or another compression).
   */
  private LayerMeasure fetch(Descriptor d, Progress.Line line) throws ImageException, IOException {
    List<String> failures = new ArrayList<>();
    RegistryException lastOrigin = null;
    StreamingMeasure measure = StreamingMeasure.forMediaType(d.mediaType());
    try (BlobWriter w = store.newBlobWriter(d.digest(), d.size())) {
      w.observe(measure);
      List<Source> all = sources.all();
      eachSource:
      for (int i = 0; i < all.size(); i++) {
        Source s = all.get(i);
        boolean last = i == all.size() - 1;
        if (sources.isSkipped(s)) {
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
          try (BlobResponse r =
              s.client().getBlobUnverified(sources.repository(), d.digest(), offset)) {
            if (line != null) {
              line.progress("Downloading", w.size(), d.size());
            }
            try {
              w.transferFrom(
                  r.stream(), line == null ? null : n -> line.progress("Downloading", n, d.size()));
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
            sources.served(d.digest(), s);
            if (line != null) {
              line.status("Download complete", "from " + s);
            }
            break eachSource;
          } catch (DigestMismatchException e) {
            w.reset();
            failures.add(s + ": sent bytes that do not match " + d.digest());
            if (s.mirror()) {
              sources.skip(s);
              sources.note(line, s, "sent bytes that do not match the digest");
            }
            break;
          } catch (RegistryException e) {
            if (e.code() == ErrorCode.DIGEST_INVALID) {
              w.reset();
            }
            failures.add(s + ": " + Puller.problem(e));
            if (s.mirror()) {
              if (PullSources.unreachable(e) || e.code() == ErrorCode.DIGEST_INVALID) {
                sources.skip(s);
              }
              sources.note(line, s, Puller.problem(e));
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
              sources.note(line, s, "transfer broke off");
            }
            break;
          }
        }
      }
      if (!w.committed()) {
        throw sources.allFailed("blob " + d.digest(), lastOrigin, failures);
      }
      return measure == null ? null : measure.finish();
    } finally {
      if (measure != null) {
        measure.close();
      }
    }
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}
