package dev.hoist.storage.s3;

import dev.hoist.oci.Digest;
import dev.hoist.oci.Digester;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upload's pieces as this instance last saw them or wrote them, and how far their SHA-256 is
 * computed; the design is in the {@linkplain dev.hoist.storage.s3 package documentation}. Not
 * thread-safe: callers hold its monitor.
 */
final class UploadState {
  private static final Logger log = LoggerFactory.getLogger(UploadState.class);

  /** S3's smallest part of a multipart upload but the last. */
  static final long MIN_PART = 5L << 20;

  /** A full piece; a write keeps at most this much in memory. */
  static final int PIECE_SIZE = 8 << 20;

  /** S3's most parts in one multipart upload. */
  static final int MAX_PARTS = 10_000;

  static final String MARKER = "started";

  // User metadata of a piece: the SHA-256 of the upload's bytes up to the piece's end, and which
  // pieces came before it (a fingerprint of their keys, sizes and ETags).
  static final String SHA256_THROUGH = "hoist-sha256";
  static final String AFTER_PIECES = "hoist-after";
  private static final String PIECE = "part-";
  private static final Pattern PIECE_NAME = Pattern.compile("part-(\\d{19})");
  private static final int READ_CHUNK = 64 * 1024;

  /** Bytes {@code [offset, offset + size)} of the upload, stored as the object {@code key}. */
  record Piece(String key, long offset, long size, String etag) {
    long end() {
      return offset + size;
    }

    boolean small() {
      return size < MIN_PART;
    }
  }

  /**
   * What a listing of the upload's objects shows.
   *
   * @param generation the marker's ETag, null when there is no marker (no such upload)
   * @param pieces the pieces that make up the bytes, in order, without gaps
   * @param keys every object under the upload's prefix (including leftovers no piece uses)
   */
  record Listing(@Nullable String generation, List<Piece> pieces, List<String> keys) {
    boolean exists() {
      return generation != null;
    }

    /** Reads the listing of {@code prefix} ({@code <prefix>uploads/<id>/}). */
    static Listing of(Bucket bucket, String prefix) throws IOException {
      String generation = null;
      List<Piece> found = new ArrayList<>();
      List<String> keys = new ArrayList<>();
      for (Bucket.ObjectInfo o : bucket.listAll(prefix)) {
        keys.add(o.key());
        String name = o.key().substring(prefix.length());
        Matcher m = PIECE_NAME.matcher(name);
        if (name.equals(MARKER)) {
          generation = o.etag();
        } else if (m.matches() && o.size() > 0) {
          found.add(new Piece(o.key(), Long.parseLong(m.group(1)), o.size(), o.etag()));
        }
      }
      return new Listing(generation, contiguous(bucket, prefix, found), List.copyOf(keys));
    }

    /**
     * The pieces that cover the bytes from 0, in order. A piece inside an earlier one is a leftover
     * of a merge interrupted before it deleted what it merged (same bytes): skipped. A gap or a
     * piece straddling the end of another means the objects were changed behind the store's back.
     */
    private static List<Piece> contiguous(Bucket bucket, String prefix, List<Piece> found)
        throws IOException {
      found.sort(Comparator.comparingLong(Piece::offset));
      List<Piece> pieces = new ArrayList<>();
      long covered = 0;
      for (Piece p : found) {
        if (p.end() <= covered) {
          continue;
        }
        if (p.offset() != covered) {
          throw new IOException(
              "upload s3://"
                  + bucket.name()
                  + "/"
                  + prefix
                  + " is damaged: its bytes from "
                  + covered
                  + " are "
                  + (p.offset() > covered ? "missing" : "stored twice, differently"));
        }
        pieces.add(p);
        covered = p.end();
      }
      return List.copyOf(pieces);
    }
  }

  final String id;
  private final Bucket bucket;
  private final String prefix;
  private final LongAdder hashedFromS3;

  private @Nullable String generation;
  private List<Piece> pieces = new ArrayList<>();
  // Read without the monitor, so a status check never waits for a write.
  private volatile long size;

  // SHA-256 of the first hashedPieces pieces.
  private MessageDigest sha256 = newSha256();
  private int hashedPieces;
  // SHA-256 of the first checkpointPieces pieces: the end of a piece of at least MIN_PART, which
  // is never merged again, so the hash can go back there when a later (small) piece changed.
  private MessageDigest checkpoint = copy(sha256);
  private int checkpointPieces;

