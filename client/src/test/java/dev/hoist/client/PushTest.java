package dev.hoist.client;

import static dev.hoist.client.Fixtures.MANIFEST;
import static dev.hoist.client.Fixtures.MANIFEST_DIGEST;
import static dev.hoist.client.Fixtures.query;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.RepositoryName;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Blob uploads (monolithic, chunked, mounted) and manifest pushes against a fake registry. */
class PushTest {
  private static final RepositoryName APP = RepositoryName.of("team/app");

  private final Map<String, ByteArrayOutputStream> uploads = new ConcurrentHashMap<>();
  private final Map<Digest, byte[]> blobs = new ConcurrentHashMap<>();
  private final AtomicInteger sessions = new AtomicInteger();
  private volatile boolean mountable;
  private FakeServer registry;
  private RegistryClient client;

  @AfterEach
  void close() {
    if (client != null) {
      client.close();
    }
    if (registry != null) {
      registry.close();
    }
  }

  /**
   * A registry that keeps uploads in memory, checking Content-Range and digests like Distribution.
   */
  private RegistryClient.Builder registry() {
    registry =
        FakeServer.start(
            (r, ex) -> {
              String path = r.path();
              Map<String, List<String>> q = query(r);
              if (r.method().equals("POST") && path.endsWith("/blobs/uploads/")) {
                if (q.containsKey("mount") && mountable) {
                  FakeServer.reply(ex, 201, "");
                  return;
                }
                String id = "u" + sessions.incrementAndGet();
                uploads.put(id, new ByteArrayOutputStream());
                FakeServer.reply(ex, 202, "", "Location", path + id + "?_state=s0", "Range", "0-0");
                return;
              }
              if (path.contains("/blobs/uploads/")) {
                String id = path.substring(path.lastIndexOf('/') + 1);
                ByteArrayOutputStream upload = uploads.get(id);
                if (r.method().equals("PATCH")) {
                  String expected = upload.size() + "-" + (upload.size() + r.body().length - 1);
                  if (!expected.equals(r.header("Content-Range"))) {
                    FakeServer.reply(ex, 416, "");
                    return;
                  }
                  upload.write(r.body());
                  FakeServer.reply(
                      ex,
                      202,
                      "",
                      "Location",
                      path + "?_state=s" + upload.size(),
                      "Range",
                      "0-" + (upload.size() - 1));
                  return;
                }
                if (r.method().equals("PUT")) {
                  upload.write(r.body());
                  Digest claimed = Digest.parse(q.get("digest").get(0));
                  byte[] content = upload.toByteArray();
                  if (!Digest.sha256(content).equals(claimed)) {
                    FakeServer.reply(
                        ex,
                        400,
                        "{\"errors\":[{\"code\":\"DIGEST_INVALID\",\"message\":\"nope\"}]}");
                    return;
                  }
                  blobs.put(claimed, content);
                  FakeServer.reply(ex, 201, "", "Docker-Content-Digest", claimed.toString());
                  return;
                }
              }
              if (r.method().equals("PUT") && path.contains("/manifests/")) {
                FakeServer.reply(
                    ex, 201, "", "Docker-Content-Digest", Digest.sha256(r.body()).toString());
                return;
              }
              FakeServer.reply(ex, 404, "");
            });
    return Fixtures.client(registry, Fixtures.sleeps());
  }

  @Test
  void aSmallBlobIsPostedThenPutInOnePiece() throws Exception {
    client = registry().build();
    byte[] blob = PullTest.randomBytes(10_000);
    Digest digest = Digest.sha256(blob);

    client.pushBlob(APP, digest, blob.length, new ByteArrayInputStream(blob));

    assertThat(blobs.get(digest)).isEqualTo(blob);
    assertThat(registry.requests())
        .extracting(FakeServer.Request::method)
        .containsExactly("POST", "PUT");
    FakeServer.Request put = registry.requests().get(1);
    assertThat(query(put).get("_state")).as("the Location's query is kept").containsExactly("s0");
    assertThat(query(put).get("digest")).containsExactly(digest.toString());
    assertThat(put.header("Content-Type")).isEqualTo("application/octet-stream");
    assertThat(put.header("Content-Length")).isEqualTo("10000");
  }

