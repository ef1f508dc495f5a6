package dev.hoist.storage.s3;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * One bucket seen through the S3 API, with the few operations the blob store needs. Every failure
 * is an {@link IOException} whose message names the operation, the bucket and key, the HTTP status
 * and S3's error code (or why the endpoint could not be reached), and never a credential. Blocking;
 * thread-safe.
 */
final class Bucket implements AutoCloseable {
  /** The largest object CopyObject (and one UploadPartCopy) copies at once. */
  static final long MAX_COPY = 5L << 30;

  /** Objects deleted in parallel; S3 has no batch delete every S3-compatible server accepts. */
  private static final int DELETE_CONCURRENCY = 8;

  private static final int LIST_PAGE = 1000;

  private final S3Client s3;
  private final @Nullable S3Presigner presigner;
  private final String name;
  private final String endpoint;
  private final @Nullable String secret;
  private final @Nullable SdkAutoCloseable credentials;

  /**
   * @param endpoint how the endpoint is named in messages
   * @param secret a secret key to scrub from messages, should one ever appear in one
   * @param credentials a credentials provider to close with the bucket (clients do not close the
   *     providers they are given)
   */
  Bucket(
      S3Client s3,
      @Nullable S3Presigner presigner,
      String name,
      String endpoint,
      @Nullable String secret,
      @Nullable SdkAutoCloseable credentials) {
    this.s3 = s3;
    this.presigner = presigner;
    this.name = name;
    this.endpoint = endpoint;
    this.secret = secret;
    this.credentials = credentials;
  }

  String name() {
    return name;
  }

  /**
   * An object as HEAD or a listing describes it; the ETag keeps its quotes. The user metadata
   * ({@code x-amz-meta-*}, names in lower case without the prefix) comes with HEAD only.
   */
  record ObjectInfo(
      String key, long size, String etag, Instant lastModified, Map<String, String> metadata) {}

  /** The bucket's content changed since the ETag a conditional request named was read. */
  static final class ObjectChangedException extends IOException {
    private static final long serialVersionUID = 1L;

    ObjectChangedException(String message) {
      super(message);
    }
  }

  /** Fails unless the bucket exists and these credentials may use it. */
  void check() throws IOException {
    try {
      s3.headBucket(b -> b.bucket(name));
    } catch (SdkException e) {
      throw failure("HEAD bucket", "", e);
    }
  }

  Optional<ObjectInfo> head(String key) throws IOException {
    HeadObjectResponse r;
    try {
      r = s3.headObject(b -> b.bucket(name).key(key));
    } catch (SdkException e) {
      if (status(e) == 404) {
        return Optional.empty();
      }
      throw failure("HEAD", key, e);
    }
    return Optional.of(
        new ObjectInfo(
            key, r.contentLength(), quoted(r.eTag()), r.lastModified(), Map.copyOf(r.metadata())));
  }

  /**
   * The bytes {@code [offset, offset + length)} of an object, streamed; {@code length} must be
   * positive. With {@code ifMatch}, fails with {@link ObjectChangedException} unless the object
   * still has that ETag.
   */
  InputStream get(String key, long offset, long length, @Nullable String ifMatch)
      throws IOException {
    String range = "bytes=" + offset + "-" + (offset + length - 1);
    try {
      return s3.getObject(b -> b.bucket(name).key(key).range(range).ifMatch(ifMatch));
    } catch (SdkException e) {
      throw failure("GET", key, e);
    }
  }

  /** Stores {@code bytes[offset, offset + length)} as the object {@code key}; returns its ETag. */
  String put(String key, byte[] bytes, int offset, int length) throws IOException {
    return put(key, () -> new ByteArrayInputStream(bytes, offset, length), length, Map.of());
  }

  /**
   * Stores {@code length} bytes, with user metadata, as the object {@code key}; returns its ETag.
   * The provider may be asked for the bytes more than once (to sign them, to retry).
   */
  String put(String key, ContentStreamProvider content, long length, Map<String, String> metadata)
      throws IOException {
    try {
      return quoted(
          s3.putObject(
                  b -> b.bucket(name).key(key).contentLength(length).metadata(metadata),
                  RequestBody.fromContentProvider(content, length, "application/octet-stream"))
              .eTag());
    } catch (SdkException e) {
      throw failure("PUT", key, e);
    }
  }