  /**
   * @param prefix the upload's key prefix, {@code <prefix>uploads/<id>/}
   * @param generation the marker's ETag when this state was made; null: not known yet, to be learnt
   *     from a listing ({@link #sync})
   */
  UploadState(
      String id,
      Bucket bucket,
      String prefix,
      @Nullable String generation,
      LongAdder hashedFromS3) {
    this.id = id;
    this.bucket = bucket;
    this.hashedFromS3 = hashedFromS3;
    this.prefix = prefix;
    this.generation = generation;
  }

  long size() {
    return size;
  }

  List<Piece> pieces() {
    return List.copyOf(pieces);
  }

  /**
   * Takes the listing as the truth. The hash computed so far stays valid for the pieces the listing
   * still shows unchanged: when an earlier piece changed (another node merged small pieces), it
   * goes back to the checkpoint, or to nothing.
   */
  void sync(Listing listing) {
    if (!Objects.equals(listing.generation(), generation)) {
      // Cancelled and started again under the same id: nothing known is valid.
      generation = Objects.requireNonNull(listing.generation(), "generation");
      resetHash();
    } else {
      int same = 0;
      List<Piece> seen = listing.pieces();
      while (same < pieces.size()
          && same < seen.size()
          && pieces.get(same).equals(seen.get(same))) {
        same++;
      }
      if (same < hashedPieces) {
        if (same >= checkpointPieces) {
          sha256 = copy(checkpoint);
          hashedPieces = checkpointPieces;
        } else {
          resetHash();
        }
      }
    }
    pieces = new ArrayList<>(listing.pieces());
    size = pieces.isEmpty() ? 0 : pieces.getLast().end();
  }

  private void resetHash() {
    sha256 = newSha256();
    hashedPieces = 0;
    checkpoint = copy(sha256);
    checkpointPieces = 0;
  }

  /** Hashes the pieces written elsewhere (another node, an earlier process) since last seen. */
  void catchUp() throws IOException {
    while (hashedPieces < pieces.size()) {
      Piece p = pieces.get(hashedPieces);
      // Hashed on a copy: a read that fails half way leaves the hash where it was.
      MessageDigest next = copy(sha256);
      try (InputStream in = bucket.get(p.key(), 0, p.size(), p.etag())) {
        feed(in, p, next::update);
      }
      sha256 = next;
      hashedPieces++;
      if (!p.small()) {
        checkpoint();
      }
    }
  }

  private void checkpoint() {
    checkpoint = copy(sha256);
    checkpointPieces = hashedPieces;
  }

  /**
   * The digest of the bytes with {@code algorithm}: SHA-256 from the hash kept when it covers every
   * piece, else as recorded with the last piece when it was written after exactly the pieces listed
   * before it, else by catching up; any other algorithm read back from the pieces.
   */
  Digest digest(String algorithm) throws IOException {
    if (algorithm.equals(Digest.SHA256) && hashedPieces < pieces.size()) {
      Optional<Digest> recorded = recordedSha256();
      if (recorded.isPresent()) {
        return recorded.get();
      }
    }
    if (algorithm.equals(Digest.SHA256)) {
      catchUp();
      return new Digest(Digest.SHA256, HexFormat.of().formatHex(copy(sha256).digest()));
    }
    Digester digester = Digester.forAlgorithm(algorithm);
    for (Piece p : pieces) {
      try (InputStream in = bucket.get(p.key(), 0, p.size(), p.etag())) {
        feed(in, p, digester::update);
      }
    }
    return digester.digest();
  }

  /**
   * The SHA-256 of all the bytes as the node that stored the last piece computed it: it hashed the
   * bytes it stored, after bytes it had stored or read itself, pinned by ETag. Recorded in the same
   * PUT as the piece's bytes, it holds for exactly the pieces its fingerprint names, which the
   * listing must still show.
   */
  private Optional<Digest> recordedSha256() throws IOException {
    Piece last = pieces.getLast();
    Optional<Bucket.ObjectInfo> head = bucket.head(last.key());
    if (head.isEmpty() || !head.get().etag().equals(last.etag())) {
      return Optional.empty();
    }
    Map<String, String> metadata = head.get().metadata();
    String through = metadata.get(SHA256_THROUGH);
    String after = metadata.get(AFTER_PIECES);
    if (through == null
        || !fingerprint(pieces.subList(0, pieces.size() - 1)).equals(after)
        || !through.matches("[0-9a-f]{64}")) {
      return Optional.empty();
    }
    return Optional.of(new Digest(Digest.SHA256, through));
  }

