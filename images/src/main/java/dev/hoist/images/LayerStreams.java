package dev.hoist.images;

import dev.hoist.oci.Descriptor;
import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestingInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * A stored layer's uncompressed tar. The compression is recognised by the content's first bytes (as
 * Docker's {@code DecompressStream} does), so a layer whose media type says nothing useful is still
 * read: gzip is decompressed, a plain tar is read as it is, and zstd, bzip2 and xz are refused with
 * a message saying so (Hoist carries no zstd decoder).
 */
final class LayerStreams {
  private static final int BUFFER = 64 * 1024;

  private LayerStreams() {}

  /** How a blob is compressed, from its first bytes. */
  enum Compression {
    NONE,
    GZIP,
    ZSTD,
    BZIP2,
    XZ;

    /** Reads (and resets) the first bytes of {@code in}, which must support mark. */
    static Compression sniff(InputStream in) throws IOException {
      in.mark(8);
      byte[] head = in.readNBytes(6);
      in.reset();
      if (startsWith(head, 0x1f, 0x8b)) {
        return GZIP;
      }
      if (startsWith(head, 0x28, 0xb5, 0x2f, 0xfd)) {
        return ZSTD;
      }
      if (startsWith(head, 'B', 'Z', 'h')) {
        return BZIP2;
      }
      if (startsWith(head, 0xfd, '7', 'z', 'X', 'Z', 0x00)) {
        return XZ;
      }
      return NONE;
    }

    private static boolean startsWith(byte[] head, int... magic) {
      if (head.length < magic.length) {
        return false;
      }
      for (int i = 0; i < magic.length; i++) {
        if ((head[i] & 0xff) != magic[i]) {
          return false;
        }
      }
      return true;
    }
  }

  /** A layer's uncompressed size and digest ({@code diff_id}). */
  record Measured(long size, Digest diffId) {}

  /**
   * Opens the uncompressed tar of a stored layer.
   *
   * @throws ImageException when the layer is compressed in a way Hoist cannot read
   */
  static InputStream openUncompressed(ImageStore store, Descriptor layer)
      throws IOException, ImageException {
    InputStream raw = new BufferedInputStream(store.openBlob(layer.digest()), BUFFER);
    try {
      return uncompressed(raw, layer.digest().toString(), layer.mediaType());
    } catch (IOException | ImageException | RuntimeException e) {
      raw.close();
      throw e;
    }
  }

  /**
   * {@code in} (which must support mark) decompressed; {@code what} names it in errors.
   *
   * @throws ImageException when the compression is not gzip or none
   */
  static InputStream uncompressed(InputStream in, String what, String mediaType)
      throws IOException, ImageException {
    Compression c = Compression.sniff(in);
    switch (c) {
      case NONE:
        return in;
      case GZIP:
        return new GZIPInputStream(in, BUFFER);
      default:
        throw unsupported(what, mediaType, c);
    }
  }

  static ImageException unsupported(String what, String mediaType, Compression c) {
    String name = c.name().toLowerCase(java.util.Locale.ROOT);
    return new ImageException(
        ImageException.Kind.OTHER,
        "layer "
            + what
            + (mediaType == null ? "" : " (" + mediaType + ")")
            + " is "
            + name
            + "-compressed, which hoist cannot decompress (only gzip and uncompressed tar"
            + " layers are supported)");
  }

  /** Reads a stored layer's uncompressed tar to its end: its size and digest. */
  static Measured measure(ImageStore store, Descriptor layer) throws IOException, ImageException {
    try (InputStream in = openUncompressed(store, layer);
        DigestingInputStream counted = new DigestingInputStream(in)) {
      byte[] buf = new byte[BUFFER];
      while (counted.read(buf) != -1) {
        // hashing
      }
      return new Measured(counted.bytes(), counted.digest());
    }
  }
}