  /**
   * Copies the object {@code source} (of {@code size} bytes) to {@code target}, in parts when it is
   * larger than one copy may be. With {@code ifMatch}, fails with {@link ObjectChangedException}
   * unless the source still has that ETag.
   */
  void copy(String source, String target, long size, @Nullable String ifMatch) throws IOException {
    if (size <= MAX_COPY) {
      try {
        s3.copyObject(
            b ->
                b.sourceBucket(name)
                    .sourceKey(source)
                    .destinationBucket(name)
                    .destinationKey(target)
                    .copySourceIfMatch(ifMatch)
                    // A piece's metadata (its hash state) is not the copy's.
                    .metadataDirective(MetadataDirective.REPLACE));
      } catch (SdkException e) {
        throw failure("COPY " + source + " to", target, e);
      }
      return;
    }
    Multipart upload = startMultipart(target);
    try {
      for (long offset = 0; offset < size; offset += MAX_COPY) {
        upload.copyPart(source, offset, Math.min(MAX_COPY, size - offset), ifMatch);
      }
      upload.complete();
    } catch (IOException | RuntimeException e) {
      upload.abort(e);
      throw e;
    }
  }

  /** Every object whose key starts with {@code prefix}, in key order. */
  List<ObjectInfo> listAll(String prefix) throws IOException {
    List<ObjectInfo> all = new ArrayList<>();
    String token = null;
    do {
      ListObjectsV2Response page = listPage(prefix, token);
      for (S3Object o : page.contents()) {
        all.add(info(o));
      }
      token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
    } while (token != null);
    return all;
  }

  /**
   * Every object whose key starts with {@code prefix}, in key order, one page fetched at a time as
   * the stream is consumed; a page that cannot be fetched fails the stream with an {@link
   * java.io.UncheckedIOException}.
   */
  Stream<ObjectInfo> list(String prefix) throws IOException {
    ListObjectsV2Response first = listPage(prefix, null);
    Iterator<ObjectInfo> objects =
        new Iterator<>() {
          private ListObjectsV2Response page = first;
          private Iterator<S3Object> contents = first.contents().iterator();

          @Override
          public boolean hasNext() {
            while (!contents.hasNext() && Boolean.TRUE.equals(page.isTruncated())) {
              try {
                page = listPage(prefix, page.nextContinuationToken());
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
              contents = page.contents().iterator();
            }
            return contents.hasNext();
          }

          @Override
          public ObjectInfo next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            return info(contents.next());
          }
        };
    return StreamSupport.stream(
        Spliterators.spliteratorUnknownSize(objects, Spliterator.ORDERED | Spliterator.NONNULL),
        false);
  }

  private ListObjectsV2Response listPage(String prefix, @Nullable String token) throws IOException {
    ListObjectsV2Request request =
        ListObjectsV2Request.builder()
            .bucket(name)
            .prefix(prefix)
            .maxKeys(LIST_PAGE)
            .continuationToken(token)
            .build();
    try {
      return s3.listObjectsV2(request);
    } catch (SdkException e) {
      throw failure("LIST", prefix + "*", e);
    }
  }

  private static ObjectInfo info(S3Object o) {
    return new ObjectInfo(o.key(), o.size(), quoted(o.eTag()), o.lastModified(), Map.of());
  }

  /** Deletes an object; no error when it is already gone. */
  void delete(String key) throws IOException {
    try {
      s3.deleteObject(b -> b.bucket(name).key(key));
    } catch (SdkException e) {
      if (status(e) == 404) {
        return;
      }
      throw failure("DELETE", key, e);
    }
  }

