package dev.hoist.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestMismatchException;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.BlobUpload;
import dev.hoist.testkit.BlobStoreContract;
import dev.hoist.testkit.S3Server;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The contract against s3proxy in this process (a fresh bucket per test, keys under a prefix), and
 * what only S3 has: uploads continued on another node, ranged reads, presigned redirects, errors.
 */
class S3BlobStoreTest extends BlobStoreContract {
  private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");
  private static final String PREFIX = "hoist/";
  private static final int MIB = 1 << 20;

  private static S3Server s3;
  private static S3Client raw;

  private String bucket;
  private final List<S3BlobStore> opened = new ArrayList<>();

  @BeforeAll
  static void startS3() throws Exception {
    s3 = S3Server.start();
    raw =
        S3Client.builder()
            .endpointOverride(s3.endpoint())
            .region(Region.of(S3Server.REGION))
            .forcePathStyle(true)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(s3.accessKey(), s3.secretKey())))
            .httpClient(UrlConnectionHttpClient.create())
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .build();
  }

  @AfterAll
  static void stopS3() {
    raw.close();
    s3.close();
  }

  @AfterEach
  void closeStores() {
    opened.forEach(S3BlobStore::close);
  }

  /** Every call with the same data directory (a restart, another node) reaches one bucket. */
  @Override
  protected BlobStore newStore(Path dataDir) {
    return node();
  }

  @Override
  protected void corrupt(Digest digest, byte[] bytes) {
    raw.putObject(b -> b.bucket(bucket()).key(blobKey(digest)), RequestBody.fromBytes(bytes));
  }

  private S3BlobStore node() {
    return open(config(false));
  }

  private S3BlobStore open(S3Config config) {
    S3BlobStore store = S3BlobStore.open(config, InstantSource.fixed(NOW));
    opened.add(store);
    return store;
  }

  private S3Config config(boolean redirect) {
    return new S3Config(
        s3.endpoint(),
        S3Server.REGION,
        bucket(),
        PREFIX,
        true,
        s3.accessKey(),
        s3.secretKey(),
        redirect,
        S3Config.DEFAULT_REDIRECT_EXPIRY);
  }

  private String bucket() {
    if (bucket == null) {
      bucket = s3.createBucket();
    }
    return bucket;
  }

  private static String blobKey(Digest digest) {
    return PREFIX + "blobs/" + digest.algorithm() + "/" + digest.encoded();
  }

  private List<S3Object> objects() {
    return raw.listObjectsV2Paginator(b -> b.bucket(bucket())).contents().stream().toList();
  }

  private List<String> keys() {
    return objects().stream().map(S3Object::key).toList();
  }

  // Uploads across nodes.

  @Test
  void uploadWrittenInChunksOnTwoNodesIsCommittedOnEither() throws IOException {
    for (boolean commitOnA : new boolean[] {true, false}) {
      byte[] content = bytes(19 * MIB + 123, commitOnA ? 40 : 41);
      Digest digest = Digest.sha256(content);
      S3BlobStore a = node();
      S3BlobStore b = node();
      String id = newId();
      int[] chunks = {MIB, 3 * MIB, 7 * MIB, MIB, 7 * MIB + 123};
      BlobUpload upload = a.startUpload(id);
      int offset = 0;
      for (int i = 0; i < chunks.length; i++) {
        S3BlobStore node = i % 2 == 0 ? a : b;
        upload = node.resumeUpload(id).orElseThrow();
        assertThat(upload.size()).as("size seen by the node writing chunk %d", i).isEqualTo(offset);
        upload.write(ByteBuffer.wrap(content, offset, chunks[i]));
        offset += chunks[i];
      }

      S3BlobStore committer = commitOnA ? a : b;
      BlobUpload last = committer.resumeUpload(id).orElseThrow();
      assertThat(last.size()).isEqualTo(content.length);
      last.commit(digest, content.length);

      assertThat(read(node().open(digest).orElseThrow())).isEqualTo(content);
      assertThat(keys()).noneMatch(k -> k.contains("/uploads/"));
      assertThat(a.resumeUpload(id)).isEmpty();
    }
  }

  @Test
  void uploadLeftByAnotherNodeIsCommittedWithoutFurtherWrites() throws IOException {
    byte[] content = bytes(12 * MIB + 5, 42);
    Digest digest = Digest.sha256(content);
    String id = newId();
    S3BlobStore a = node();
    a.startUpload(id).write(new ByteArrayInputStream(content));

    S3BlobStore b = node();
    b.resumeUpload(id).orElseThrow().commit(digest, -1);

    assertThat(read(node().open(digest).orElseThrow())).isEqualTo(content);
    assertThat(a.bytesHashedFromS3()).as("A hashed what it wrote as it wrote it").isZero();
    assertThat(b.bytesHashedFromS3())
        .as("B used the digest A recorded with the last piece")
        .isZero();
  }

  @Test
  void aRecordedDigestIsTrustedOnlyForThePiecesItWasRecordedAfter() throws IOException {
    byte[] content = bytes(12 * MIB + 5, 64);
    Digest digest = Digest.sha256(content);
    String id = newId();
    node().startUpload(id).write(new ByteArrayInputStream(content));
    String first = PREFIX + "uploads/" + id + "/part-" + "0".repeat(19);
    raw.putObject(b -> b.bucket(bucket()).key(first), RequestBody.fromBytes(bytes(8 * MIB, 65)));

    S3BlobStore b = node();
    assertThatThrownBy(() -> b.resumeUpload(id).orElseThrow().commit(digest, -1))
        .isInstanceOf(DigestMismatchException.class);

    assertThat(b.bytesHashedFromS3()).as("read back instead").isEqualTo(content.length);
    assertThat(keys()).isEmpty();
  }

  @Test
  void aNodeWhoseSmallPieceAnotherMergedRereadsOnlyFromItsLastWholePart() throws IOException {
    byte[] content = bytes(15 * MIB, 66);
    Digest digest = Digest.sha256(content);
    String id = newId();
    S3BlobStore a = node();
    S3BlobStore b = node();
    a.startUpload(id).write(ByteBuffer.wrap(content, 0, 9 * MIB)); // a part, and 1 MiB
    // B hashes A's 9 MiB, then merges A's 1 MiB with its 5 MiB into one piece.
    b.resumeUpload(id).orElseThrow().write(ByteBuffer.wrap(content, 9 * MIB, 5 * MIB));
    assertThat(b.bytesHashedFromS3()).isEqualTo(9 * MIB);

    BlobUpload onA = a.resumeUpload(id).orElseThrow();
    onA.write(ByteBuffer.wrap(content, 14 * MIB, MIB));
    onA.commit(digest, content.length);

    assertThat(a.bytesHashedFromS3()).as("the merged piece only").isEqualTo(6 * MIB);
    assertThat(read(node().open(digest).orElseThrow())).isEqualTo(content);
  }

  @Test
  void mismatchOnTheResumingNodeLeavesNoObjectUnderTheDigest() throws IOException {
    byte[] content = bytes(9 * MIB, 43);
    Digest digest = Digest.sha256(content);
    String id = newId();
    node().startUpload(id).write(ByteBuffer.wrap(content, 0, 6 * MIB));
    BlobUpload onB = node().resumeUpload(id).orElseThrow();
    byte[] wrong = bytes(3 * MIB, 44);
    onB.write(ByteBuffer.wrap(wrong));

    assertThatThrownBy(() -> onB.commit(digest, content.length))
        .isInstanceOfSatisfying(
            DigestMismatchException.class,
            e -> assertThat(e.actual()).isPresent().get().isNotEqualTo(digest));

    assertThat(keys()).as("no blob, no upload objects left").isEmpty();
  }

  @Test
  void sha512UploadOnTwoNodesIsVerifiedFromItsPieces() throws IOException {
    byte[] content = bytes(6 * MIB + 7, 45);
    Digest digest = Digest.sha512(content);
    String id = newId();
    node().startUpload(id).write(ByteBuffer.wrap(content, 0, MIB));
    BlobUpload onB = node().resumeUpload(id).orElseThrow();
    onB.write(ByteBuffer.wrap(content, MIB, content.length - MIB));

    assertThatThrownBy(() -> onB.commit(Digest.sha512(bytes(10, 46)), -1))
        .isInstanceOf(DigestMismatchException.class);
    assertThat(keys()).isEmpty();

    node().put(digest, content);
    assertThat(read(node().open(digest).orElseThrow())).isEqualTo(content);
  }

  @Test
  void manySmallWritesAreMergedIntoPartsOfAtLeastFiveMebibytes() throws IOException {
    byte[] content = bytes(13 * MIB + 1000, 47);
    Digest digest = Digest.sha256(content);
    String id = newId();
    BlobUpload upload = node().startUpload(id);
    int batch = 128 * 1024;
    for (int off = 0; off < content.length; off += batch) {
      upload.write(ByteBuffer.wrap(content, off, Math.min(batch, content.length - off)));
    }

    // In offset order (the keys name the offsets): whole parts, then less than a part of small
    // pieces, one per write since the last merge.
    List<Long> sizes =
        objects().stream().filter(o -> o.key().contains("/part-")).map(S3Object::size).toList();
    assertThat(sizes.stream().mapToLong(Long::longValue).sum()).isEqualTo(content.length);
    int firstSmall = 0;
    while (sizes.get(firstSmall) >= UploadState.MIN_PART) {
      firstSmall++;
    }
    assertThat(firstSmall).isEqualTo(2);
    List<Long> tail = sizes.subList(firstSmall, sizes.size());
    assertThat(tail).allMatch(size -> size == batch || size == content.length % batch);
    assertThat(tail.stream().mapToLong(Long::longValue).sum()).isLessThan(UploadState.MIN_PART);

    upload.commit(digest, content.length);
    assertThat(read(node().open(digest).orElseThrow())).isEqualTo(content);
  }

  @Test
  void mergeInterruptedBeforeItsDeletesLeavesAnUploadThatStillCommits() throws IOException {
    byte[] content = bytes(3 * 300_000, 48);
    Digest digest = Digest.sha256(content);
    String id = newId();
    BlobUpload upload = node().startUpload(id);
    for (int i = 0; i < 3; i++) {
      upload.write(ByteBuffer.wrap(content, i * 300_000, 300_000));
    }
    // What a merge leaves when it stops after storing the merged piece: the pieces inside it.
    String first = PREFIX + "uploads/" + id + "/part-" + "0".repeat(19);
    raw.putObject(b -> b.bucket(bucket()).key(first), RequestBody.fromBytes(content));
    assertThat(keys()).filteredOn(k -> k.contains("/part-")).hasSize(3);

    BlobUpload resumed = node().resumeUpload(id).orElseThrow();
    assertThat(resumed.size()).isEqualTo(content.length);
    resumed.commit(digest, content.length);

    assertThat(read(node().open(digest).orElseThrow())).isEqualTo(content);
    assertThat(keys()).containsExactly(blobKey(digest));
  }

  @Test
  void pieceReplacedAfterItWasHashedIsNotCommitted() throws IOException {
    byte[] content = bytes(2 * MIB, 61);
    Digest digest = Digest.sha256(content);
    String id = newId();
    BlobUpload upload = node().startUpload(id);
    upload.write(ByteBuffer.wrap(content));
    String piece = PREFIX + "uploads/" + id + "/part-" + "0".repeat(19);
    raw.putObject(b -> b.bucket(bucket()).key(piece), RequestBody.fromBytes(bytes(2 * MIB, 62)));

    assertThatThrownBy(() -> upload.commit(digest, content.length))
        .isInstanceOf(DigestMismatchException.class);

    assertThat(keys()).isEmpty();
  }

  @Test
  void uploadWithAGapIsReportedDamaged() throws IOException {
    String id = newId();
    node().startUpload(id).write(ByteBuffer.wrap(bytes(1000, 49)));
    String beyond = PREFIX + "uploads/" + id + "/part-" + String.format("%019d", 5000);
    raw.putObject(b -> b.bucket(bucket()).key(beyond), RequestBody.fromBytes(new byte[10]));

    assertThatThrownBy(() -> node().resumeUpload(id))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("damaged")
        .hasMessageContaining("from 1000 are missing");
  }

  @Test
  void idCancelledOnAnotherNodeAndStartedAgainIsNotConfusedWithTheOldUpload() throws IOException {
    String id = newId();
    S3BlobStore a = node();
    a.startUpload(id).write(ByteBuffer.wrap(bytes(2000, 50)));
    S3BlobStore b = node();
    b.cancelUpload(id);
    byte[] content = bytes(3000, 51);
    b.startUpload(id).write(ByteBuffer.wrap(content));

    BlobUpload onA = a.resumeUpload(id).orElseThrow();
    assertThat(onA.size()).isEqualTo(3000);
    onA.commit(Digest.sha256(content), 3000);

    assertThat(read(b.open(Digest.sha256(content)).orElseThrow())).isEqualTo(content);
  }

  // Layout.

  @Test
  void objectsLiveUnderThePrefixAsDocumented() throws IOException {
    byte[] content = bytes(1000, 52);
    Digest sha256 = Digest.sha256(content);
    Digest sha512 = Digest.sha512(content);
    String id = newId();
    BlobUpload upload = store.startUpload(id);
    upload.write(ByteBuffer.wrap(content));

    assertThat(keys())
        .containsExactlyInAnyOrder(
            PREFIX + "uploads/" + id + "/started",
            PREFIX + "uploads/" + id + "/part-0000000000000000000");

    upload.commit(sha256, content.length);
    store.put(sha512, content);
    assertThat(keys()).containsExactlyInAnyOrder(blobKey(sha256), blobKey(sha512));
    assertThat(store.list())
        .extracting(BlobStore.StoredFile::digest, BlobStore.StoredFile::size)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(sha256, 1000L),
            org.assertj.core.groups.Tuple.tuple(sha512, 1000L));
  }

  @Test
  void listSkipsKeysThatAreNotABlobs() throws IOException {
    byte[] content = bytes(10, 53);
    Digest digest = Digest.sha256(content);
    store.put(digest, content);
    for (String stray :
        List.of("blobs/readme", "blobs/sha256/xyz", "blobs/md5/abcd", "blobs/sha256/a/b")) {
      raw.putObject(b -> b.bucket(bucket()).key(PREFIX + stray), RequestBody.fromBytes(content));
    }

    try (Stream<BlobStore.StoredFile> listed = store.list()) {
      assertThat(listed.toList())
          .singleElement()
          .satisfies(
              f -> {
                assertThat(f.digest()).isEqualTo(digest);
                assertThat(f.size()).isEqualTo(10);
                assertThat(f.stored()).isAfter(Instant.now().minusSeconds(600));
              });
    }
  }

  @Test
  void quarantineCopiesTheBytesAsideNamedByDigestAndTime() throws IOException {
    byte[] content = bytes(1000, 54);
    Digest digest = Digest.sha256(content);
    store.put(digest, content);
    byte[] bad = bytes(1000, 55);
    corrupt(digest, bad);

    assertThat(store.quarantine(digest)).isTrue();

    String aside = PREFIX + "quarantine/sha256-" + digest.encoded() + "-" + NOW.toEpochMilli();
    assertThat(keys()).containsExactly(aside);
    assertThat(raw.getObjectAsBytes(b -> b.bucket(bucket()).key(aside)).asByteArray())
        .isEqualTo(bad);

    store.put(digest, content);
    corrupt(digest, bytes(1000, 56));
    assertThat(store.quarantine(digest)).isTrue();
    assertThat(keys()).contains(aside.replaceAll("\\d+$", "" + (NOW.toEpochMilli() + 1)));
  }

  @Test
  void quarantineOfGoodBytesLeavesNothingAside() throws IOException {
    byte[] content = bytes(1000, 57);
    Digest digest = Digest.sha256(content);
    store.put(digest, content);

    assertThat(store.quarantine(digest)).isFalse();

    assertThat(keys()).containsExactly(blobKey(digest));
  }

  @Test
  void largeFileIsImportedInParts() throws IOException {
    byte[] content = bytes(2 * (int) S3BlobStore.IMPORT_PART + 77, 58);
    Digest digest = Digest.sha256(content);
    Path file = Files.write(dataDir.resolve("import"), content);

    store.importFile(digest, content.length, file);

    assertThat(file).doesNotExist();
    assertThat(store.size(digest)).contains((long) content.length);
    assertThat(read(store.open(digest).orElseThrow())).isEqualTo(content);
    assertThat(keys()).containsExactly(blobKey(digest));
  }

  @Test
  void aServerOnDiskKeepsBlobsAndUploadsAcrossItsRestart() throws Exception {
    byte[] content = bytes(6 * MIB + 3, 63);
    Digest digest = Digest.sha256(content);
    String id = newId();
    Path disk = dataDir.resolve("s3");
    String diskBucket;
    try (S3Server first = S3Server.start(disk)) {
      diskBucket = first.createBucket();
      S3BlobStore store = open(onServer(first, diskBucket));
      store.put(Digest.sha256(new byte[] {1}), new byte[] {1});
      store.startUpload(id).write(ByteBuffer.wrap(content, 0, 4 * MIB));
    }
    try (S3Server second = S3Server.start(disk)) {
      S3BlobStore store = open(onServer(second, diskBucket));
      BlobUpload upload = store.resumeUpload(id).orElseThrow();
      assertThat(upload.size()).isEqualTo(4 * MIB);
      upload.write(ByteBuffer.wrap(content, 4 * MIB, content.length - 4 * MIB));
      upload.commit(digest, content.length);

      assertThat(read(store.open(digest).orElseThrow())).isEqualTo(content);
      assertThat(store.size(Digest.sha256(new byte[] {1}))).contains(1L);
    }
  }

  private static S3Config onServer(S3Server server, String bucket) {
    return new S3Config(
        server.endpoint(),
        S3Server.REGION,
        bucket,
        PREFIX,
        true,
        server.accessKey(),
        server.secretKey(),
        false,
        S3Config.DEFAULT_REDIRECT_EXPIRY);
  }

  // Reading.

  @Test
  void rangesReadTheRequestedBytes() throws IOException {
    byte[] content = bytes(100_000, 59);
    Digest digest = Digest.sha256(content);
    store.put(digest, content);
    BlobContent.Streamed streamed = (BlobContent.Streamed) store.open(digest).orElseThrow();

    assertThat(streamed.size()).isEqualTo(100_000);
    assertThat(readRange(streamed, 0, 100_000)).isEqualTo(content);
    assertThat(readRange(streamed, 1234, 1)).containsExactly(content[1234]);
    assertThat(readRange(streamed, 50_000, 10_000))
        .isEqualTo(Arrays.copyOfRange(content, 50_000, 60_000));
    assertThat(readRange(streamed, 99_990, 1000))
        .as("a range past the end stops at it")
        .isEqualTo(Arrays.copyOfRange(content, 99_990, 100_000));
    assertThat(readRange(streamed, 100_000, 10)).isEmpty();
    assertThat(readRange(streamed, 10, 0)).isEmpty();
    try (InputStream in = streamed.openStream(99_000, Long.MAX_VALUE)) {
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(content, 99_000, 100_000));
    }
  }

  private static byte[] readRange(BlobContent.Streamed streamed, long offset, long length)
      throws IOException {
    try (InputStream in = streamed.open(offset, length)) {
      return in.readAllBytes();
    }
  }

  @Test
  void redirectGivesAPresignedUrlThatAPlainClientFetches() throws Exception {
    byte[] content = bytes(300_000, 60);
    Digest digest = Digest.sha256(content);
    S3BlobStore redirecting = open(config(true));
    redirecting.put(digest, content);

    BlobContent opened = redirecting.open(digest).orElseThrow();

    assertThat(opened).isInstanceOf(BlobContent.Redirect.class);
    URI location = ((BlobContent.Redirect) opened).location();
    assertThat(location.toString())
        .startsWith(s3.endpoint() + "/" + bucket() + "/" + blobKey(digest))
        .contains("X-Amz-Signature=")
        .contains("X-Amz-Expires=900")
        .doesNotContain(s3.secretKey());
    assertThat(opened.size()).isEqualTo(content.length);
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<byte[]> whole =
          http.send(
              HttpRequest.newBuilder(location).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(whole.statusCode()).isEqualTo(200);
      assertThat(whole.body()).isEqualTo(content);
      HttpResponse<byte[]> range =
          http.send(
              HttpRequest.newBuilder(location).header("Range", "bytes=1000-1999").build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(range.statusCode()).isEqualTo(206);
      assertThat(range.body()).isEqualTo(Arrays.copyOfRange(content, 1000, 2000));
      HttpResponse<byte[]> tampered =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(location.toString().replace(digest.encoded(), "0".repeat(64))))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(tampered.statusCode()).isEqualTo(403);
    }
  }

  // Errors.

  @Test
  void aWrongSecretFailsClearlyWithoutShowingIt() throws IOException {
    String secret = "not-the-secret-" + newId();
    S3Config wrong =
        new S3Config(
            s3.endpoint(),
            S3Server.REGION,
            bucket(),
            PREFIX,
            true,
            s3.accessKey(),
            secret,
            false,
            S3Config.DEFAULT_REDIRECT_EXPIRY);
    S3BlobStore store = open(wrong);

    assertThat(wrong.toString()).doesNotContain(secret).doesNotContain(s3.accessKey());
    assertThatThrownBy(() -> store.put(Digest.sha256(new byte[1]), new byte[1]))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("S3 HEAD s3://" + bucket() + "/" + PREFIX + "blobs/sha256/")
        .hasMessageContaining("HTTP 403") // a HEAD response has no body to name the error
        .satisfies(e -> assertThat(messages(e)).doesNotContain(secret));
    assertThatThrownBy(() -> store.startUpload(newId()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("S3 LIST s3://" + bucket() + "/" + PREFIX + "uploads/")
        .hasMessageContaining("HTTP 403 SignatureDoesNotMatch")
        .satisfies(e -> assertThat(messages(e)).doesNotContain(secret));
    assertThatThrownBy(store::checkAccess)
        .isInstanceOf(IOException.class)
        .satisfies(e -> assertThat(messages(e)).doesNotContain(secret));
  }

  @Test
  void anEndpointThatIsDownFailsWithAClearMessage() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    URI down = URI.create("http://127.0.0.1:" + port);
    S3BlobStore store =
        open(
            new S3Config(
                down,
                S3Server.REGION,
                "some-bucket",
                "",
                true,
                "key",
                "secret-" + newId(),
                false,
                S3Config.DEFAULT_REDIRECT_EXPIRY));
    Digest digest = Digest.sha256(new byte[1]);

    assertThatThrownBy(() -> store.size(digest))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("S3 HEAD s3://some-bucket/blobs/sha256/" + digest.encoded())
        .hasMessageContaining("at " + down)
        .hasMessageContaining("cannot reach the endpoint");
    assertThatThrownBy(() -> store.startUpload(newId()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("S3 LIST s3://some-bucket/uploads/");
  }

  /** Every message in a throwable's chain, suppressed ones included. */
  private static String messages(Throwable t) {
    StringBuilder all = new StringBuilder();
    java.util.ArrayDeque<Throwable> todo = new java.util.ArrayDeque<>(List.of(t));
    java.util.Set<Throwable> seen =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    while (!todo.isEmpty()) {
      Throwable next = todo.pop();
      if (!seen.add(next)) {
        continue;
      }
      all.append(next).append('\n');
      if (next.getCause() != null) {
        todo.push(next.getCause());
      }
      todo.addAll(Arrays.asList(next.getSuppressed()));
    }
    return all.toString();
  }

  @Test
  void configReadsTheStorageSectionAndHidesTheCredentials() throws Exception {
    var yaml =
        new com.fasterxml.jackson.databind.ObjectMapper(
            new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
    S3Config config =
        S3Config.read(
            dev.hoist.config.ConfigNode.of(
                yaml.readTree(
                    """
                    endpoint: http://127.0.0.1:9000
                    region: eu-west-3
                    bucket: registry
                    prefix: /hoist
                    pathStyle: true
                    accessKey: AKIAEXAMPLE
                    secretKey: wJalrXUtnFEMI
                    redirect: true
                    redirectExpiry: 5m
                    """),
                "storage.s3"));

    assertThat(config.endpoint()).isEqualTo(URI.create("http://127.0.0.1:9000"));
    assertThat(config.region()).isEqualTo("eu-west-3");
    assertThat(config.bucket()).isEqualTo("registry");
    assertThat(config.prefix()).isEqualTo("hoist/");
    assertThat(config.pathStyle()).isTrue();
    assertThat(config.redirect()).isTrue();
    assertThat(config.redirectExpiry()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.toString()).doesNotContain("wJalrXUtnFEMI").doesNotContain("AKIAEXAMPLE");

    S3Config defaults =
        S3Config.read(dev.hoist.config.ConfigNode.of(yaml.readTree("bucket: b"), "storage.s3"));
    assertThat(defaults).isEqualTo(S3Config.of("b"));
    assertThat(defaults.toString()).contains("default chain");

    assertThatThrownBy(
            () ->
                S3Config.read(
                    dev.hoist.config.ConfigNode.of(
                        yaml.readTree("bucket: b\naccessKey: x"), "storage.s3")))
        .hasMessageContaining("storage.s3.secretKey");
    assertThatThrownBy(
            () ->
                S3Config.read(
                    dev.hoist.config.ConfigNode.of(yaml.readTree("region: x"), "storage.s3")))
        .hasMessageContaining("storage.s3.bucket: must be set");
    assertThatThrownBy(
            () ->
                S3Config.read(
                    dev.hoist.config.ConfigNode.of(
                        yaml.readTree("bucket: b\nendpoint: ftp://x"), "storage.s3")))
        .hasMessageContaining("storage.s3.endpoint");
    assertThatThrownBy(
            () ->
                S3Config.read(
                    dev.hoist.config.ConfigNode.of(
                        yaml.readTree("bucket: b\nredirectExpiry: 8d"), "storage.s3")))
        .hasMessageContaining("storage.s3.redirectExpiry");
  }
}
