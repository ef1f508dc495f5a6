package dev.hoist.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.Digest;
import dev.hoist.oci.Digester;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.Platform;
import dev.hoist.oci.Tag;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * Deterministic synthetic OCI images, written as an <a
 * href="https://github.com/opencontainers/image-spec/blob/main/image-layout.md">OCI image
 * layout</a> directory that {@code skopeo copy oci:<dir>:<tag> ...} can read.
 *
 * <p>Every layer is a real gzip-compressed tar holding one file ({@code random-<n>.bin}) of
 * incompressible pseudo-random bytes of the requested size; the image has an OCI config (whose
 * {@code rootfs.diff_ids} are the digests of the uncompressed tars) and an OCI manifest. The same
 * seed always gives the same bytes, hence the same digests, on every machine and JVM: the random
 * data comes from {@link Random} (whose algorithm is specified), and the gzip stream is written
 * here with stored (uncompressed) deflate blocks rather than by zlib, whose output may differ
 * between versions. Random data would not compress anyway, so a layer blob is only a few bytes per
 * 64 KiB larger than its content.
 *
 * <pre>
 * &lt;dir&gt;/oci-layout             {"imageLayoutVersion":"1.0.0"}
 * &lt;dir&gt;/index.json             one entry per tag (annotation org.opencontainers.image.ref.name)
 * &lt;dir&gt;/blobs/sha256/&lt;hex&gt;     manifests, indexes, configs and layers
 * </pre>
 *
 * <p>Several tags can be written into one directory; writing a tag again replaces its entry.
 * Writing into one directory from several threads at once is not supported.
 */
public final class RandomImages {
  /** The annotation an OCI layout's {@code index.json} uses to name a tag. */
  public static final String REF_NAME = "org.opencontainers.image.ref.name";

  /** The two platforms {@link #writeIndexLayout(Path, String, long, long...)} builds. */
  public static final List<Platform> DEFAULT_PLATFORMS =
      List.of(new Platform("linux", "amd64"), new Platform("linux", "arm64"));

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CHUNK = 64 * 1024;
  private static final int TAR_BLOCK = 512;
  private static final long MAX_TAR_SIZE = 077777777777L; // 11 octal digits in a ustar header

  private RandomImages() {}

  /** A blob as a descriptor names it. */
  public record Blob(String mediaType, Digest digest, long size) {
    public Blob {
      Objects.requireNonNull(mediaType, "mediaType");
      Objects.requireNonNull(digest, "digest");
    }
  }

  /**
   * One single-platform image: its manifest, config and layers; {@code diffIds} are the digests of
   * the uncompressed layer tars, in layer order.
   */
  public record Image(
      Platform platform, Blob manifest, Blob config, List<Blob> layers, List<Digest> diffIds) {
    public Image {
      layers = List.copyOf(layers);
      diffIds = List.copyOf(diffIds);
    }

    public Digest manifestDigest() {
      return manifest.digest();
    }

    public Digest configDigest() {
      return config.digest();
    }

    public List<Digest> layerDigests() {
      return layers.stream().map(Blob::digest).toList();
    }
  }

  /** A single-platform image written into a layout under a tag. */
  public record ImageLayout(Path dir, String tag, Image image) {
    /** {@code oci:<dir>:<tag>}, for skopeo. */
    public String ociReference() {
      return "oci:" + dir + ":" + tag;
    }

    public Digest manifestDigest() {
      return image.manifestDigest();
    }

    public Digest configDigest() {
      return image.configDigest();
    }

    public List<Digest> layerDigests() {
      return image.layerDigests();
    }
  }

  /** A multi-platform image (an OCI image index) written into a layout under a tag. */
  public record IndexLayout(Path dir, String tag, Blob index, List<Image> manifests) {
    public IndexLayout {
      manifests = List.copyOf(manifests);
    }

    /** {@code oci:<dir>:<tag>}, for skopeo ({@code copy --all} copies every platform). */
    public String ociReference() {
      return "oci:" + dir + ":" + tag;
    }

    public Digest indexDigest() {
      return index.digest();
    }

