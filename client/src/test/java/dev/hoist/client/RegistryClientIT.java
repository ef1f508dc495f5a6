package dev.hoist.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.RepositoryName;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.TokenServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The client against Debian's docker-registry (Distribution 2.8), with and without token auth. */
class RegistryClientIT {

  /** An image of a config and two layers, one small and one uploaded in chunks. */
  record Image(byte[] config, byte[] smallLayer, byte[] bigLayer, byte[] manifest) {
    static Image random(long seed) {
      Random random = new Random(seed);
      byte[] config =
          ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                  + "\"diff_ids\":[]},\"seed\":"
                  + seed
                  + "}")
              .getBytes(StandardCharsets.UTF_8);
      byte[] small = new byte[5_000];
      byte[] big = new byte[300_000];
      random.nextBytes(small);
      random.nextBytes(big);
      String manifest =
          "{\"schemaVersion\":2,\"mediaType\":\""
              + MediaTypes.OCI_MANIFEST
              + "\",\"config\":"
              + descriptor(MediaTypes.OCI_CONFIG, config)
              + ",\"layers\":["
              + descriptor(MediaTypes.OCI_LAYER_TAR_GZIP, small)
              + ","
              + descriptor(MediaTypes.OCI_LAYER_TAR_GZIP, big)
              + "]}";
      return new Image(config, small, big, manifest.getBytes(StandardCharsets.UTF_8));
    }

    private static String descriptor(String mediaType, byte[] content) {
      return "{\"mediaType\":\""
          + mediaType
          + "\",\"digest\":\""
          + Digest.sha256(content)
          + "\",\"size\":"
          + content.length
          + "}";
    }

    List<byte[]> blobs() {
      return List.of(config, smallLayer, bigLayer);
    }

