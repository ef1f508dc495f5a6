package dev.hoist.registry;

import static dev.hoist.registry.RegistryTestClient.errorCode;
import static dev.hoist.registry.RegistryTestClient.header;
import static dev.hoist.registry.RegistryTestClient.json;
import static dev.hoist.registry.RegistryTestClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.MetadataStore;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The distribution-spec conformance suite, including every bad input we know of, as one test body
 * run against several store configurations: in memory ({@code InMemoryRegistryTest}) and on the
 * filesystem with SQLite ({@code ConformanceIT}).
 */
abstract class RegistryConformance {
  static final String REPO = "conformance/app";
  static final String OTHER = "conformance/other";

  static Vertx vertx;

  /** The stores under test, in {@code dir}. */
  record Stores(BlobStore blobs, MetadataStore metadata) {}

  abstract Stores stores(Path dir) throws IOException;

  @TempDir Path tempDir;
  final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
  private final List<TestRegistry> started = new ArrayList<>();
  TestRegistry registry;
  RegistryTestClient client;
  private int dirs;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void startRegistry() throws IOException {
    registry = start(RegistryOptions.defaults());
    client = registry.client();
  }

  @AfterEach
  void stopRegistries() {
    for (TestRegistry r : started) {
      r.close();
      r.metadata.close();
    }
  }

  TestRegistry start(RegistryOptions options) throws IOException {
    Path dir = Files.createDirectories(tempDir.resolve("registry-" + dirs++));
    Stores stores = stores(dir);
    TestRegistry r = TestRegistry.start(vertx, stores.blobs(), stores.metadata(), options, clock);
    started.add(r);
    return r;
  }

  static byte[] randomBytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  static void assertError(HttpResponse<byte[]> response, int status, String code) {
    assertThat(response.statusCode()).as(text(response)).isEqualTo(status);
    assertThat(header(response, "Content-Type")).startsWith("application/json");
    assertThat(errorCode(response)).as(text(response)).isEqualTo(code);
  }

  HttpResponse<byte[]> headBlob(String repo, Digest digest) {
    return client.head("/v2/" + repo + "/blobs/" + digest);
  }

  // ------------------------------------------------------------------ base and routing

  @Test
  void baseEndpointAnswersEmptyObjectWithApiVersion() {
    HttpResponse<byte[]> get = client.get("/v2/");
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(new String(get.body(), StandardCharsets.UTF_8)).isEqualTo("{}");
    assertThat(header(get, "Docker-Distribution-API-Version")).isEqualTo("registry/2.0");
    assertThat(header(get, "Content-Type")).isEqualTo("application/json");

    HttpResponse<byte[]> head = client.head("/v2/");
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(header(head, "Docker-Distribution-API-Version")).isEqualTo("registry/2.0");
  }

