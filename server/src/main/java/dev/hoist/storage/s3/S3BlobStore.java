package dev.hoist.storage.s3;

import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestMismatchException;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.BlobUpload;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * A {@link BlobStore} in an S3 bucket; the object layout and how uploads work are in the
 * {@linkplain dev.hoist.storage.s3 package documentation}. Thread-safe. Blocking: run it off event
 * loops. Close it to release its HTTP client.
 */
public final class S3BlobStore implements BlobStore, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(S3BlobStore.class);
  private static final Pattern UPLOAD_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");

  /** Files up to this size are imported with one PUT; larger ones in parts of at least this. */
  static final long IMPORT_PART = 16L << 20;

  private final Bucket bucket;
  private final String prefix;
  private final @Nullable Duration redirectExpiry;
  private final InstantSource clock;

  /** The uploads this instance has touched, shared by their handles. */
  private final ConcurrentMap<String, UploadState> states = new ConcurrentHashMap<>();

  /** Upload bytes read back from S3 to be hashed (written by another node, or before a restart). */
  private final LongAdder hashedFromS3 = new LongAdder();

  /**
   * @param prefix where keys start: empty or ending in {@code /}
   * @param redirectExpiry when set, {@link #open} answers with presigned URLs valid this long
   */
  S3BlobStore(
      Bucket bucket, String prefix, @Nullable Duration redirectExpiry, InstantSource clock) {
    this.bucket = Objects.requireNonNull(bucket, "bucket");
    this.prefix = Objects.requireNonNull(prefix, "prefix");
    this.redirectExpiry = redirectExpiry;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A store in the bucket {@code config} names; nothing is sent to S3 until it is used. */
  public static S3BlobStore open(S3Config config) {
    return open(config, InstantSource.system());
  }

  /** As {@link #open(S3Config)}; {@code clock} names quarantined objects. */
  public static S3BlobStore open(S3Config config, InstantSource clock) {
    DefaultCredentialsProvider chain = null;
    AwsCredentialsProvider credentials;
    if (config.accessKey() == null || config.secretKey() == null) {
      chain = DefaultCredentialsProvider.builder().build();
      credentials = chain;
    } else {
      credentials =
          StaticCredentialsProvider.create(
              AwsBasicCredentials.create(config.accessKey(), config.secretKey()));
    }
    Region region = Region.of(config.region());
    S3Configuration service =
        S3Configuration.builder().pathStyleAccessEnabled(config.pathStyle()).build();
    var builder =
        S3Client.builder()
            .region(region)
            .credentialsProvider(credentials)
            .serviceConfiguration(service)
            // The JDK's HttpURLConnection: no second Netty (Vert.x brings one), no Apache client.
            .httpClient(UrlConnectionHttpClient.create())
            // Checksums only where S3 requires them: the SDK's default (CRC32 trailers on every
            // upload) is refused by many S3-compatible servers, and digests are verified here.
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    if (config.endpoint() != null) {
      builder.endpointOverride(config.endpoint());
    }
    S3Client s3 = builder.build();
    S3Presigner presigner = null;
    if (config.redirect()) {
      var presign =
          S3Presigner.builder()
              .region(region)
              .credentialsProvider(credentials)
              .serviceConfiguration(service);
      if (config.endpoint() != null) {
        presign.endpointOverride(config.endpoint());
      }
      presigner = presign.build();
    }
    Bucket bucket =
        new Bucket(
            s3, presigner, config.bucket(), config.endpointName(), config.secretKey(), chain);
    return new S3BlobStore(
        bucket, config.prefix(), config.redirect() ? config.redirectExpiry() : null, clock);
  }

  /** Fails, saying why, unless the bucket exists and the credentials may use it. */
  @Override
  public void checkAccess() throws IOException {
    bucket.check();
  }

  @Override
  public Optional<Long> size(Digest digest) throws IOException {
    return bucket.head(blobKey(digest)).map(Bucket.ObjectInfo::size);
  }

  /**
   * The blob as a presigned URL when redirects are on, else as a stream of ranged GETs (never held
   * in memory).
   */
  @Override
  public Optional<BlobContent> open(Digest digest) throws IOException {
    String key = blobKey(digest);
    Optional<Bucket.ObjectInfo> head = bucket.head(key);
    if (head.isEmpty()) {
      return Optional.empty();
    }
    long size = head.get().size();
    if (redirectExpiry != null) {
      return Optional.of(new BlobContent.Redirect(bucket.presignGet(key, redirectExpiry), size));
    }
    return Optional.of(
        new BlobContent.Streamed(
            size,
            (offset, length) -> {
              if (offset < 0 || offset >= size || length <= 0) {
                return InputStream.nullInputStream();
              }
              long end = length >= size - offset ? size : offset + length;
              if (offset >= end) {
                return InputStream.nullInputStream();
              }
              return bucket.get(key, offset, end - offset, null);
            }));
  }

  @Override
  public BlobUpload startUpload(String id) throws IOException {
    if (!isValidId(id)) {
      throw new IllegalArgumentException("invalid upload id: must match [A-Za-z0-9-]{1,64}");
    }
    String uploadPrefix = uploadPrefix(id);
    UploadState.Listing existing = UploadState.Listing.of(bucket, uploadPrefix);
    if (existing.exists()) {
      throw new FileAlreadyExistsException(id, null, "upload " + id + " exists");
    }
    // Leftovers of an upload whose cancel was interrupted after its marker went.
    bucket.deleteAll(existing.keys());
    // A fresh marker per start: its ETag tells this upload from one cancelled under the same id.
    byte[] marker = UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII);
    String generation = bucket.put(uploadPrefix + UploadState.MARKER, marker, 0, marker.length);
    UploadState state = new UploadState(id, bucket, uploadPrefix, generation, hashedFromS3);
    states.put(id, state);
    return new S3Upload(state);
  }

  /**
   * Lists the upload's objects and takes them as the truth: another node may have written since
   * this one last did. The SHA-256 kept in memory stays valid for the pieces that did not change.
   */
  @Override
  public Optional<BlobUpload> resumeUpload(String id) throws IOException {
    // An id that could not have been started cannot exist; it never becomes a key.
    if (!isValidId(id)) {
      return Optional.empty();
    }
    String uploadPrefix = uploadPrefix(id);
    UploadState state =
        states.computeIfAbsent(
            id, k -> new UploadState(k, bucket, uploadPrefix, null, hashedFromS3));
    synchronized (state) {
      // Listed under the monitor: a write of this instance ends before, not during, the listing.
      UploadState.Listing listing = UploadState.Listing.of(bucket, uploadPrefix);
      if (!listing.exists()) {
        states.remove(id, state);
        return Optional.empty();
      }
      state.sync(listing);
    }
    return Optional.of(new S3Upload(state));
  }

  @Override
  public void cancelUpload(String id) throws IOException {
    if (!isValidId(id)) {
      return;
    }
    UploadState state = states.remove(id);
    if (state == null) {
      deleteUpload(id);
      return;
    }
    synchronized (state) {
      deleteUpload(id);
    }
  }

  /** Deletes the marker first, so the upload is gone at once even if a later delete fails. */
  private void deleteUpload(String id) throws IOException {
    String uploadPrefix = uploadPrefix(id);
    String marker = uploadPrefix + UploadState.MARKER;
    List<String> keys = new ArrayList<>();
    boolean hasMarker = false;
    for (Bucket.ObjectInfo o : bucket.listAll(uploadPrefix)) {
      if (o.key().equals(marker)) {
        hasMarker = true;
      } else {
        keys.add(o.key());
      }
    }
    if (hasMarker) {
      bucket.delete(marker);
    }
    bucket.deleteAll(keys);
  }

  /** Verifies the bytes in memory, then stores them with one PUT. */
  @Override
  public void put(Digest digest, byte[] content) throws IOException {
    Digest actual = Digest.of(digest.algorithm(), content);
    if (!actual.equals(digest)) {
      throw new DigestMismatchException(digest, actual, content.length, content.length);
    }
    String key = blobKey(digest);
    if (bucket.head(key).isEmpty()) {
      bucket.put(key, content, 0, content.length);
    }
  }

  /**
   * Uploads the file, already verified, straight to its blob's key: with one PUT up to {@link
   * #IMPORT_PART}, as a multipart upload in parts of that size (larger if 10,000 parts would not
   * hold it) above. The object appears only when the upload is complete.
   */
  @Override
  public void importFile(Digest digest, long size, Path file) throws IOException {
    String key = blobKey(digest);
    if (bucket.head(key).isPresent()) {
      Files.deleteIfExists(file);
      return;
    }
    long actual = Files.size(file);
    if (size != -1 && size != actual) {
      throw new DigestMismatchException(digest, null, size, actual);
    }
    if (actual <= IMPORT_PART) {
      bucket.put(key, () -> fileRange(file, 0, actual), actual, Map.of());
    } else {
      long partSize =
          Math.max(IMPORT_PART, (actual + UploadState.MAX_PARTS - 1) / UploadState.MAX_PARTS);
      Bucket.Multipart upload = bucket.startMultipart(key);
      try {
        for (long offset = 0; offset < actual; offset += partSize) {
          long from = offset;
          long length = Math.min(partSize, actual - offset);
          upload.uploadPart(() -> fileRange(file, from, length), length);
        }
        upload.complete();
      } catch (IOException | RuntimeException e) {
        upload.abort(e);
        throw e;
      }
    }
    Files.deleteIfExists(file);
  }

  /** The bytes {@code [offset, offset + length)} of a file, as a stream. */
  private static InputStream fileRange(Path file, long offset, long length) {
    try {
      FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
      try {
        channel.position(offset);
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
      return new BoundedInputStream(Channels.newInputStream(channel), length);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  @Override
  public boolean delete(Digest digest) throws IOException {
    String key = blobKey(digest);
    if (bucket.head(key).isEmpty()) {
      return false;
    }
    bucket.delete(key);
    return true;
  }

  /**
   * Copies the blob's object to {@code quarantine/<algorithm>-<hex>-<millis>} (only if it still has
   * the ETag first seen), hashes the copy, and then deletes either the copy (its bytes match after
   * all) or the blob's object (unless it changed meanwhile). The bytes are never lost: a crash
   * before the last delete leaves them in place, possibly with a copy aside.
   */
  @Override
  public boolean quarantine(Digest digest) throws IOException {
    String key = blobKey(digest);
    Optional<Bucket.ObjectInfo> blob = bucket.head(key);
    if (blob.isEmpty()) {
      return false;
    }
    String etag = blob.get().etag();
    String aside = quarantineKey(digest);
    try {
      bucket.copy(key, aside, blob.get().size(), etag);
    } catch (Bucket.ObjectChangedException | NoSuchFileException e) {
      return false; // deleted or replaced meanwhile: not known to be bad
    }
    boolean good;
    try {
      good = hash(aside, digest.algorithm()).equals(digest);
    } catch (IOException | RuntimeException e) {
      // Not known to be bad: the blob stays in service, the copy goes.
      try {
        bucket.delete(aside);
      } catch (IOException f) {
        e.addSuppressed(f);
      }
      throw e;
    }
    if (good) {
      bucket.delete(aside);
      return false;
    }
    Optional<Bucket.ObjectInfo> now = bucket.head(key);
    if (now.isPresent() && now.get().etag().equals(etag)) {
      bucket.delete(key);
    }
    return true;
  }

  private Digest hash(String key, String algorithm) throws IOException {
    Optional<Bucket.ObjectInfo> info = bucket.head(key);
    if (info.isEmpty()) {
      throw new NoSuchFileException(key);
    }
    if (info.get().size() == 0) {
      return Digest.of(algorithm, new byte[0]);
    }
    try (InputStream in = bucket.get(key, 0, info.get().size(), info.get().etag())) {
      return Digest.compute(algorithm, in);
    }
  }

  /** A free key in the quarantine: when, to the millisecond, a copy of the digest went there. */
  private String quarantineKey(Digest digest) throws IOException {
    String start = prefix + "quarantine/" + digest.algorithm() + "-" + digest.encoded() + "-";
    long millis = clock.millis();
    while (bucket.head(start + millis).isPresent()) {
      millis++;
    }
    return start + millis;
  }

  /** Every object under {@code blobs/} whose key is a blob's; others are skipped. */
  @Override
  public Stream<StoredFile> list() throws IOException {
    String blobs = prefix + "blobs/";
    return bucket
        .list(blobs)
        .flatMap(
            o -> {
              String name = o.key().substring(blobs.length());
              int slash = name.indexOf('/');
              if (slash < 0) {
                return Stream.empty();
              }
              Digest digest;
              try {
                digest = Digest.parse(name.substring(0, slash) + ":" + name.substring(slash + 1));
              } catch (RuntimeException e) {
                return Stream.empty();
              }
              if (!o.key().equals(blobKey(digest))) {
                return Stream.empty();
              }
              return Stream.of(new StoredFile(digest, o.size(), o.lastModified()));
            });
  }

  /** How many upload bytes this instance read back from S3 to hash them. */
  long bytesHashedFromS3() {
    return hashedFromS3.sum();
  }

  String blobKey(Digest digest) {
    return prefix + "blobs/" + digest.algorithm() + "/" + digest.encoded();
  }

  String uploadPrefix(String id) {
    return prefix + "uploads/" + id + "/";
  }

  private static boolean isValidId(@Nullable String id) {
    return id != null && UPLOAD_ID.matcher(id).matches();
  }

  @Override
  public void close() {
    bucket.close();
  }

  private final class S3Upload implements BlobUpload {
    private final UploadState state;
    private boolean done;

    S3Upload(UploadState state) {
      this.state = state;
    }

    @Override
    public String id() {
      return state.id;
    }

    @Override
    public long size() {
      return state.size();
    }

    @Override
    public void write(ByteBuffer bytes) throws IOException {
      synchronized (state) {
        checkOpen();
        state.catchUp();
        UploadState.Appender appender = state.appender();
        try {
          appender.accept(bytes);
        } catch (IOException | RuntimeException e) {
          keepWhatArrived(appender, e);
          throw e;
        }
        appender.finish();
      }
    }

    @Override
    public long write(InputStream in) throws IOException {
      synchronized (state) {
        checkOpen();
        state.catchUp();
        UploadState.Appender appender = state.appender();
        byte[] chunk = new byte[64 * 1024];
        long total = 0;
        try {
          for (int n; (n = in.read(chunk)) != -1; ) {
            appender.accept(ByteBuffer.wrap(chunk, 0, n));
            total += n;
          }
        } catch (IOException | RuntimeException e) {
          // Bytes read before a failing read are stored: the offset the client resumes at is
          // what it delivered.
          keepWhatArrived(appender, e);
          throw e;
        }
        appender.finish();
        return total;
      }
    }

    private void keepWhatArrived(UploadState.Appender appender, Exception failure) {
      try {
        appender.finish();
      } catch (IOException | RuntimeException e) {
        failure.addSuppressed(e);
      }
    }

    /**
     * Lists the pieces, hashes what this instance did not write, compares; then composes the blob
     * (unless it exists) and deletes the upload's objects.
     */
    @Override
    public void commit(Digest expected, long expectedSize) throws IOException {
      Objects.requireNonNull(expected, "expected");
      synchronized (state) {
        checkOpen();
        UploadState.Listing listing = UploadState.Listing.of(bucket, uploadPrefix(state.id));
        if (!listing.exists()) {
          done = true;
          states.remove(state.id, state);
          throw new NoSuchFileException(
              state.id, null, "upload " + state.id + " was cancelled elsewhere");
        }
        state.sync(listing);
        long size = state.size();
        if (expectedSize != -1 && expectedSize != size) {
          discard();
          throw new DigestMismatchException(expected, null, expectedSize, size);
        }
        Digest actual = state.digest(expected.algorithm());
        if (!actual.equals(expected)) {
          discard();
          throw new DigestMismatchException(expected, actual, expectedSize, size);
        }
        String target = blobKey(expected);
        if (bucket.head(target).isEmpty()) {
          state.compose(target);
        }
        done = true;
        states.remove(state.id, state);
        try {
          deleteUpload(state.id);
        } catch (IOException e) {
          // The blob is committed; what is left is garbage no listing of the upload shows.
          log.warn(
              "upload committed, its objects not all deleted: upload={} error={}",
              state.id,
              e.getMessage());
        }
      }
    }

    @Override
    public void cancel() throws IOException {
      synchronized (state) {
        if (!done) {
          discard();
        }
      }
    }

    private void discard() throws IOException {
      done = true;
      if (states.remove(state.id, state)) {
        deleteUpload(state.id);
      }
    }

    private void checkOpen() {
      if (done || states.get(state.id) != state) {
        throw new IllegalStateException("upload " + state.id + " was committed or cancelled");
      }
    }
  }
}