    /** The image for {@code os/architecture[/variant]}, e.g. {@code linux/arm64}. */
    public Image image(String platform) {
      Platform wanted = Platform.parse(platform);
      return manifests.stream()
          .filter(i -> i.platform().equals(wanted))
          .findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no image for platform " + platform));
    }
  }

  /**
   * Writes a linux/amd64 image with one layer per size (bytes of random file content) into the
   * layout at {@code dir} (created if needed) under {@code tag}.
   */
  public static ImageLayout writeLayout(Path dir, String tag, long seed, long... layerSizes) {
    Tag.of(tag);
    try {
      initLayout(dir);
      Image image = writeImage(dir, DEFAULT_PLATFORMS.get(0), seed, 0, layerSizes);
      addToIndex(dir, tag, image.manifest());
      return new ImageLayout(dir, tag, image);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write OCI layout " + dir, e);
    }
  }

  /**
   * Writes a two-platform image (linux/amd64 and linux/arm64, each with its own config and its own
   * random layers of the given sizes) and an OCI image index naming both, under {@code tag}.
   */
  public static IndexLayout writeIndexLayout(Path dir, String tag, long seed, long... layerSizes) {
    return writeIndexLayout(dir, tag, seed, DEFAULT_PLATFORMS, layerSizes);
  }

  /** Like {@link #writeIndexLayout(Path, String, long, long...)} for the given platforms. */
  public static IndexLayout writeIndexLayout(
      Path dir, String tag, long seed, List<Platform> platforms, long... layerSizes) {
    Tag.of(tag);
    if (platforms.isEmpty()) {
      throw new IllegalArgumentException("an index needs at least one platform");
    }
    try {
      initLayout(dir);
      List<Image> images = new ArrayList<>();
      ObjectNode index = JSON.createObjectNode();
      index.put("schemaVersion", 2);
      index.put("mediaType", MediaTypes.OCI_INDEX);
      ArrayNode entries = index.putArray("manifests");
      for (int p = 0; p < platforms.size(); p++) {
        Image image = writeImage(dir, platforms.get(p), seed, p, layerSizes);
        images.add(image);
        ObjectNode entry = descriptor(image.manifest());
        ObjectNode platform = entry.putObject("platform");
        platform.put("architecture", image.platform().architecture());
        platform.put("os", image.platform().os());
        if (image.platform().variant() != null) {
          platform.put("variant", image.platform().variant());
        }
        entries.add(entry);
      }
      Blob indexBlob = writeJsonBlob(dir, MediaTypes.OCI_INDEX, index);
      addToIndex(dir, tag, indexBlob);
      return new IndexLayout(dir, tag, indexBlob, images);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write OCI layout " + dir, e);
    }
  }

  /** {@code length} pseudo-random bytes; the same seed gives the same bytes. */
  public static byte[] randomBytes(long seed, int length) {
    byte[] out = new byte[length];
    Random random = new Random(seed);
    byte[] chunk = new byte[CHUNK];
    for (int off = 0; off < length; off += CHUNK) {
      random.nextBytes(chunk);
      System.arraycopy(chunk, 0, out, off, Math.min(CHUNK, length - off));
    }
    return out;
  }

  private static Image writeImage(
      Path dir, Platform platform, long seed, int platformIndex, long[] layerSizes)
      throws IOException {
    List<Blob> layers = new ArrayList<>();
    List<Digest> diffIds = new ArrayList<>();
    for (int i = 0; i < layerSizes.length; i++) {
      if (layerSizes[i] < 0 || layerSizes[i] > MAX_TAR_SIZE) {
        throw new IllegalArgumentException("layer size out of range: " + layerSizes[i]);
      }
      long layerSeed = mix(mix(seed) ^ mix(platformIndex + 0x51L) ^ mix(i + 0x7f4a7c15L));
      Digest[] diffId = new Digest[1];
      Blob layer = writeLayer(dir, i, layerSizes[i], layerSeed, diffId);
      layers.add(layer);
      diffIds.add(diffId[0]);
    }

    ObjectNode config = JSON.createObjectNode();
    config.put("architecture", platform.architecture());
    config.put("os", platform.os());
    if (platform.variant() != null) {
      config.put("variant", platform.variant());
    }
    config
        .putObject("config")
        .putObject("Labels")
        .put("dev.hoist.testkit.seed", Long.toString(seed))
        .put("dev.hoist.testkit.layers", Arrays.toString(layerSizes));
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode ids = rootfs.putArray("diff_ids");
    diffIds.forEach(d -> ids.add(d.toString()));
    ArrayNode history = config.putArray("history");
    for (int i = 0; i < layerSizes.length; i++) {
      history.addObject().put("created_by", "hoist testkit: random layer " + i);
    }
    Blob configBlob = writeJsonBlob(dir, MediaTypes.OCI_CONFIG, config);

    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", MediaTypes.OCI_MANIFEST);
    manifest.set("config", descriptor(configBlob));
    ArrayNode layerArray = manifest.putArray("layers");
    layers.forEach(l -> layerArray.add(descriptor(l)));
    Blob manifestBlob = writeJsonBlob(dir, MediaTypes.OCI_MANIFEST, manifest);
    return new Image(platform, manifestBlob, configBlob, layers, diffIds);
  }

