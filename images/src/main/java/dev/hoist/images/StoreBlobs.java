package dev.hoist.images;

import dev.hoist.oci.Digest;
import dev.hoist.oci.Manifest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The store's blobs: content-addressable files under {@code blobs/<algorithm>/<encoded>}, each
 * written into {@code ingest/} by a {@link BlobWriter}, verified, and renamed into place. Knows
 * nothing of names or locks; {@link ImageStore} decides what is live.
 */
final class StoreBlobs {
  /** The most a manifest, index or config may take in memory. */
  static final int MAX_METADATA_BYTES = Manifest.MAX_BYTES;

  private final Path blobs;
  private final Path ingest;

  StoreBlobs(Path blobs, Path ingest) {
    this.blobs = blobs;
    this.ingest = ingest;
  }

  /** Creates {@code blobs/sha256} and {@code ingest/} when absent. */
  void createDirectories() throws IOException {
    Files.createDirectories(blobs.resolve(Digest.SHA256));
    Files.createDirectories(ingest);
  }

  Path path(Digest digest) {
    return blobs.resolve(digest.algorithm()).resolve(digest.encoded());
  }

  boolean has(Digest digest) {
    return Files.isRegularFile(path(digest));
  }

  long size(Digest digest) throws IOException {
    return Files.size(path(digest));
  }

  InputStream open(Digest digest) throws IOException {
    return Files.newInputStream(path(digest));
  }

  byte[] read(Digest digest) throws IOException {
    Path p = path(digest);
    long size = Files.size(p);
    if (size > MAX_METADATA_BYTES) {
      throw new IOException(digest + " is too large to read into memory (" + size + " bytes)");
    }
    return Files.readAllBytes(p);
  }

  long write(Digest digest, InputStream content) throws IOException {
    if (has(digest)) {
      return size(digest);
    }
    try (BlobWriter w = newWriter(digest, -1)) {
      w.transferFrom(content, null);
      long size = w.size();
      w.commit();
      return size;
    }
  }

  Digest write(byte[] content) throws IOException {
    Digest d = Digest.sha256(content);
    write(d, new ByteArrayInputStream(content));
    return d;
  }

  BlobWriter newWriter(Digest digest, long expectedSize) throws IOException {
    Files.createDirectories(ingest);
    Path temp = ingest.resolve(digest.encoded() + "." + UUID.randomUUID());
    return new BlobWriter(this, digest, expectedSize, temp);
  }

  /** Moves a verified, synced temporary file into place. */
  void install(Path temp, Digest digest) throws IOException {
    Path target = path(digest);
    Files.createDirectories(target.getParent());
    AtomicFiles.move(temp, target);
    AtomicFiles.syncDirectory(target.getParent());
  }

  /**
   * Deletes every blob not in {@code live}, and every file in {@code ingest/}: the caller holds
   * garbage collection's exclusive lock, so nobody is writing. Manifests and configs come first in
   * the result, then layers.
   */
  ImageStore.GcResult sweep(Set<Digest> live) throws IOException {
    List<Digest> metadata = new ArrayList<>();
    List<Digest> layers = new ArrayList<>();
    long freed = 0;
    try (DirectoryStream<Path> algorithms = Files.newDirectoryStream(blobs)) {
      for (Path alg : algorithms) {
        if (!Files.isDirectory(alg) || !Digest.isSupportedAlgorithm(alg.getFileName().toString())) {
          continue;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(alg)) {
          for (Path f : files) {
            Digest d;
            try {
              d = new Digest(alg.getFileName().toString(), f.getFileName().toString());
            } catch (IllegalArgumentException e) {
              continue; // not ours
            }
            if (live.contains(d)) {
              continue;
            }
            long size = Files.size(f);
            boolean small = size <= MAX_METADATA_BYTES && looksLikeJson(f);
            Files.deleteIfExists(f);
            freed += size;
            (small ? metadata : layers).add(d);
          }
        }
      }
    }
    if (Files.isDirectory(ingest)) {
      try (DirectoryStream<Path> files = Files.newDirectoryStream(ingest)) {
        for (Path f : files) {
          Files.deleteIfExists(f); // no lease is held: nobody is writing
        }
      }
    }
    List<Digest> removed = new ArrayList<>(metadata);
    removed.addAll(layers);
    return new ImageStore.GcResult(removed, freed);
  }

  private static boolean looksLikeJson(Path f) {
    try (InputStream in = Files.newInputStream(f)) {
      int c;
      do {
        c = in.read();
      } while (c == ' ' || c == '\n' || c == '\r' || c == '\t');
      return c == '{';
    } catch (IOException e) {
      return false;
    }
  }
}