  /** Names pieces by key, size and ETag, compactly. */
  private static String fingerprint(List<Piece> pieces) {
    MessageDigest digest = newSha256();
    for (Piece p : pieces) {
      digest.update(
          (p.key() + " " + p.size() + " " + p.etag() + "\n").getBytes(StandardCharsets.UTF_8));
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Starts appending bytes; the caller has {@linkplain #catchUp() caught up}. */
  Appender appender() {
    return new Appender();
  }

  /**
   * Appends the bytes of one write: each time the tail's small pieces and the bytes received make a
   * full piece, they are stored as one (the small pieces read back, merged and replaced); what is
   * left when the write ends is stored as one more piece. The hash covers the bytes once they are
   * stored.
   */
  final class Appender {
    private int runStart; // the index of the first small piece at the tail
    private long runOffset; // where they start
    private int runBytes; // how many bytes they hold
    private byte[] buffer = new byte[0];
    private int filled;

    private Appender() {
      runStart = pieces.size();
      while (runStart > 0 && pieces.get(runStart - 1).small()) {
        runStart--;
      }
      runOffset = runStart == 0 ? 0 : pieces.get(runStart - 1).end();
      long tail = size - runOffset;
      if (tail >= MIN_PART) {
        // Small pieces that add up to a part (written by some other writer): left as they are,
        // the commit merges them.
        runStart = pieces.size();
        runOffset = size;
        tail = 0;
      }
      runBytes = (int) tail;
    }

    /** Takes the buffer's remaining bytes, storing full pieces as they fill. */
    void accept(ByteBuffer bytes) throws IOException {
      while (bytes.hasRemaining()) {
        int n = Math.min(PIECE_SIZE - runBytes - filled, bytes.remaining());
        if (buffer.length < filled + n) {
          int capacity =
              Math.max(
                  filled + n, Math.min(PIECE_SIZE - runBytes, Math.max(READ_CHUNK, 2 * filled)));
          buffer = Arrays.copyOf(buffer, capacity);
        }
        bytes.get(buffer, filled, n);
        filled += n;
        if (runBytes + filled == PIECE_SIZE) {
          store();
        }
      }
    }

    /** Stores what is left. */
    void finish() throws IOException {
      if (filled > 0) {
        store();
      }
    }

    private void store() throws IOException {
      boolean merge = runBytes + filled >= MIN_PART;
      long offset = merge ? runOffset : size;
      long length = merge ? runBytes + filled : filled;
      String key = pieceKey(offset);
      byte[] run = merge ? readRun() : new byte[0];
      byte[] bytes = buffer;
      int count = filled;
      MessageDigest through = copy(sha256);
      through.update(buffer, 0, filled);
      Map<String, String> metadata =
          Map.of(
              SHA256_THROUGH,
              HexFormat.of().formatHex(through.digest()),
              AFTER_PIECES,
              fingerprint(merge ? pieces.subList(0, runStart) : pieces));
      String etag =
          bucket.put(
              key,
              () ->
                  new SequenceInputStream(
                      new ByteArrayInputStream(run), new ByteArrayInputStream(bytes, 0, count)),
              length,
              metadata);
      sha256.update(buffer, 0, filled);
      List<Piece> merged = List.of();
      if (merge) {
        List<Piece> tail = pieces.subList(runStart, pieces.size());
        merged = List.copyOf(tail);
        tail.clear();
      }
      pieces.add(new Piece(key, offset, length, etag));
      hashedPieces = pieces.size();
      size = offset + length;
      filled = 0;
      if (merge) {
        checkpoint();
        runStart = pieces.size();
        runOffset = size;
        runBytes = 0;
        // The first merged piece was replaced (same key); the others are inside the new one.
        // Left behind by a failure, they are skipped by every listing and go with the upload.
        List<String> leftovers =
            merged.stream().map(Piece::key).filter(k -> !k.equals(key)).toList();
        try {
          bucket.deleteAll(leftovers);
        } catch (IOException e) {
          log.warn(
              "merged pieces of an upload not all deleted: upload={} error={}", id, e.getMessage());
        }
      }
    }

    private byte[] readRun() throws IOException {
      byte[] run = new byte[runBytes];
      int at = 0;
      for (Piece p : pieces.subList(runStart, pieces.size())) {
        try (InputStream in = bucket.get(p.key(), 0, p.size(), p.etag())) {
          int n = in.readNBytes(run, at, (int) p.size());
          if (n != p.size()) {
            throw shortPiece(p, n);
          }
        }
        at += (int) p.size();
      }
      return run;
    }
  }

  /**
   * Makes the pieces the object {@code target}: one piece is copied; several become the parts of a
   * multipart upload, each copied from its piece (small pieces together, read and uploaded), so the
   * object appears, complete, only when the upload completes. Every piece is read or copied only if
   * it still has the ETag its bytes were hashed with.
   */
  void compose(String target) throws IOException {
    if (pieces.isEmpty()) {
      bucket.put(target, new byte[0], 0, 0);
      return;
    }
    List<List<Piece>> parts = parts(pieces);
    if (parts.size() > MAX_PARTS) {
      throw new IOException(
          "upload "
              + id
              + " is stored in "
              + parts.size()
              + " pieces and S3 composes at most "
              + MAX_PARTS
              + "; push it in larger requests");
    }
    if (parts.size() == 1 && parts.getFirst().size() == 1) {
      Piece only = parts.getFirst().getFirst();
      bucket.copy(only.key(), target, only.size(), only.etag());
      return;
    }
    if (parts.size() == 1) {
      byte[] bytes = read(parts.getFirst());
      bucket.put(target, bytes, 0, bytes.length);
      return;
    }
    Bucket.Multipart upload = bucket.startMultipart(target);
    try {
      for (List<Piece> part : parts) {
        if (part.size() == 1) {
          Piece p = part.getFirst();
          upload.copyPart(p.key(), 0, p.size(), p.etag());
        } else {
          byte[] bytes = read(part);
          upload.uploadPart(() -> new ByteArrayInputStream(bytes), bytes.length);
        }
      }
      upload.complete();
    } catch (IOException | RuntimeException e) {
      upload.abort(e);
      throw e;
    }
  }

  /**
   * The pieces grouped into parts of at least {@link #MIN_PART} but the last: a piece that size
   * alone, small pieces together (only the tail's, when every writer followed the rules).
   */
  static List<List<Piece>> parts(List<Piece> pieces) {
    List<List<Piece>> parts = new ArrayList<>();
    List<Piece> part = new ArrayList<>();
    long bytes = 0;
    for (Piece p : pieces) {
      part.add(p);
      bytes += p.size();
      if (bytes >= MIN_PART) {
        parts.add(part);
        part = new ArrayList<>();
        bytes = 0;
      }
    }
    if (!part.isEmpty()) {
      parts.add(part);
    }
    return parts;
  }

  private byte[] read(List<Piece> group) throws IOException {
    long total = group.stream().mapToLong(Piece::size).sum();
    byte[] bytes = new byte[Math.toIntExact(total)];
    int at = 0;
    for (Piece p : group) {
      try (InputStream in = bucket.get(p.key(), 0, p.size(), p.etag())) {
        int n = in.readNBytes(bytes, at, (int) p.size());
        if (n != p.size()) {
          throw shortPiece(p, n);
        }
      }
      at += (int) p.size();
    }
    return bytes;
  }

  String pieceKey(long offset) {
    return prefix + PIECE + String.format(Locale.ROOT, "%019d", offset);
  }

  private interface Sink {
    void update(byte[] bytes, int offset, int length);
  }

  private void feed(InputStream in, Piece p, Sink sink) throws IOException {
    byte[] chunk = new byte[READ_CHUNK];
    long total = 0;
    for (int n; (n = in.read(chunk)) != -1; ) {
      sink.update(chunk, 0, n);
      total += n;
      hashedFromS3.add(n);
    }
    if (total != p.size()) {
      throw shortPiece(p, total);
    }
  }

  private IOException shortPiece(Piece p, long read) {
    return new IOException(
        "upload "
            + id
            + ": s3://"
            + bucket.name()
            + "/"
            + p.key()
            + " gave "
            + read
            + " of its "
            + p.size()
            + " bytes");
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  private static MessageDigest copy(MessageDigest digest) {
    try {
      return (MessageDigest) digest.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the JDK's SHA-256 cannot be copied", e);
    }
  }
}