  private static Blob writeLayer(Path dir, int index, long size, long seed, Digest[] diffIdOut)
      throws IOException {
    Path blobs = dir.resolve("blobs/sha256");
    Path tmp = Files.createTempFile(blobs, ".layer-", ".tmp");
    try {
      Digester compressed = Digester.forAlgorithm(Digest.SHA256);
      Digester uncompressed = Digester.forAlgorithm(Digest.SHA256);
      try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(tmp), CHUNK);
          OutputStream gzip =
              new StoredGzipOutputStream(new DigestingOutputStream(file, compressed));
          OutputStream tar = new DigestingOutputStream(gzip, uncompressed)) {
        tar.write(ustarHeader("random-" + index + ".bin", size));
        Random random = new Random(seed);
        byte[] chunk = new byte[CHUNK];
        for (long left = size; left > 0; left -= CHUNK) {
          random.nextBytes(chunk);
          tar.write(chunk, 0, (int) Math.min(CHUNK, left));
        }
        int pad = (int) ((TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK);
        tar.write(new byte[pad + 2 * TAR_BLOCK]); // padding, then the two end-of-archive blocks
      }
      Digest digest = compressed.digest();
      long blobSize = Files.size(tmp);
      Files.move(tmp, blobs.resolve(digest.encoded()), StandardCopyOption.REPLACE_EXISTING);
      diffIdOut[0] = uncompressed.digest();
      return new Blob(MediaTypes.OCI_LAYER_TAR_GZIP, digest, blobSize);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** A POSIX ustar header for a regular file, mode 0644, owner 0:0, mtime 0. */
  static byte[] ustarHeader(String name, long size) {
    byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
    if (nameBytes.length > 100) {
      throw new IllegalArgumentException("tar entry name too long: " + name);
    }
    byte[] h = new byte[TAR_BLOCK];
    System.arraycopy(nameBytes, 0, h, 0, nameBytes.length);
    octal(h, 100, 8, 0644); // mode
    octal(h, 108, 8, 0); // uid
    octal(h, 116, 8, 0); // gid
    octal(h, 124, 12, size);
    octal(h, 136, 12, 0); // mtime
    Arrays.fill(h, 148, 156, (byte) ' '); // checksum counts as spaces while summing
    h[156] = '0'; // regular file
    ascii(h, 257, "ustar\0");
    ascii(h, 263, "00");
    ascii(h, 265, "root");
    ascii(h, 297, "root");
    octal(h, 329, 8, 0); // devmajor
    octal(h, 337, 8, 0); // devminor
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    octal(h, 148, 7, sum); // six digits, NUL, and the space already there
    return h;
  }

  /** Writes {@code value} as zero-padded octal digits filling {@code len - 1} bytes, then NUL. */
  private static void octal(byte[] h, int off, int len, long value) {
    String digits = Long.toOctalString(value);
    if (digits.length() > len - 1) {
      throw new IllegalArgumentException("value too large for tar field: " + value);
    }
    String padded = "0".repeat(len - 1 - digits.length()) + digits;
    ascii(h, off, padded);
    h[off + len - 1] = 0;
  }

  private static void ascii(byte[] h, int off, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, off, b.length);
  }