  @Test
  void unknownPathIsNotFoundJsonWithApiVersion() {
    HttpResponse<byte[]> r = client.get("/v2/x/nothing-here");
    assertError(r, 404, "NAME_UNKNOWN");
    assertThat(header(r, "Docker-Distribution-API-Version")).isEqualTo("registry/2.0");
    assertError(client.get("/elsewhere"), 404, "NAME_UNKNOWN");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/v2/../x/tags/list",
        "/v2/%2e%2e/x/tags/list",
        "/v2/x/%2e%2e/y/manifests/latest",
        "/v2/Foo/bar/tags/list",
        "/v2/x%2Fy/tags/list",
        "/v2/a//b/tags/list",
        "/v2/-x/manifests/latest",
        "/v2/x./blobs/uploads/",
        "/v2/manifests/latest",
        "/v2/tags/list",
        "/v2//blobs/uploads/"
      })
  void invalidRepositoryNamesAreNameInvalid(String path) {
    RegistryTestClient.RawResponse r = client.raw("GET", path);
    assertThat(r.status()).as(r.head() + r.body()).isEqualTo(400);
    assertThat(r.errorCode()).isEqualTo("NAME_INVALID");
  }

  @Test
  void nameLongerThan255CharactersIsNameInvalid() {
    String longest = "a".repeat(255);
    assertError(client.get("/v2/" + longest + "/tags/list"), 404, "NAME_UNKNOWN");
    assertError(client.get("/v2/" + "a".repeat(256) + "/tags/list"), 400, "NAME_INVALID");
    assertError(
        client.post("/v2/" + "a/".repeat(128) + "b/blobs/uploads/", null), 400, "NAME_INVALID");
  }

  @Test
  void unsupportedMethodsAre405Unsupported() {
    HttpResponse<byte[]> r = client.post("/v2/" + REPO + "/tags/list", null);
    assertError(r, 405, "UNSUPPORTED");
    assertThat(header(r, "Allow")).contains("GET");
    assertError(client.patch("/v2/" + REPO + "/manifests/latest", new byte[0]), 405, "UNSUPPORTED");
    assertError(client.delete("/v2/"), 405, "UNSUPPORTED");
    assertError(client.put("/v2/" + REPO + "/blobs/uploads/", new byte[0]), 405, "UNSUPPORTED");
    assertError(client.post("/v2/_catalog", null), 405, "UNSUPPORTED");
  }

  // ------------------------------------------------------------------ blob uploads

  @Test
  void monolithicPostStoresBlob() {
    byte[] content = randomBytes(100_000, 1);
    Digest digest = Digest.sha256(content);
    HttpResponse<byte[]> r = client.pushMonolithic(REPO, content, digest);
    assertThat(r.statusCode()).as(text(r)).isEqualTo(201);
    assertThat(header(r, "Location")).isEqualTo("/v2/" + REPO + "/blobs/" + digest);
    assertThat(header(r, "Docker-Content-Digest")).isEqualTo(digest.toString());

    HttpResponse<byte[]> get = client.get("/v2/" + REPO + "/blobs/" + digest);
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(get.body()).isEqualTo(content);
  }

  @Test
  void postThenPutStoresBlob() {
    HttpResponse<byte[]> post = client.post("/v2/" + REPO + "/blobs/uploads/", null);
    assertThat(post.statusCode()).isEqualTo(202);
    String location = header(post, "Location");
    String uuid = header(post, "Docker-Upload-UUID");
    assertThat(location).isEqualTo("/v2/" + REPO + "/blobs/uploads/" + uuid);
    assertThat(header(post, "Range")).isNull();
    assertThat(header(post, "OCI-Chunk-Min-Length")).isNull();

    byte[] content = randomBytes(70_000, 2);
    Digest digest = Digest.sha256(content);
    HttpResponse<byte[]> put = client.put(RegistryTestClient.withDigest(location, digest), content);
    assertThat(put.statusCode()).as(text(put)).isEqualTo(201);
    assertThat(header(put, "Location")).isEqualTo("/v2/" + REPO + "/blobs/" + digest);
    assertThat(header(put, "Docker-Content-Digest")).isEqualTo(digest.toString());

    HttpResponse<byte[]> head = headBlob(REPO, digest);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(header(head, "Content-Length")).isEqualTo("70000");
    assertThat(header(head, "Docker-Content-Digest")).isEqualTo(digest.toString());
    assertThat(header(head, "Content-Type")).isEqualTo("application/octet-stream");
    assertThat(header(head, "Accept-Ranges")).isEqualTo("bytes");
    assertThat(head.body()).isEmpty();
    assertThat(client.get(location).statusCode()).as("session ended").isEqualTo(404);
  }

  @Test
  void chunkedUploadWithContentRangesStoresBlob() {
    byte[] content = randomBytes(300_000, 3);
    Digest digest = Digest.sha256(content);
    String location = client.startUpload(REPO);
    int[] cuts = {0, 100_000, 250_000, 300_000};
    for (int i = 0; i + 1 < cuts.length; i++) {
      byte[] chunk = Arrays.copyOfRange(content, cuts[i], cuts[i + 1]);
      HttpResponse<byte[]> patch =
          client.patch(
              location,
              chunk,
              "Content-Type",
              "application/octet-stream",
              "Content-Range",
              cuts[i] + "-" + (cuts[i + 1] - 1));
      assertThat(patch.statusCode()).as(text(patch)).isEqualTo(202);
      assertThat(header(patch, "Range")).isEqualTo("0-" + (cuts[i + 1] - 1));
      assertThat(header(patch, "Docker-Upload-UUID")).isNotBlank();
      location = header(patch, "Location");
    }
    HttpResponse<byte[]> status = client.get(location);
    assertThat(status.statusCode()).isEqualTo(204);
    assertThat(header(status, "Range")).isEqualTo("0-299999");
    assertThat(header(status, "Location")).isEqualTo(location);

    HttpResponse<byte[]> put = client.put(RegistryTestClient.withDigest(location, digest), null);
    assertThat(put.statusCode()).as(text(put)).isEqualTo(201);
    assertThat(client.get("/v2/" + REPO + "/blobs/" + digest).body()).isEqualTo(content);
  }

  @Test
  void chunkedUploadWithFinalChunkInPutStoresBlob() {
    byte[] content = randomBytes(50_000, 4);
    Digest digest = Digest.sha256(content);
    String location = client.startUpload(REPO);
    HttpResponse<byte[]> patch =
        client.patch(location, Arrays.copyOf(content, 20_000), "Content-Range", "0-19999");
    assertThat(patch.statusCode()).isEqualTo(202);
    HttpResponse<byte[]> put =
        client.put(
            RegistryTestClient.withDigest(header(patch, "Location"), digest),
            Arrays.copyOfRange(content, 20_000, 50_000),
            "Content-Range",
            "20000-49999");
    assertThat(put.statusCode()).as(text(put)).isEqualTo(201);
    assertThat(client.get("/v2/" + REPO + "/blobs/" + digest).body()).isEqualTo(content);
  }

  @Test
  void streamedPatchWithoutContentRangeIsAppended() {
    byte[] content = randomBytes(1_500_000, 5);
    Digest digest = Digest.sha256(content);
    String location = client.startUpload(REPO);
    HttpResponse<byte[]> patch =
        client.sendStreamed(
            "PATCH",
            location,
            () -> new ByteArrayInputStream(content, 0, 1_000_000),
            "Content-Type",
            "application/octet-stream");
    assertThat(patch.statusCode()).as(text(patch)).isEqualTo(202);
    assertThat(header(patch, "Range")).isEqualTo("0-999999");
    HttpResponse<byte[]> second =
        client.sendStreamed(
            "PATCH",
            header(patch, "Location"),
            () -> new ByteArrayInputStream(content, 1_000_000, 500_000));
    assertThat(header(second, "Range")).isEqualTo("0-1499999");
    HttpResponse<byte[]> put =
        client.put(RegistryTestClient.withDigest(header(second, "Location"), digest), null);
    assertThat(put.statusCode()).as(text(put)).isEqualTo(201);
    assertThat(client.get("/v2/" + REPO + "/blobs/" + digest).body()).isEqualTo(content);
  }

  @Test
  void emptyAndSha512BlobsCanBeUploaded() {
    Digest empty = client.pushBlob(REPO, new byte[0]);
    HttpResponse<byte[]> head = headBlob(REPO, empty);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(header(head, "Content-Length")).isEqualTo("0");
    assertThat(client.get("/v2/" + REPO + "/blobs/" + empty).body()).isEmpty();

    byte[] content = randomBytes(10_000, 6);
    Digest sha512 = Digest.sha512(content);
    HttpResponse<byte[]> r = client.pushMonolithic(REPO, content, sha512);
    assertThat(r.statusCode()).as(text(r)).isEqualTo(201);
    assertThat(client.get("/v2/" + REPO + "/blobs/" + sha512).body()).isEqualTo(content);
  }

  /** The ways a client can upload a blob, each of which must verify the digest. */
  enum UploadPath {
    MONOLITHIC_POST,
    POST_THEN_PUT,
    CHUNKED_PATCH_THEN_PUT,
    CHUNKED_WITH_FINAL_CHUNK_IN_PUT,
    STREAMED_PATCH
  }

  @ParameterizedTest
  @EnumSource(UploadPath.class)
  void bodyNotMatchingItsDigestIsRefusedAndNothingIsStored(UploadPath path) {
    byte[] content = randomBytes(200_000, 7);
    Digest claimed = Digest.sha256("something else".getBytes(StandardCharsets.UTF_8));
    HttpResponse<byte[]> last;
    String location = null;
    switch (path) {
      case MONOLITHIC_POST -> last = client.pushMonolithic(REPO, content, claimed);
      case POST_THEN_PUT -> {
        location = client.startUpload(REPO);
        last = client.put(RegistryTestClient.withDigest(location, claimed), content);
      }
      case CHUNKED_PATCH_THEN_PUT -> {
        location = client.startUpload(REPO);
        HttpResponse<byte[]> patch = client.patch(location, content, "Content-Range", "0-199999");
        assertThat(patch.statusCode()).isEqualTo(202);
        last = client.put(RegistryTestClient.withDigest(location, claimed), null);
      }
      case CHUNKED_WITH_FINAL_CHUNK_IN_PUT -> {
        location = client.startUpload(REPO);
        client.patch(location, Arrays.copyOf(content, 1000), "Content-Range", "0-999");
        last =
            client.put(
                RegistryTestClient.withDigest(location, claimed),
                Arrays.copyOfRange(content, 1000, content.length),
                "Content-Range",
                "1000-199999");
      }
      case STREAMED_PATCH -> {
        location = client.startUpload(REPO);
        HttpResponse<byte[]> patch =
            client.sendStreamed("PATCH", location, () -> new ByteArrayInputStream(content));
        assertThat(patch.statusCode()).isEqualTo(202);
        last = client.put(RegistryTestClient.withDigest(location, claimed), null);
      }
      default -> throw new AssertionError(path);
    }
    assertError(last, 400, "DIGEST_INVALID");
    assertThat(headBlob(REPO, claimed).statusCode()).isEqualTo(404);
    assertThat(headBlob(REPO, Digest.sha256(content)).statusCode()).isEqualTo(404);
    if (location != null) {
      assertError(client.get(location), 404, "BLOB_UPLOAD_UNKNOWN");
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "sha256:abc",
        "sha256:ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789",
        "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
        "sha256:",
        "nodigest",
        ":abc",
        "md5:d41d8cd98f00b204e9800998ecf8427e",
        "sha384:38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
        "SHA256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
      })
  void malformedAndUnsupportedDigestsAreDigestInvalid(String digest) {
    assertError(
        client.post("/v2/" + REPO + "/blobs/uploads/?digest=" + digest, new byte[] {1}),
        400,
        "DIGEST_INVALID");
    String location = client.startUpload(REPO);
    assertError(client.put(location + "?digest=" + digest, new byte[] {1}), 400, "DIGEST_INVALID");
    assertThat(client.get(location).statusCode()).as("session survives").isEqualTo(204);
    assertError(client.get("/v2/" + REPO + "/blobs/" + digest), 400, "DIGEST_INVALID");
    assertThat(client.head("/v2/" + REPO + "/blobs/" + digest).statusCode()).isEqualTo(400);
    assertError(client.get("/v2/" + REPO + "/referrers/" + digest), 400, "DIGEST_INVALID");
    assertError(
        client.post("/v2/" + REPO + "/blobs/uploads/?mount=" + digest + "&from=" + OTHER, null),
        400,
        "DIGEST_INVALID");
  }

  @Test
  void putWithoutDigestIsDigestInvalid() {
    String location = client.startUpload(REPO);
    assertError(client.put(location, new byte[] {1, 2}), 400, "DIGEST_INVALID");
  }

  @Test
  void outOfOrderAndOverlappingChunksAre416() {
    byte[] content = randomBytes(2000, 8);
    String location = client.startUpload(REPO);
    HttpResponse<byte[]> gap =
        client.patch(
            location, Arrays.copyOfRange(content, 1000, 2000), "Content-Range", "1000-1999");
    assertError(gap, 416, "RANGE_INVALID");
    assertThat(header(gap, "Location")).isEqualTo(location);
    assertThat(header(gap, "Range")).isNull();

    assertThat(
            client
                .patch(location, Arrays.copyOf(content, 1000), "Content-Range", "0-999")
                .statusCode())
        .isEqualTo(202);
    HttpResponse<byte[]> overlap =
        client.patch(location, Arrays.copyOfRange(content, 500, 1500), "Content-Range", "500-1499");
    assertError(overlap, 416, "RANGE_INVALID");
    assertThat(header(overlap, "Range")).isEqualTo("0-999");
    assertError(
        client.patch(location, new byte[0], "Content-Range", "1000-999"), 416, "RANGE_INVALID");

    HttpResponse<byte[]> inOrder =
        client.patch(
            location, Arrays.copyOfRange(content, 1000, 2000), "Content-Range", "1000-1999");
    assertThat(inOrder.statusCode()).isEqualTo(202);
    HttpResponse<byte[]> put =
        client.put(RegistryTestClient.withDigest(location, Digest.sha256(content)), null);
    assertThat(put.statusCode()).as(text(put)).isEqualTo(201);
  }

  @Test
  void malformedContentRangeAndMismatchedLengthAreRefused() {
    String location = client.startUpload(REPO);
    assertError(
        client.patch(location, new byte[10], "Content-Range", "bytes=zero-nine"),
        400,
        "BLOB_UPLOAD_INVALID");
    assertError(client.patch(location, new byte[10], "Content-Range", "0-19"), 400, "SIZE_INVALID");
    assertThat(client.get(location).statusCode()).isEqualTo(204);
  }

  @Test
  void unknownSessionsAndSessionsOfOtherRepositoriesAreUploadUnknown() {
    String location = client.startUpload(REPO);
    String id = location.substring(location.lastIndexOf('/') + 1);
    String foreign = "/v2/" + OTHER + "/blobs/uploads/" + id;
    assertError(client.get(foreign), 404, "BLOB_UPLOAD_UNKNOWN");
    assertError(client.patch(foreign, new byte[] {1}), 404, "BLOB_UPLOAD_UNKNOWN");
    assertError(
        client.put(RegistryTestClient.withDigest(foreign, Digest.sha256(new byte[0])), null),
        404,
        "BLOB_UPLOAD_UNKNOWN");
    assertError(client.delete(foreign), 404, "BLOB_UPLOAD_UNKNOWN");
    assertThat(client.get(location).statusCode()).as("untouched").isEqualTo(204);

    String unknown = "/v2/" + REPO + "/blobs/uploads/";
    assertError(
        client.get(unknown + "00000000-0000-0000-0000-000000000000"), 404, "BLOB_UPLOAD_UNKNOWN");
    assertError(client.get(unknown + "not_an..id"), 404, "BLOB_UPLOAD_UNKNOWN");
    assertError(client.patch(unknown + "x".repeat(65), new byte[] {1}), 404, "BLOB_UPLOAD_UNKNOWN");
  }

  @Test
  void cancelledSessionIsGone() {
    String location = client.startUpload(REPO);
    client.patch(location, new byte[] {1, 2, 3});
    HttpResponse<byte[]> delete = client.delete(location);
    assertThat(delete.statusCode()).isEqualTo(204);
    assertError(client.get(location), 404, "BLOB_UPLOAD_UNKNOWN");
    assertError(client.delete(location), 404, "BLOB_UPLOAD_UNKNOWN");
  }

  @Test
  void chunkMinLengthIsAdvertisedWhenConfigured() throws IOException {
    RegistryTestClient c = start(RegistryOptions.defaults().withChunkMinLength(5_242_880)).client();
    HttpResponse<byte[]> post = c.post("/v2/" + REPO + "/blobs/uploads/", null);
    assertThat(header(post, "OCI-Chunk-Min-Length")).isEqualTo("5242880");
  }

  @Test
  void mountLinksBlobFromRepositoryThatHasIt() {
    byte[] content = randomBytes(5000, 9);
    Digest digest = client.pushBlob(OTHER, content);
    assertThat(headBlob(REPO, digest).statusCode()).isEqualTo(404);
    HttpResponse<byte[]> mount =
        client.post("/v2/" + REPO + "/blobs/uploads/?mount=" + digest + "&from=" + OTHER, null);
    assertThat(mount.statusCode()).as(text(mount)).isEqualTo(201);
    assertThat(header(mount, "Location")).isEqualTo("/v2/" + REPO + "/blobs/" + digest);
    assertThat(header(mount, "Docker-Content-Digest")).isEqualTo(digest.toString());
    assertThat(client.get("/v2/" + REPO + "/blobs/" + digest).body()).isEqualTo(content);
  }

  @Test
  void mountFromRepositoryWithoutTheBlobStartsASession() {
    byte[] content = randomBytes(5000, 10);
    Digest digest = client.pushBlob(REPO, content);
    for (String query :
        List.of(
            "?mount=" + digest + "&from=" + OTHER,
            "?mount=" + digest + "&from=" + "no/such/repo",
            "?mount=" + digest + "&from=Invalid..Name",
            "?mount=" + digest)) {
      String target = "conformance/target";
      HttpResponse<byte[]> r = client.post("/v2/" + target + "/blobs/uploads/" + query, null);
      assertThat(r.statusCode()).as(query + " " + text(r)).isEqualTo(202);
      assertThat(header(r, "Location")).startsWith("/v2/" + target + "/blobs/uploads/");
      assertThat(headBlob(target, digest).statusCode()).isEqualTo(404);
    }
  }

  // ------------------------------------------------------------------ blob reads and deletes

  @Test
  void blobIsReadableOnlyThroughRepositoriesThatLinkIt() {
    Digest digest = client.pushBlob(REPO, randomBytes(100, 11));
    assertThat(headBlob(REPO, digest).statusCode()).isEqualTo(200);
    assertError(client.get("/v2/" + OTHER + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
    HttpResponse<byte[]> head = headBlob(OTHER, digest);
    assertThat(head.statusCode()).isEqualTo(404);
    assertThat(head.body()).isEmpty();
  }

  @Test
  void singleByteRangesAreServedAsPartialContent() {
    byte[] content = randomBytes(1000, 12);
    Digest digest = client.pushBlob(REPO, content);
    String path = "/v2/" + REPO + "/blobs/" + digest;

    HttpResponse<byte[]> r = client.get(path, "Range", "bytes=10-19");
    assertThat(r.statusCode()).isEqualTo(206);
    assertThat(header(r, "Content-Range")).isEqualTo("bytes 10-19/1000");
    assertThat(header(r, "Content-Length")).isEqualTo("10");
    assertThat(r.body()).isEqualTo(Arrays.copyOfRange(content, 10, 20));

    r = client.get(path, "Range", "bytes=990-");
    assertThat(r.statusCode()).isEqualTo(206);
    assertThat(r.body()).isEqualTo(Arrays.copyOfRange(content, 990, 1000));

    r = client.get(path, "Range", "bytes=-5");
    assertThat(header(r, "Content-Range")).isEqualTo("bytes 995-999/1000");
    assertThat(r.body()).isEqualTo(Arrays.copyOfRange(content, 995, 1000));

    r = client.get(path, "Range", "bytes=900-5000");
    assertThat(header(r, "Content-Range")).isEqualTo("bytes 900-999/1000");
    assertThat(r.body()).hasSize(100);

    r = client.head(path, "Range", "bytes=0-0");
    assertThat(r.statusCode()).isEqualTo(206);
    assertThat(header(r, "Content-Length")).isEqualTo("1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"bytes=500-0", "bytes=1000-", "bytes=5000-6000", "bytes=-0"})
  void unsatisfiableRangesAre416WithTheSize(String range) {
    Digest digest = client.pushBlob(REPO, randomBytes(1000, 13));
    HttpResponse<byte[]> r = client.get("/v2/" + REPO + "/blobs/" + digest, "Range", range);
    assertError(r, 416, "RANGE_INVALID");
    assertThat(header(r, "Content-Range")).isEqualTo("bytes */1000");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "bytes=0-1,5-9",
        "bytes=0-0,1-1,2-2,3-3,4-4,5-5,6-6,7-7,8-8,9-9,10-10,11-11",
        "bytes=abc",
        "items=0-9",
        "bytes=1-2-3",
        "bytes=99999999999999999999-"
      })
  void severalOrMalformedRangesServeTheWholeBlob(String range) {
    byte[] content = randomBytes(1000, 14);
    Digest digest = client.pushBlob(REPO, content);
    HttpResponse<byte[]> r = client.get("/v2/" + REPO + "/blobs/" + digest, "Range", range);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(content);
  }

  @Test
  void deletingBlobUnlinksItFromThatRepositoryOnly() {
    byte[] content = randomBytes(300, 15);
    Digest digest = client.pushBlob(REPO, content);
    client.pushBlob(OTHER, content);
    HttpResponse<byte[]> delete = client.delete("/v2/" + REPO + "/blobs/" + digest);
    assertThat(delete.statusCode()).isEqualTo(202);
    assertError(client.get("/v2/" + REPO + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
    assertThat(client.get("/v2/" + OTHER + "/blobs/" + digest).body()).isEqualTo(content);
    assertError(client.delete("/v2/" + REPO + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
  }

  @Test
  void concurrentPushesOfTheSameBlobIntoDifferentRepositoriesAreSafe() throws Exception {
    byte[] content = randomBytes(400_000, 16);
    Digest digest = Digest.sha256(content);
    int repos = 8;
    ExecutorService pool = Executors.newFixedThreadPool(repos);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int i = 0; i < repos; i++) {
        String repo = "concurrent/r" + i;
        boolean chunked = i % 2 == 0;
        results.add(
            pool.submit(
                () -> {
                  if (!chunked) {
                    return client.pushMonolithic(repo, content, digest).statusCode();
                  }
                  String location = client.startUpload(repo);
                  client.patch(
                      location, Arrays.copyOf(content, 200_000), "Content-Range", "0-199999");
                  return client
                      .put(
                          RegistryTestClient.withDigest(location, digest),
                          Arrays.copyOfRange(content, 200_000, content.length))
                      .statusCode();
                }));
      }
      for (Future<Integer> f : results) {
        assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(201);
      }
    } finally {
      pool.shutdownNow();
    }
    for (int i = 0; i < repos; i++) {
      assertThat(client.get("/v2/concurrent/r" + i + "/blobs/" + digest).body()).isEqualTo(content);
    }
  }

  @Test
  void concurrentChunksToOneSessionAreAppliedOneAtATime() throws Exception {
    byte[] chunk = randomBytes(600_000, 17);
    String location = client.startUpload(REPO);
    int writers = 4;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        results.add(
            pool.submit(
                () ->
                    client
                        .sendStreamed("PATCH", location, () -> new ByteArrayInputStream(chunk))
                        .statusCode()));
      }
      for (Future<Integer> f : results) {
        assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(202);
      }
    } finally {
      pool.shutdownNow();
    }
    byte[] all = RegistryTestClient.concat(chunk, chunk, chunk, chunk);
    HttpResponse<byte[]> put =
        client.put(RegistryTestClient.withDigest(location, Digest.sha256(all)), null);
    assertThat(put.statusCode()).as(text(put)).isEqualTo(201);
  }

  // ------------------------------------------------------------------ manifests

  @Test
  void manifestIsServedByteForByteByTagAndDigest() {
    RegistryTestClient.Image image = client.pushImage(REPO, "v1", "a");
    for (String ref : List.of("v1", image.manifest().toString())) {
      HttpResponse<byte[]> get = client.get("/v2/" + REPO + "/manifests/" + ref);
      assertThat(get.statusCode()).isEqualTo(200);
      assertThat(get.body()).isEqualTo(image.manifestBytes());
      assertThat(header(get, "Content-Type")).isEqualTo(MediaTypes.OCI_MANIFEST);
      assertThat(header(get, "Docker-Content-Digest")).isEqualTo(image.manifest().toString());
      assertThat(header(get, "Content-Length"))
          .isEqualTo(Integer.toString(image.manifestBytes().length));
      HttpResponse<byte[]> head = client.head("/v2/" + REPO + "/manifests/" + ref);
      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(head.body()).isEmpty();
      assertThat(header(head, "Content-Length"))
          .isEqualTo(Integer.toString(image.manifestBytes().length));
      assertThat(header(head, "Docker-Content-Digest")).isEqualTo(image.manifest().toString());
    }
  }

  @Test
  void manifestPushAnswersLocationAndDigest() {
    byte[] config = "{}".getBytes(StandardCharsets.UTF_8);
    Digest configDigest = client.pushBlob(REPO, config);
    byte[] manifest =
        RegistryTestClient.imageManifest(MediaTypes.OCI_EMPTY, configDigest, 2, null, 0, null);
    Digest digest = Digest.sha256(manifest);
    HttpResponse<byte[]> put =
        client.pushManifest(REPO, digest.toString(), MediaTypes.OCI_MANIFEST, manifest);
    assertThat(put.statusCode()).as(text(put)).isEqualTo(201);
    assertThat(header(put, "Location")).isEqualTo("/v2/" + REPO + "/manifests/" + digest);
    assertThat(header(put, "Docker-Content-Digest")).isEqualTo(digest.toString());
    assertThat(header(put, "OCI-Subject")).isNull();
    assertThat(client.get("/v2/" + REPO + "/manifests/" + digest).body()).isEqualTo(manifest);
  }

  @Test
  void dockerSchema2ManifestKeepsItsMediaType() {
    byte[] config = "{\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
    byte[] layer = randomBytes(1000, 18);
    Digest configDigest = client.pushBlob(REPO, config);
    Digest layerDigest = client.pushBlob(REPO, layer);
    ObjectNode m = RegistryTestClient.JSON.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", MediaTypes.DOCKER_MANIFEST);
    m.set(
        "config",
        RegistryTestClient.descriptor(MediaTypes.DOCKER_CONFIG, configDigest, config.length));
    m.putArray("layers")
        .add(RegistryTestClient.descriptor(MediaTypes.DOCKER_LAYER, layerDigest, layer.length));
    byte[] manifest = RegistryTestClient.bytes(m);
    HttpResponse<byte[]> put =
        client.pushManifest(REPO, "docker", MediaTypes.DOCKER_MANIFEST, manifest);
    assertThat(put.statusCode()).as(text(put)).isEqualTo(201);
    HttpResponse<byte[]> get = client.get("/v2/" + REPO + "/manifests/docker");
    assertThat(header(get, "Content-Type")).isEqualTo(MediaTypes.DOCKER_MANIFEST);
    assertThat(get.body()).isEqualTo(manifest);
  }

  @Test
  void manifestPushedUnderAnotherDigestIsDigestInvalid() {
    RegistryTestClient.Image image = client.pushImage(REPO, "v1", "b");
    Digest wrong = Digest.sha256("x".getBytes(StandardCharsets.UTF_8));
    assertError(
        client.pushManifest(REPO, wrong.toString(), MediaTypes.OCI_MANIFEST, image.manifestBytes()),
        400,
        "DIGEST_INVALID");
    assertError(client.get("/v2/" + REPO + "/manifests/" + wrong), 404, "MANIFEST_UNKNOWN");
  }

  @Test
  void manifestWithoutContentTypeIsInvalid() {
    RegistryTestClient.Image image = client.pushImage(REPO, "v1", "c");
    HttpResponse<byte[]> r = client.put("/v2/" + REPO + "/manifests/v2", image.manifestBytes());
    assertError(r, 400, "MANIFEST_INVALID");
  }

  @Test
  void manifestWhoseMediaTypeDisagreesWithContentTypeIsInvalid() {
    RegistryTestClient.Image image = client.pushImage(REPO, "v1", "d");
    assertError(
        client.pushManifest(REPO, "v2", MediaTypes.OCI_INDEX, image.manifestBytes()),
        400,
        "MANIFEST_INVALID");
    assertError(
        client.pushManifest(REPO, "v2", MediaTypes.DOCKER_MANIFEST, image.manifestBytes()),
        400,
        "MANIFEST_INVALID");
    assertError(client.get("/v2/" + REPO + "/manifests/v2"), 404, "MANIFEST_UNKNOWN");
  }

  @Test
  void malformedManifestsAreInvalid() {
    for (String body :
        List.of(
            "not json",
            "{}",
            "{\"schemaVersion\":1}",
            "[]",
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}")) {
      assertError(
          client.pushManifest(
              REPO, "bad", MediaTypes.OCI_MANIFEST, body.getBytes(StandardCharsets.UTF_8)),
          400,
          "MANIFEST_INVALID");
    }
  }

  @Test
  void invalidTagInPushIsTagInvalid() {
    RegistryTestClient.Image image = client.pushImage(REPO, "v1", "e");
    assertError(
        client.pushManifest(REPO, "-bad", MediaTypes.OCI_MANIFEST, image.manifestBytes()),
        400,
        "TAG_INVALID");
    assertError(
        client.pushManifest(REPO, "t".repeat(129), MediaTypes.OCI_MANIFEST, image.manifestBytes()),
        400,
        "TAG_INVALID");
  }

  @Test
  void manifestReferencingMissingBlobIsManifestBlobUnknown() {
    Digest config = client.pushBlob(REPO, "{}".getBytes(StandardCharsets.UTF_8));
    Digest missing = Digest.sha256("never pushed".getBytes(StandardCharsets.UTF_8));
    byte[] manifest =
        RegistryTestClient.imageManifest(MediaTypes.OCI_CONFIG, config, 2, missing, 12, null);
    HttpResponse<byte[]> r = client.pushManifest(REPO, "v1", MediaTypes.OCI_MANIFEST, manifest);
    assertError(r, 404, "MANIFEST_BLOB_UNKNOWN");
    assertThat(json(r).path("errors").path(0).path("detail").path("digest").asText())
        .isEqualTo(missing.toString());
    // Linked in another repository is not enough.
    client.pushBlob(OTHER, "never pushed".getBytes(StandardCharsets.UTF_8));
    assertError(
        client.pushManifest(REPO, "v1", MediaTypes.OCI_MANIFEST, manifest),
        404,
        "MANIFEST_BLOB_UNKNOWN");
    assertError(client.get("/v2/" + REPO + "/manifests/v1"), 404, "MANIFEST_UNKNOWN");
  }

  static byte[] index(Digest... children) {
    ObjectNode index = RegistryTestClient.JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaTypes.OCI_INDEX);
    ArrayNode manifests = index.putArray("manifests");
    for (Digest d : children) {
      ObjectNode child = RegistryTestClient.descriptor(MediaTypes.OCI_MANIFEST, d, 100);
      ObjectNode platform = child.putObject("platform");
      platform.put("architecture", "amd64");
      platform.put("os", "linux");
      manifests.add(child);
    }
    return RegistryTestClient.bytes(index);
  }

  @Test
  void indexReferencingMissingChildIsManifestUnknown() {
    RegistryTestClient.Image image = client.pushImage(REPO, "v1", "f");
    Digest missing = Digest.sha256("no such manifest".getBytes(StandardCharsets.UTF_8));
    assertError(
        client.pushManifest(REPO, "multi", MediaTypes.OCI_INDEX, index(image.manifest(), missing)),
        404,
        "MANIFEST_UNKNOWN");

    byte[] good = index(image.manifest());
    HttpResponse<byte[]> put = client.pushManifest(REPO, "multi", MediaTypes.OCI_INDEX, good);
    assertThat(put.statusCode()).as(text(put)).isEqualTo(201);
    HttpResponse<byte[]> get = client.get("/v2/" + REPO + "/manifests/multi");
    assertThat(get.body()).isEqualTo(good);
    assertThat(header(get, "Content-Type")).isEqualTo(MediaTypes.OCI_INDEX);
  }

  @Test
  void oversizedManifestIs413() throws IOException {
    byte[] huge = new byte[4 * 1024 * 1024 + 1];
    Arrays.fill(huge, (byte) ' ');
    assertError(
        client.pushManifest(REPO, "big", MediaTypes.OCI_MANIFEST, huge), 413, "MANIFEST_TOO_LARGE");
    // Without a Content-Length, refused while reading.
    HttpResponse<byte[]> streamed =
        client.sendStreamed(
            "PUT",
            "/v2/" + REPO + "/manifests/big",
            () -> new ByteArrayInputStream(huge),
            "Content-Type",
            MediaTypes.OCI_MANIFEST);
    assertError(streamed, 413, "MANIFEST_TOO_LARGE");
    // The connection is still usable afterwards.
    assertThat(client.get("/v2/").statusCode()).isEqualTo(200);

    RegistryTestClient small = start(RegistryOptions.defaults().withMaxManifestBytes(100)).client();
    Digest config = small.pushBlob(REPO, "{}".getBytes(StandardCharsets.UTF_8));
    byte[] manifest =
        RegistryTestClient.imageManifest(MediaTypes.OCI_EMPTY, config, 2, null, 0, null);
    assertThat(manifest.length).isGreaterThan(100);
    assertError(
        small.pushManifest(REPO, "v1", MediaTypes.OCI_MANIFEST, manifest),
        413,
        "MANIFEST_TOO_LARGE");
    assertThat(small.get("/v2/" + REPO + "/manifests/v1").statusCode()).isEqualTo(404);
  }

  @Test
  void unknownManifestsAreManifestUnknown() {
    assertError(client.get("/v2/" + REPO + "/manifests/latest"), 404, "MANIFEST_UNKNOWN");
    client.pushImage(REPO, "v1", "h");
    assertError(client.get("/v2/" + REPO + "/manifests/nope"), 404, "MANIFEST_UNKNOWN");
    assertError(
        client.get("/v2/" + REPO + "/manifests/" + Digest.sha256(new byte[] {9})),
        404,
        "MANIFEST_UNKNOWN");
    assertThat(client.head("/v2/" + REPO + "/manifests/nope").statusCode()).isEqualTo(404);
    assertError(client.get("/v2/" + REPO + "/manifests/-bad-tag"), 404, "MANIFEST_UNKNOWN");
    assertError(client.get("/v2/" + REPO + "/manifests/sha256:abc"), 400, "DIGEST_INVALID");
  }

  @Test
  void digestInPathMayBePercentEncoded() {
    RegistryTestClient.Image image = client.pushImage(REPO, "v1", "enc");
    String encoded = image.manifest().toString().replace(":", "%3A");
    assertThat(client.get("/v2/" + REPO + "/manifests/" + encoded).body())
        .isEqualTo(image.manifestBytes());
  }

  @Test
  void tagMovesToTheLatestPush() {
    client.pushImage(REPO, "latest", "one");
    RegistryTestClient.Image two = client.pushImage(REPO, "latest", "two");
    assertThat(header(client.head("/v2/" + REPO + "/manifests/latest"), "Docker-Content-Digest"))
        .isEqualTo(two.manifest().toString());
  }

  @Test
  void deletingManifestByDigestRemovesItAndItsTags() {
    RegistryTestClient.Image image = client.pushImage(REPO, "v1", "i");
    HttpResponse<byte[]> tagged =
        client.pushManifest(REPO, "also", MediaTypes.OCI_MANIFEST, image.manifestBytes());
    assertThat(tagged.statusCode()).isEqualTo(201);
    HttpResponse<byte[]> delete = client.delete("/v2/" + REPO + "/manifests/" + image.manifest());
    assertThat(delete.statusCode()).isEqualTo(202);
    assertError(
        client.get("/v2/" + REPO + "/manifests/" + image.manifest()), 404, "MANIFEST_UNKNOWN");
    assertError(client.get("/v2/" + REPO + "/manifests/v1"), 404, "MANIFEST_UNKNOWN");
    assertError(client.get("/v2/" + REPO + "/manifests/also"), 404, "MANIFEST_UNKNOWN");
    assertError(
        client.delete("/v2/" + REPO + "/manifests/" + image.manifest()), 404, "MANIFEST_UNKNOWN");
  }

  @Test
  void deletingTagKeepsTheManifest() {
    RegistryTestClient.Image image = client.pushImage(REPO, "v1", "j");
    assertThat(client.delete("/v2/" + REPO + "/manifests/v1").statusCode()).isEqualTo(202);
    assertError(client.get("/v2/" + REPO + "/manifests/v1"), 404, "MANIFEST_UNKNOWN");
    assertThat(client.get("/v2/" + REPO + "/manifests/" + image.manifest()).statusCode())
        .isEqualTo(200);
    assertError(client.delete("/v2/" + REPO + "/manifests/v1"), 404, "MANIFEST_UNKNOWN");
  }

  @Test
  void deletesAre405WhenDisabled() throws IOException {
    RegistryTestClient c = start(RegistryOptions.defaults().withDeleteEnabled(false)).client();
    RegistryTestClient.Image image = c.pushImage(REPO, "v1", "k");
    assertError(c.delete("/v2/" + REPO + "/manifests/v1"), 405, "UNSUPPORTED");
    assertError(c.delete("/v2/" + REPO + "/manifests/" + image.manifest()), 405, "UNSUPPORTED");
    assertError(c.delete("/v2/" + REPO + "/blobs/" + image.layer()), 405, "UNSUPPORTED");
    assertThat(c.get("/v2/" + REPO + "/manifests/v1").statusCode()).isEqualTo(200);
    assertThat(c.get("/v2/" + REPO + "/blobs/" + image.layer()).statusCode()).isEqualTo(200);
  }

  // ------------------------------------------------------------------ referrers

  @Test
  void manifestWithMissingSubjectIsAcceptedAndListedAsReferrer() {
    Digest subject = Digest.sha256("the image, not pushed yet".getBytes(StandardCharsets.UTF_8));
    Digest config = client.pushBlob(REPO, "{}".getBytes(StandardCharsets.UTF_8));
    ObjectNode subjectNode = RegistryTestClient.descriptor(MediaTypes.OCI_MANIFEST, subject, 123);
    ObjectNode m =
        (ObjectNode)
            RegistryTestClient.parse(
                RegistryTestClient.imageManifest(
                    MediaTypes.OCI_EMPTY, config, 2, null, 0, subjectNode));
    m.put("artifactType", "application/vnd.example.sbom+json");
    m.putObject("annotations").put("org.example.kind", "sbom");
    byte[] sbom = RegistryTestClient.bytes(m);
    Digest sbomDigest = Digest.sha256(sbom);

    HttpResponse<byte[]> put =
        client.pushManifest(REPO, sbomDigest.toString(), MediaTypes.OCI_MANIFEST, sbom);
    assertThat(put.statusCode()).as(text(put)).isEqualTo(201);
    assertThat(header(put, "OCI-Subject")).isEqualTo(subject.toString());

    // A second referrer of another type: a signature with a plain config type.
    Digest sigConfig = client.pushBlob(REPO, "{\"sig\":1}".getBytes(StandardCharsets.UTF_8));
    byte[] signature =
        RegistryTestClient.imageManifest(
            "application/vnd.example.signature.config", sigConfig, 9, null, 0, subjectNode);
    assertThat(client.pushManifest(REPO, "sig", MediaTypes.OCI_MANIFEST, signature).statusCode())
        .isEqualTo(201);

    HttpResponse<byte[]> all = client.get("/v2/" + REPO + "/referrers/" + subject);
    assertThat(all.statusCode()).isEqualTo(200);
    assertThat(header(all, "Content-Type")).isEqualTo(MediaTypes.OCI_INDEX);
    assertThat(header(all, "OCI-Filters-Applied")).isNull();
    JsonNode index = json(all);
    assertThat(index.path("schemaVersion").asInt()).isEqualTo(2);
    assertThat(index.path("mediaType").asText()).isEqualTo(MediaTypes.OCI_INDEX);
    assertThat(index.path("manifests")).hasSize(2);
    JsonNode sbomEntry = null;
    for (JsonNode d : index.path("manifests")) {
      if (d.path("digest").asText().equals(sbomDigest.toString())) {
        sbomEntry = d;
      }
    }
    assertThat(sbomEntry).isNotNull();
    assertThat(sbomEntry.path("mediaType").asText()).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(sbomEntry.path("size").asLong()).isEqualTo(sbom.length);
    assertThat(sbomEntry.path("artifactType").asText())
        .isEqualTo("application/vnd.example.sbom+json");
    assertThat(sbomEntry.path("annotations").path("org.example.kind").asText()).isEqualTo("sbom");

    HttpResponse<byte[]> filtered =
        client.get(
            "/v2/"
                + REPO
                + "/referrers/"
                + subject
                + "?artifactType=application/vnd.example.sbom+json");
    assertThat(header(filtered, "OCI-Filters-Applied")).isEqualTo("artifactType");
    assertThat(json(filtered).path("manifests")).hasSize(1);
    assertThat(json(filtered).path("manifests").path(0).path("digest").asText())
        .isEqualTo(sbomDigest.toString());

    HttpResponse<byte[]> byConfigType =
        client.get(
            "/v2/"
                + REPO
                + "/referrers/"
                + subject
                + "?artifactType=application%2Fvnd.example.signature.config");
    assertThat(json(byConfigType).path("manifests")).hasSize(1);
  }

  @Test
  void referrersOfUnknownDigestIsAnEmptyIndex() {
    Digest unknown = Digest.sha256(new byte[] {42});
    for (String repo : List.of(REPO, "never/pushed")) {
      HttpResponse<byte[]> r = client.get("/v2/" + repo + "/referrers/" + unknown);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(header(r, "Content-Type")).isEqualTo(MediaTypes.OCI_INDEX);
      assertThat(json(r).path("manifests")).isEmpty();
      assertThat(json(r).path("schemaVersion").asInt()).isEqualTo(2);
    }
  }

  // ------------------------------------------------------------------ tags and catalog

  @Test
  void tagsAreListedInLexicalOrder() {
    RegistryTestClient.Image image = client.pushImage(REPO, "b", "l");
    for (String tag : List.of("a", "C", "c", "1.0")) {
      client.pushManifest(REPO, tag, MediaTypes.OCI_MANIFEST, image.manifestBytes());
    }
    HttpResponse<byte[]> r = client.get("/v2/" + REPO + "/tags/list");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = json(r);
    assertThat(body.path("name").asText()).isEqualTo(REPO);
    assertThat(strings(body.path("tags"))).containsExactly("1.0", "C", "a", "b", "c");
    assertThat(header(r, "Link")).isNull();
  }

  @Test
  void tagsArePaginatedWithNAndLast() {
    RegistryTestClient.Image image = client.pushImage(REPO, "t0", "m");
    for (int i = 1; i < 5; i++) {
      client.pushManifest(REPO, "t" + i, MediaTypes.OCI_MANIFEST, image.manifestBytes());
    }
    HttpResponse<byte[]> first = client.get("/v2/" + REPO + "/tags/list?n=2");
    assertThat(strings(json(first).path("tags"))).containsExactly("t0", "t1");
    assertThat(header(first, "Link"))
        .isEqualTo("</v2/" + REPO + "/tags/list?last=t1&n=2>; rel=\"next\"");
    HttpResponse<byte[]> second = client.get("/v2/" + REPO + "/tags/list?last=t1&n=2");
    assertThat(strings(json(second).path("tags"))).containsExactly("t2", "t3");
    HttpResponse<byte[]> third = client.get("/v2/" + REPO + "/tags/list?last=t3&n=2");
    assertThat(strings(json(third).path("tags"))).containsExactly("t4");
    assertThat(header(third, "Link")).isNull();
    HttpResponse<byte[]> exact = client.get("/v2/" + REPO + "/tags/list?n=5");
    assertThat(json(exact).path("tags")).hasSize(5);
    assertThat(header(exact, "Link")).isNull();
    HttpResponse<byte[]> none = client.get("/v2/" + REPO + "/tags/list?n=0");
    assertThat(none.statusCode()).isEqualTo(200);
    assertThat(json(none).path("tags")).isEmpty();
    assertThat(strings(json(client.get("/v2/" + REPO + "/tags/list?last=t2")).path("tags")))
        .containsExactly("t3", "t4");
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "abc", "99999999999", "", "1.5", "0x10", "%2B1"})
  void invalidPageSizesArePaginationNumberInvalid(String n) {
    client.pushImage(REPO, "v1", "n");
    assertError(client.get("/v2/" + REPO + "/tags/list?n=" + n), 400, "PAGINATION_NUMBER_INVALID");
    assertError(client.get("/v2/_catalog?n=" + n), 400, "PAGINATION_NUMBER_INVALID");
  }

  @Test
  void pageSizeAboveTheLimitIsLowered() throws IOException {
    RegistryTestClient c = start(RegistryOptions.defaults().withMaxPageSize(2)).client();
    RegistryTestClient.Image image = c.pushImage(REPO, "t0", "o");
    c.pushManifest(REPO, "t1", MediaTypes.OCI_MANIFEST, image.manifestBytes());
    c.pushManifest(REPO, "t2", MediaTypes.OCI_MANIFEST, image.manifestBytes());
    for (String query : List.of("", "?n=1000", "?n=2147483647")) {
      HttpResponse<byte[]> r = c.get("/v2/" + REPO + "/tags/list" + query);
      assertThat(strings(json(r).path("tags"))).containsExactly("t0", "t1");
      assertThat(header(r, "Link"))
          .isEqualTo("</v2/" + REPO + "/tags/list?last=t1&n=2>; rel=\"next\"");
    }
  }

  @Test
  void tagsOfUnknownRepositoryAreNameUnknown() {
    assertError(client.get("/v2/no/such/repo/tags/list"), 404, "NAME_UNKNOWN");
  }

  @Test
  void catalogListsRepositoriesInPages() {
    client.pushBlob("c/one", new byte[] {1});
    client.pushBlob("a/two", new byte[] {2});
    client.pushImage("b/three", "v1", "p");
    HttpResponse<byte[]> all = client.get("/v2/_catalog");
    assertThat(all.statusCode()).isEqualTo(200);
    assertThat(strings(json(all).path("repositories")))
        .containsExactly("a/two", "b/three", "c/one");
    HttpResponse<byte[]> first = client.get("/v2/_catalog?n=2");
    assertThat(strings(json(first).path("repositories"))).containsExactly("a/two", "b/three");
    assertThat(header(first, "Link")).isEqualTo("</v2/_catalog?last=b/three&n=2>; rel=\"next\"");
    HttpResponse<byte[]> second = client.get("/v2/_catalog?n=2&last=b/three");
    assertThat(strings(json(second).path("repositories"))).containsExactly("c/one");
    assertThat(header(second, "Link")).isNull();
    assertThat(json(client.get("/v2/_catalog?n=0")).path("repositories")).isEmpty();
  }

  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  // ------------------------------------------------------------------ upload purge

  @Test
  void stalePurgeRemovesOnlyAbandonedSessions() throws Exception {
    String abandoned = client.startUpload(REPO);
    client.patch(abandoned, new byte[] {1, 2, 3});
    clock.advance(Duration.ofHours(23));
    String active = client.startUpload(REPO);
    clock.advance(Duration.ofHours(2));

    int purged = registry.api.purgeStaleUploads().await(10, TimeUnit.SECONDS);
    assertThat(purged).isEqualTo(1);
    assertError(client.get(abandoned), 404, "BLOB_UPLOAD_UNKNOWN");
    assertThat(client.get(active).statusCode()).isEqualTo(204);
    assertThat(registry.api.purgeStaleUploads().await(10, TimeUnit.SECONDS)).isZero();
  }
}
