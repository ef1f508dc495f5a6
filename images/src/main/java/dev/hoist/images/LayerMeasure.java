package dev.hoist.images;

import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestingInputStream;
import dev.hoist.oci.MediaTypes;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * The uncompressed size of a stored layer, and its uncompressed digest (its {@code diff_id}), read
 * by decompressing it. gzip and uncompressed tar layers are measured; for other compressions (zstd)
 * the stored size stands in and no {@code diff_id} is known.
 */
record LayerMeasure(long uncompressedSize, Digest diffId) {

  /** How a layer of a media type is measured. */
  enum Kind {
    GZIP,
    TAR,
    /** Another compression (zstd): not measured. */
    OTHER
  }

  static Kind kind(String mediaType) {
    String type = MediaTypes.withoutParameters(mediaType);
    if (type != null
        && (type.endsWith("+gzip") || type.endsWith(".tar.gzip") || type.endsWith(".gzip"))) {
      return Kind.GZIP;
    }
    if (type != null && (type.endsWith(".tar") || type.endsWith("diff.tar"))) {
      return Kind.TAR;
    }
    return Kind.OTHER;
  }

  static LayerMeasure of(ImageStore store, String mediaType, Digest digest) throws IOException {
    Kind kind = kind(mediaType);
    boolean gzip = kind == Kind.GZIP;
    if (kind == Kind.OTHER) {
      return new LayerMeasure(store.blobSize(digest), null);
    }
    try (InputStream raw = new BufferedInputStream(store.openBlob(digest), 64 * 1024);
        InputStream plain = gzip ? new GZIPInputStream(raw, 64 * 1024) : raw;
        DigestingInputStream counted = new DigestingInputStream(plain)) {
      byte[] buf = new byte[64 * 1024];
      while (counted.read(buf) != -1) {
        // counting and hashing
      }
      return new LayerMeasure(counted.bytes(), counted.digest());
    }
  }
}