  private static ObjectNode descriptor(Blob blob) {
    ObjectNode d = JSON.createObjectNode();
    d.put("mediaType", blob.mediaType());
    d.put("digest", blob.digest().toString());
    d.put("size", blob.size());
    return d;
  }

  private static Blob writeJsonBlob(Path dir, String mediaType, JsonNode node) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(node);
    Digest digest = Digest.sha256(bytes);
    Path target = dir.resolve("blobs/sha256").resolve(digest.encoded());
    if (!Files.exists(target)) {
      Files.write(target, bytes);
    }
    return new Blob(mediaType, digest, bytes.length);
  }

  private static void initLayout(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("blobs/sha256"));
    Path marker = dir.resolve("oci-layout");
    if (!Files.exists(marker)) {
      Files.writeString(marker, "{\"imageLayoutVersion\":\"1.0.0\"}");
    }
  }

  private static void addToIndex(Path dir, String tag, Blob blob) throws IOException {
    Path indexFile = dir.resolve("index.json");
    ObjectNode index;
    if (Files.exists(indexFile)) {
      index = (ObjectNode) JSON.readTree(indexFile.toFile());
    } else {
      index = JSON.createObjectNode();
      index.put("schemaVersion", 2);
      index.put("mediaType", MediaTypes.OCI_INDEX);
      index.putArray("manifests");
    }
    ArrayNode old = (ArrayNode) index.get("manifests");
    ArrayNode manifests = JSON.createArrayNode();
    for (JsonNode entry : old) {
      if (!tag.equals(entry.path("annotations").path(REF_NAME).asText(null))) {
        manifests.add(entry);
      }
    }
    ObjectNode entry = descriptor(blob);
    entry.putObject("annotations").put(REF_NAME, tag);
    manifests.add(entry);
    index.set("manifests", manifests);
    Path tmp = Files.createTempFile(dir, ".index-", ".tmp");
    Files.write(tmp, JSON.writeValueAsBytes(index));
    Files.move(tmp, indexFile, StandardCopyOption.REPLACE_EXISTING);
  }

  /** SplitMix64's finaliser: spreads a seed's bits so nearby seeds give unrelated streams. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** Passes bytes through to {@code out} and feeds them to a {@link Digester}. */
  private static final class DigestingOutputStream extends OutputStream {
    private final OutputStream out;
    private final Digester digester;

    DigestingOutputStream(OutputStream out, Digester digester) {
      this.out = out;
      this.digester = digester;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      digester.update(b, off, len);
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }

  /**
   * A gzip (RFC 1952) stream whose deflate data (RFC 1951) is all stored blocks: fixed header
   * (mtime 0, OS unknown), blocks of at most 65535 bytes, CRC-32 and length trailer.
   */
  static final class StoredGzipOutputStream extends OutputStream {
    private static final int MAX_STORED = 65535;
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

    private final OutputStream out;
    private final byte[] buffer = new byte[MAX_STORED];
    private final CRC32 crc = new CRC32();
    private int buffered;
    private long total;
    private boolean closed;

    StoredGzipOutputStream(OutputStream out) throws IOException {
      this.out = out;
      out.write(HEADER);
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      crc.update(b, off, len);
      total += len;
      while (len > 0) {
        if (buffered == MAX_STORED) {
          block(false);
        }
        int n = Math.min(len, MAX_STORED - buffered);
        System.arraycopy(b, off, buffer, buffered, n);
        buffered += n;
        off += n;
        len -= n;
      }
    }

    private void block(boolean last) throws IOException {
      out.write(last ? 1 : 0); // BFINAL, BTYPE=00 (stored), padded to the byte boundary
      out.write(buffered & 0xff);
      out.write(buffered >>> 8);
      out.write(~buffered & 0xff);
      out.write((~buffered >>> 8) & 0xff);
      out.write(buffer, 0, buffered);
      buffered = 0;
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try (out) {
        block(true);
        int c = (int) crc.getValue();
        int size = (int) total;
        out.write(
            new byte[] {
              (byte) c,
              (byte) (c >>> 8),
              (byte) (c >>> 16),
              (byte) (c >>> 24),
              (byte) size,
              (byte) (size >>> 8),
              (byte) (size >>> 16),
              (byte) (size >>> 24)
            });
      }
    }
  }
}