  /**
   * Deletes objects, several at a time (DeleteObjects would be one request, but it requires a
   * checksum header that many S3-compatible servers, s3proxy among them, refuse); the first failure
   * is thrown once all deletes ended.
   */
  void deleteAll(List<String> keys) throws IOException {
    if (keys.size() <= 1) {
      for (String key : keys) {
        delete(key);
      }
      return;
    }
    Semaphore permits = new Semaphore(DELETE_CONCURRENCY);
    List<Future<@Nullable Void>> deletes = new ArrayList<>();
    IOException failure = null;
    try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
      for (String key : keys) {
        deletes.add(
            executor.submit(
                () -> {
                  permits.acquire();
                  try {
                    delete(key);
                  } finally {
                    permits.release();
                  }
                  return null;
                }));
      }
      for (Future<@Nullable Void> delete : deletes) {
        try {
          delete.get();
        } catch (ExecutionException e) {
          IOException cause =
              e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
          if (failure == null) {
            failure = cause;
          } else {
            failure.addSuppressed(cause);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while deleting objects in " + name);
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** A presigned GET of {@code key}, valid for {@code expiry}. */
  URI presignGet(String key, Duration expiry) throws IOException {
    if (presigner == null) {
      throw new IllegalStateException("this bucket was opened without a presigner");
    }
    try {
      return presigner
          .presignGetObject(
              p -> p.signatureDuration(expiry).getObjectRequest(b -> b.bucket(name).key(key)))
          .url()
          .toURI();
    } catch (SdkException e) {
      throw failure("PRESIGN GET", key, e);
    } catch (URISyntaxException e) {
      throw new IOException("S3 PRESIGN GET of " + where(key) + " gave an invalid URL", e);
    }
  }

  /** Starts a multipart upload that will become the object {@code key} when completed. */
  Multipart startMultipart(String key) throws IOException {
    try {
      return new Multipart(key, s3.createMultipartUpload(b -> b.bucket(name).key(key)).uploadId());
    } catch (SdkException e) {
      throw failure("CREATE MULTIPART UPLOAD", key, e);
    }
  }

  /**
   * A multipart upload in progress: parts are added in order, each of at least 5 MiB but the last;
   * the object appears only when it is completed.
   */
  final class Multipart {
    private final String key;
    private final String uploadId;
    private final List<CompletedPart> parts = new ArrayList<>();

    private Multipart(String key, String uploadId) {
      this.key = key;
      this.uploadId = uploadId;
    }

    /** Adds {@code [offset, offset + length)} of the object {@code source} as the next part. */
    void copyPart(String source, long offset, long length, @Nullable String ifMatch)
        throws IOException {
      int number = parts.size() + 1;
      String range = "bytes=" + offset + "-" + (offset + length - 1);
      String etag;
      try {
        etag =
            s3.uploadPartCopy(
                    b ->
                        b.sourceBucket(name)
                            .sourceKey(source)
                            .destinationBucket(name)
                            .destinationKey(key)
                            .uploadId(uploadId)
                            .partNumber(number)
                            .copySourceRange(range)
                            .copySourceIfMatch(ifMatch))
                .copyPartResult()
                .eTag();
      } catch (SdkException e) {
        throw failure("UPLOAD PART COPY " + source + " to", key, e);
      }
      parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
    }

    /** Adds {@code length} bytes as the next part. */
    void uploadPart(ContentStreamProvider content, long length) throws IOException {
      int number = parts.size() + 1;
      String etag;
      try {
        etag =
            s3.uploadPart(
                    b ->
                        b.bucket(name)
                            .key(key)
                            .uploadId(uploadId)
                            .partNumber(number)
                            .contentLength(length),
                    RequestBody.fromContentProvider(content, length, "application/octet-stream"))
                .eTag();
      } catch (SdkException e) {
        throw failure("UPLOAD PART", key, e);
      }
      parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
    }

    /** Makes the parts the object, atomically. */
    void complete() throws IOException {
      try {
        s3.completeMultipartUpload(
            b -> b.bucket(name).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts)));
      } catch (SdkException e) {
        throw failure("COMPLETE MULTIPART UPLOAD", key, e);
      }
    }

    /** Discards the parts; a failure to do so is added to {@code cause}, which is being thrown. */
    void abort(Throwable cause) {
      try {
        s3.abortMultipartUpload(b -> b.bucket(name).key(key).uploadId(uploadId));
      } catch (SdkException e) {
        cause.addSuppressed(failure("ABORT MULTIPART UPLOAD", key, e));
      }
    }
  }

  /**
   * An SDK failure as an IOException: {@code S3 PUT s3://bucket/key at http://…: HTTP 403
   * AccessDenied: Access Denied}. A 412 (a condition such as If-Match failed) is an {@link
   * ObjectChangedException}, a 404 a {@link NoSuchFileException}.
   */
  IOException failure(String action, String key, SdkException e) {
    String problem;
    if (e instanceof AwsServiceException service) {
      AwsErrorDetails details = service.awsErrorDetails();
      String code = details == null ? null : details.errorCode();
      String message = details == null ? null : details.errorMessage();
      problem =
          "HTTP "
              + service.statusCode()
              + (code == null || code.isBlank() ? "" : " " + code)
              + (message == null || message.isBlank() ? "" : ": " + message);
    } else {
      problem = "cannot reach the endpoint: " + e.getMessage();
    }
    String text = scrub("S3 " + action + " " + where(key) + " failed: " + problem);
    IOException io;
    int status = status(e);
    if (status == 412) {
      io = new ObjectChangedException(text);
    } else if (status == 404) {
      io = new NoSuchFileException(where(key), null, text);
    } else {
      io = new IOException(text);
    }
    io.initCause(e);
    return io;
  }

  private String where(String key) {
    return "s3://" + name + "/" + key + " at " + endpoint;
  }

  private String scrub(String message) {
    return secret == null || secret.isEmpty() ? message : message.replace(secret, "****");
  }

  private static int status(SdkException e) {
    return e instanceof AwsServiceException service ? service.statusCode() : -1;
  }

  /** ETags keep their quotes: S3 returns them quoted, some servers in listings without. */
  private static String quoted(@Nullable String etag) {
    if (etag == null) {
      return "\"\"";
    }
    return etag.startsWith("\"") ? etag : "\"" + etag + "\"";
  }

  @Override
  public void close() {
    try {
      s3.close();
    } finally {
      try {
        if (presigner != null) {
          presigner.close();
        }
      } finally {
        if (credentials != null) {
          credentials.close();
        }
      }
    }
  }
}