  @Test
  void aLargeBlobIsSentInChunksWithContentRange() throws Exception {
    client = registry().chunkedUploadThreshold(1000).chunkSize(400).build();
    byte[] blob = PullTest.randomBytes(1000);
    Digest digest = Digest.sha256(blob);

    client.pushBlob(APP, digest, blob.length, new ByteArrayInputStream(blob));

    assertThat(blobs.get(digest)).isEqualTo(blob);
    assertThat(registry.requests())
        .extracting(FakeServer.Request::method)
        .containsExactly("POST", "PATCH", "PATCH", "PATCH", "PUT");
    assertThat(registry.requests().subList(1, 4))
        .extracting(r -> r.header("Content-Range"))
        .containsExactly("0-399", "400-799", "800-999");
    assertThat(query(registry.requests().get(2)).get("_state"))
        .as("each chunk goes to the Location the last one returned")
        .containsExactly("s400");
    assertThat(registry.requests().get(4).body()).isEmpty();
  }

  @Test
  void contentThatDoesNotMatchItsDigestIsNotCommitted() {
    client = registry().chunkedUploadThreshold(100).chunkSize(64).build();
    byte[] blob = PullTest.randomBytes(200);
    Digest digest = Digest.sha256(blob);
    byte[] other = PullTest.randomBytes(200);
    other[0] ^= 1;

    assertThatThrownBy(
            () -> client.pushBlob(APP, digest, other.length, new ByteArrayInputStream(other)))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.DIGEST_INVALID);
              assertThat(e.retryable()).isFalse();
            });
    assertThat(registry.requests()).extracting(FakeServer.Request::method).doesNotContain("PUT");
    assertThat(blobs).isEmpty();
  }

  @Test
  void aMonolithicPushOfWrongContentFails() {
    client = registry().build();
    byte[] blob = PullTest.randomBytes(200);
    assertThatThrownBy(
            () ->
                client.pushBlob(
                    APP,
                    Digest.sha256(new byte[] {1}),
                    blob.length,
                    new ByteArrayInputStream(blob)))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DIGEST_INVALID));
    assertThat(blobs).isEmpty();
  }

  @Test
  void aMountSaysWhetherItMountedOrOpenedASession() throws Exception {
    client = registry().build();
    Digest digest = Digest.sha256(new byte[] {7});
    RepositoryName base = RepositoryName.of("team/base");

    mountable = true;
    MountResult mounted = client.mountBlob(APP, digest, base);
    assertThat(mounted.isMounted()).isTrue();
    assertThat(query(registry.requests().get(0)))
        .containsEntry("mount", List.of(digest.toString()))
        .containsEntry("from", List.of("team/base"));

    mountable = false;
    MountResult notMounted = client.mountBlob(APP, digest, base);
    assertThat(notMounted.isMounted()).isFalse();
    client.pushBlob(
        notMounted.session().orElseThrow(), digest, 1, new ByteArrayInputStream(new byte[] {7}));
    assertThat(blobs).containsKey(digest);
  }

  @Test
  void aManifestIsPutWithItsTypeAndItsDigestReturned() throws Exception {
    client = registry().build();
    Digest d = client.putManifest(APP, "v1", MANIFEST, MediaTypes.OCI_MANIFEST);
    assertThat(d).isEqualTo(MANIFEST_DIGEST);
    FakeServer.Request put = registry.requests().get(0);
    assertThat(put.path()).isEqualTo("/v2/team/app/manifests/v1");
    assertThat(put.header("Content-Type")).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(put.body()).isEqualTo(MANIFEST);

    assertThat(
            client.putManifest(APP, MANIFEST_DIGEST.toString(), MANIFEST, MediaTypes.OCI_MANIFEST))
        .isEqualTo(MANIFEST_DIGEST);
  }

  @Test
  void aManifestPutUnderTheWrongDigestIsRefusedBeforeSending() {
    client = registry().build();
    assertThatThrownBy(
            () ->
                client.putManifest(
                    APP,
                    Digest.sha256(new byte[] {1}).toString(),
                    MANIFEST,
                    MediaTypes.OCI_MANIFEST))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(registry.requests()).isEmpty();
  }
}