    Digest manifestDigest() {
      return Digest.sha256(manifest);
    }
  }

  static RegistryClient.Builder client(RegistryEndpoint endpoint) {
    // Blobs from 100 KB up go in 64 KB PATCH chunks, so both upload paths run.
    return RegistryClient.builder(endpoint).chunkedUploadThreshold(100_000).chunkSize(64 * 1024);
  }

  static void push(RegistryClient c, RepositoryName repo, Image image, String tag)
      throws RegistryException {
    for (byte[] blob : image.blobs()) {
      Digest d = Digest.sha256(blob);
      if (!c.blobExists(repo, d)) {
        c.pushBlob(repo, d, blob.length, new ByteArrayInputStream(blob));
      }
    }
    assertThat(c.putManifest(repo, tag, image.manifest(), MediaTypes.OCI_MANIFEST))
        .isEqualTo(image.manifestDigest());
  }

  static void assertPullable(RegistryClient c, RepositoryName repo, Image image, String tag)
      throws Exception {
    ManifestResponse head = c.headManifest(repo, tag).orElseThrow();
    assertThat(head.digest()).isEqualTo(image.manifestDigest());
    assertThat(head.size()).isEqualTo(image.manifest().length);

    ManifestResponse byTag = c.getManifest(repo, tag, List.of());
    assertThat(byTag.bytes()).isEqualTo(image.manifest());
    assertThat(byTag.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(byTag.digest()).isEqualTo(image.manifestDigest());
    assertThat(c.getManifest(repo, image.manifestDigest().toString(), List.of()).bytes())
        .isEqualTo(image.manifest());

    for (byte[] blob : image.blobs()) {
      try (BlobResponse b = c.getBlob(repo, Digest.sha256(blob), 0)) {
        assertThat(b.stream().readAllBytes()).isEqualTo(blob);
      }
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class WithoutAuth {
    private DockerRegistryProcess registry;
    private RegistryClient client;

    @BeforeAll
    void start() {
      registry = DockerRegistryProcess.start();
      client = client(RegistryEndpoint.of(registry.url())).tagPageSize(2).build();
    }

    @AfterAll
    void stop() {
      if (client != null) {
        client.close();
      }
      if (registry != null) {
        registry.close();
      }
    }

    @Test
    void pushedBlobsAndManifestsPullBackByteForByte() throws Exception {
      RepositoryName repo = RepositoryName.of("it/plain");
      Image image = Image.random(1);
      client.ping();
      push(client, repo, image, "v1");

      assertPullable(client, repo, image, "v1");
      assertThat(client.headBlob(repo, Digest.sha256(image.bigLayer()))).contains(300_000L);
      assertThat(registry.requestCount("PATCH", "/v2/it/plain/blobs/uploads/.*"))
          .as("the big layer went in chunks")
          .isEqualTo(5);
    }

    @Test
    void aBlobDownloadResumesFromAnOffset() throws Exception {
      RepositoryName repo = RepositoryName.of("it/resume");
      Image image = Image.random(2);
      push(client, repo, image, "v1");
      Digest big = Digest.sha256(image.bigLayer());

      ByteArrayOutputStream got = new ByteArrayOutputStream();
      try (BlobResponse first = client.getBlob(repo, big, 0)) {
        got.write(first.stream().readNBytes(123_456));
      }
      try (BlobResponse rest = client.getBlob(repo, big, got.size())) {
        assertThat(rest.offset()).isEqualTo(123_456);
        assertThat(rest.totalSize()).isEqualTo(300_000);
        rest.stream().transferTo(got);
      }
      assertThat(got.toByteArray()).isEqualTo(image.bigLayer());
      assertThat(Digest.sha256(got.toByteArray())).isEqualTo(big);
    }

    @Test
    void everyTagIsListed() throws Exception {
      // Distribution 2.8 ignores ?n= on tag lists (one unsorted page); Link paging is unit-tested.
      RepositoryName repo = RepositoryName.of("it/tags");
      Image image = Image.random(3);
      for (String tag : List.of("a", "b", "c", "d", "e")) {
        push(client, repo, image, tag);
      }
      assertThat(client.tags(repo)).containsExactlyInAnyOrder("a", "b", "c", "d", "e");
    }

    @Test
    void aBlobIsMountedFromAnotherRepository() throws Exception {
      RepositoryName from = RepositoryName.of("it/mount-from");
      RepositoryName to = RepositoryName.of("it/mount-to");
      Image image = Image.random(4);
      push(client, from, image, "v1");
      Digest layer = Digest.sha256(image.smallLayer());

      assertThat(client.blobExists(to, layer)).isFalse();
      assertThat(client.mountBlob(to, layer, from).isMounted()).isTrue();
      assertThat(client.blobExists(to, layer)).isTrue();

      MountResult unknown = client.mountBlob(to, Digest.sha256(new byte[] {42}), from);
      assertThat(unknown.isMounted()).isFalse();
      byte[] blob = {42};
      client.pushBlob(
          unknown.session().orElseThrow(), Digest.sha256(blob), 1, new ByteArrayInputStream(blob));
      assertThat(client.blobExists(to, Digest.sha256(blob))).isTrue();
    }

    @Test
    void unknownContentIsReportedWithItsCode() throws Exception {
      RepositoryName repo = RepositoryName.of("it/unknown");
      assertThat(client.headManifest(repo, "nope")).isEmpty();
      assertThatThrownBy(() -> client.getManifest(repo, "nope", List.of()))
          .isInstanceOfSatisfying(
              RegistryException.class,
              e -> {
                assertThat(e.code()).isIn(ErrorCode.MANIFEST_UNKNOWN, ErrorCode.NAME_UNKNOWN);
                assertThat(e.httpStatus()).isEqualTo(404);
                assertThat(e.action())
                    .isEqualTo("GET manifest " + registry.hostPort() + "/it/unknown:nope");
              });
      assertThat(client.blobExists(repo, Digest.sha256(new byte[] {1}))).isFalse();
    }

    @Test
    void contentNotMatchingItsDigestIsRefused() {
      RepositoryName repo = RepositoryName.of("it/bad");
      byte[] blob = "real".getBytes(StandardCharsets.UTF_8);
      byte[] other = "fake".getBytes(StandardCharsets.UTF_8);
      assertThatThrownBy(
              () ->
                  client.pushBlob(
                      repo, Digest.sha256(blob), other.length, new ByteArrayInputStream(other)))
          .isInstanceOfSatisfying(
              RegistryException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.DIGEST_INVALID));
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class WithTokenAuth {
    private TokenServer tokens;
    private DockerRegistryProcess registry;

    @BeforeAll
    void start() {
      tokens =
          TokenServer.builder().user("alice", "s3cret", "pull", "push").anonymousPull(true).start();
      registry =
          DockerRegistryProcess.builder()
              .tokenAuth(tokens.realm(), tokens.service(), tokens.issuer(), tokens.certificatePem())
              .start();
    }

    @AfterAll
    void stop() {
      if (registry != null) {
        registry.close();
      }
      if (tokens != null) {
        tokens.close();
      }
    }

    private RegistryClient clientFor(Credentials credentials) {
      return client(RegistryEndpoint.of(registry.url()).withCredentials(credentials)).build();
    }

    @Test
    void aUserPushesAndAnonymousClientsPull() throws Exception {
      RepositoryName repo = RepositoryName.of("library/x");
      Image image = Image.random(10);
      try (RegistryClient alice = clientFor(Credentials.basic("alice", "s3cret"));
          RegistryClient anonymous = clientFor(null)) {
        alice.ping();
        push(alice, repo, image, "v1");
        push(alice, repo, image, "v2");

        tokens.clearRequests();
        assertPullable(anonymous, repo, image, "v1");
        assertThat(anonymous.tags(repo)).containsExactly("v1", "v2");
        assertThat(tokens.requests()).isNotEmpty().noneMatch(TokenServer.Request::hasAuthorization);
        assertThat(tokens.requests())
            .as("one token for the repository's pull scope serves every pull")
            .hasSize(1);

        tokens.clearRequests();
        assertPullable(alice, repo, image, "v2");
        assertThat(tokens.requests()).allMatch(TokenServer.Request::hasAuthorization);
      }
    }

    @Test
    void pushingWithoutCredentialsIsRefused() throws Exception {
      RepositoryName repo = RepositoryName.of("library/refused");
      byte[] blob = "blob".getBytes(StandardCharsets.UTF_8);
      try (RegistryClient anonymous = clientFor(null)) {
        assertThatThrownBy(
                () ->
                    anonymous.pushBlob(
                        repo, Digest.sha256(blob), blob.length, new ByteArrayInputStream(blob)))
            .isInstanceOfSatisfying(
                RegistryException.class,
                e -> {
                  assertThat(e.code()).isIn(ErrorCode.UNAUTHORIZED, ErrorCode.DENIED);
                  assertThat(e.retryable()).isFalse();
                  assertThat(e.action()).startsWith("POST blob upload");
                });
        assertThatThrownBy(
                () ->
                    anonymous.putManifest(
                        repo, "v1", Image.random(11).manifest(), MediaTypes.OCI_MANIFEST))
            .isInstanceOfSatisfying(
                RegistryException.class,
                e -> assertThat(e.code()).isIn(ErrorCode.UNAUTHORIZED, ErrorCode.DENIED));
      }
    }

    @Test
    void aWrongPasswordIsRefusedByTheTokenServer() {
      try (RegistryClient mallory = clientFor(Credentials.basic("alice", "guess"))) {
        assertThatThrownBy(mallory::ping)
            .isInstanceOfSatisfying(
                RegistryException.class,
                e -> {
                  assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
                  assertThat(e.getMessage()).doesNotContain("guess");
                });
      }
    }

    @Test
    void theBigLayerStreamsWithBoundedReads() throws Exception {
      RepositoryName repo = RepositoryName.of("library/stream");
      Image image = Image.random(12);
      try (RegistryClient alice = clientFor(Credentials.basic("alice", "s3cret"))) {
        push(alice, repo, image, "v1");
        try (BlobResponse b = alice.getBlob(repo, Digest.sha256(image.bigLayer()), 0)) {
          byte[] buffer = new byte[8192];
          ByteArrayOutputStream got = new ByteArrayOutputStream();
          for (int n; (n = b.stream().read(buffer)) != -1; ) {
            got.write(buffer, 0, n);
          }
          assertThat(Arrays.equals(got.toByteArray(), image.bigLayer())).isTrue();
        }
      }
    }
  }
}
