package dev.hoist.mirror;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageIndex;
import dev.hoist.oci.ImageManifest;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.repository.CacheStatus;
import dev.hoist.repository.Content;
import dev.hoist.repository.MirrorCache;
import dev.hoist.repository.Repository.Origin;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches in the background what a client will ask for next once a manifest arrived: an image's
 * config always, and every platform of an index when {@code prefetchSiblings} is on. Through the
 * fills, so a client asking meanwhile joins the transfer; no request waits for this.
 */
final class Prefetcher {
  private static final Logger log = LoggerFactory.getLogger(Prefetcher.class);

  private final boolean siblings;
  private final Executor background;
  private final MirrorCache cache;
  private final BlobLookup blobs;

  Prefetcher(boolean siblings, Executor background, MirrorCache cache, BlobLookup blobs) {
    this.siblings = siblings;
    this.background = background;
    this.cache = cache;
    this.blobs = blobs;
  }

  /** Called once a manifest was fetched and stored. */
  void fetched(Origin origin, Manifest manifest, ManifestFetcher manifests) {
    switch (manifest) {
      case ImageManifest image -> background.execute(() -> config(origin, image.config()));
      case ImageIndex index -> {
        if (siblings) {
          background.execute(() -> platforms(origin, index, manifests));
        }
      }
    }
  }

  /**
   * Fetches an image's config as soon as its manifest is: every client pulling the image asks for
   * it next (skopeo after the layers, Docker before them), and then finds it stored or filling, a
   * round trip to the upstream sooner. A config is a few KB and a pull fetches it anyway, so the
   * upstream sends no more than without this; only a manifest read without a pull (an inspect)
   * costs it one small blob.
   */
  private void config(Origin origin, Descriptor config) {
    try {
      if (cache.storedSize(config.digest()).isPresent()) {
        return; // a client's request links it, once the upstream confirms this repository has it
      }
      drain(blobs.find(origin, config.digest(), false));
    } catch (IOException | RuntimeException e) {
      log.debug(
          "prefetch of a config failed: upstream={} repository={} digest={} error={}",
          origin.upstream(),
          origin.upstreamName(),
          config.digest(),
          e.toString());
    }
  }

  /** Fetches every child manifest of an index and their blobs, so other platforms are hits. */
  private void platforms(Origin origin, ImageIndex index, ManifestFetcher manifests) {
    for (Descriptor child : index.manifests()) {
      try {
        Digest digest = manifests.fetch(origin, child.digest());
        Content stored =
            cache.manifestContent(origin.cacheName(), digest, CacheStatus.HIT).orElse(null);
        if (stored == null) {
          continue;
        }
        byte[] raw;
        try (InputStream in = stored.body().openStream(0, stored.size())) {
          raw = in.readAllBytes();
        }
        Manifest childManifest = Manifest.parse(raw, stored.mediaType(), digest);
        for (Descriptor blob : childManifest.references()) {
          if (MediaTypes.isManifest(blob.mediaType())) {
            continue;
          }
          drain(blobs.find(origin, blob.digest(), false));
        }
      } catch (IOException | RuntimeException e) {
        log.warn(
            "prefetch of a sibling platform failed: upstream={} repository={} digest={} error={}",
            origin.upstream(),
            origin.upstreamName(),
            child.digest(),
            e.toString());
      }
    }
  }

  /** Reads a looked-up blob to its end: a prefetch waits for its fill this way. */
  private static void drain(Content found) throws IOException {
    if (found.body() != null) {
      try (InputStream in = found.body().openStream(0, found.size())) {
        in.transferTo(OutputStream.nullOutputStream());
      }
    }
  }
}
