package dev.hoist.client;

import static dev.hoist.client.Fixtures.MANIFEST;
import static dev.hoist.client.Fixtures.MANIFEST_DIGEST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestMismatchException;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.MediaTypes;
import dev.hoist.oci.RepositoryName;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Manifests, blobs and tags. */
class PullTest {
  private static final RepositoryName APP = RepositoryName.of("library/app");

  private final AtomicInteger calls = new AtomicInteger();
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

  private RegistryClient serve(FakeServer.Handler handler) {
    registry = FakeServer.start(handler);
    client = Fixtures.client(registry, Fixtures.sleeps()).build();
    return client;
  }

  private static byte[] flipped(byte[] bytes, int at) {
    byte[] copy = bytes.clone();
    copy[at] ^= 0x01;
    return copy;
  }

  @Test
  void headManifestGivesDigestTypeAndSize() throws Exception {
    RegistryClient c =
        serve(
            (r, ex) ->
                FakeServer.reply(
                    ex,
                    200,
                    MANIFEST,
                    "Content-Type",
                    MediaTypes.OCI_MANIFEST,
                    "Docker-Content-Digest",
                    MANIFEST_DIGEST.toString()));
    ManifestResponse m = c.headManifest(APP, "latest").orElseThrow();
    assertThat(m.digest()).isEqualTo(MANIFEST_DIGEST);
    assertThat(m.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(m.size()).isEqualTo(MANIFEST.length);
    assertThat(m.hasBytes()).isFalse();
    assertThat(registry.requests().get(0).method()).isEqualTo("HEAD");
    assertThat(registry.requests().get(0).header("Accept")).contains(MediaTypes.OCI_INDEX);
  }

  @Test
  void headManifestIsEmptyWhenTheRegistryHasNone() throws Exception {
    RegistryClient c = serve((r, ex) -> FakeServer.reply(ex, 404, ""));
    assertThat(c.headManifest(APP, "latest")).isEmpty();
  }

  @Test
  void getManifestKeepsTheRawBytesAndSendsTheAcceptList() throws Exception {
    RegistryClient c =
        serve(
            (r, ex) ->
                FakeServer.reply(
                    ex,
                    200,
                    MANIFEST,
                    "Content-Type",
                    MediaTypes.OCI_MANIFEST + "; charset=utf-8"));
    ManifestResponse m =
        c.getManifest(APP, "latest", List.of(MediaTypes.OCI_INDEX, MediaTypes.OCI_MANIFEST));
    assertThat(m.bytes()).isEqualTo(MANIFEST);
    assertThat(m.digest()).as("sha256 of the bytes without a header").isEqualTo(MANIFEST_DIGEST);
    assertThat(m.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(registry.requests().get(0).header("Accept"))
        .isEqualTo(MediaTypes.OCI_INDEX + ", " + MediaTypes.OCI_MANIFEST);
  }

  @Test
  void aFlippedByteInAManifestFetchedByDigestIsCaught() {
    RegistryClient c = serve((r, ex) -> FakeServer.reply(ex, 200, flipped(MANIFEST, 20)));
    assertThatThrownBy(() -> c.getManifest(APP, MANIFEST_DIGEST.toString(), List.of()))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.DIGEST_INVALID);
              assertThat(e.action()).endsWith("/library/app@" + MANIFEST_DIGEST);
              assertThat(e.getMessage()).contains("expected " + MANIFEST_DIGEST);
            });
  }

  @Test
  void aManifestThatDisagreesWithDockerContentDigestIsRefused() {
    RegistryClient c =
        serve(
            (r, ex) ->
                FakeServer.reply(
                    ex,
                    200,
                    flipped(MANIFEST, 3),
                    "Docker-Content-Digest",
                    MANIFEST_DIGEST.toString()));
    assertThatThrownBy(() -> c.getManifest(APP, "latest", List.of()))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DIGEST_INVALID));
  }

  @Test
  void anErrorBodyGivesTheCodeAndTheActionTheMessage() {
    RegistryClient c =
        serve(
            (r, ex) ->
                FakeServer.reply(
                    ex,
                    404,
                    "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"repository name not known\"}]}"));
    assertThatThrownBy(() -> c.getManifest(APP, "latest", List.of()))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.NAME_UNKNOWN);
              assertThat(e.httpStatus()).isEqualTo(404);
              assertThat(e.retryable()).isFalse();
              assertThat(e.getMessage())
                  .isEqualTo(
                      "GET manifest "
                          + c.endpoint().name()
                          + "/library/app:latest: 404 NAME_UNKNOWN: repository name not known");
            });
  }

  @Test
  void a404WithoutBodyIsManifestUnknown() {
    RegistryClient c = serve((r, ex) -> FakeServer.reply(ex, 404, ""));
    assertThatThrownBy(() -> c.getManifest(APP, "latest", List.of()))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_UNKNOWN));
  }

  @Test
  void anOversizedManifestIsRefusedUnread() {
    byte[] huge = new byte[RegistryClient.MAX_MANIFEST_BYTES + 1];
    RegistryClient c = serve((r, ex) -> FakeServer.reply(ex, 200, huge));
    assertThatThrownBy(() -> c.getManifest(APP, "latest", List.of()))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_TOO_LARGE));
  }

  @Test
  void aBlobStreamIsVerifiedAtItsEnd() throws Exception {
    byte[] blob = randomBytes(100_000);
    Digest digest = Digest.sha256(blob);
    RegistryClient c = serve((r, ex) -> FakeServer.reply(ex, 200, blob));
    try (BlobResponse b = c.getBlob(APP, digest, 0)) {
      assertThat(b.verifying()).isTrue();
      assertThat(b.contentLength()).isEqualTo(blob.length);
      assertThat(b.stream().readAllBytes()).isEqualTo(blob);
    }
    registry.handler((r, ex) -> FakeServer.reply(ex, 200, flipped(blob, 99_999)));
    try (BlobResponse b = c.getBlob(APP, digest, 0)) {
      assertThatThrownBy(() -> b.stream().readAllBytes())
          .isInstanceOf(DigestMismatchException.class);
    }
  }

  @Test
  void aBlobIsResumedWithRangeAfterATruncatedResponse() throws Exception {
    byte[] blob = randomBytes(300_000);
    Digest digest = Digest.sha256(blob);
    RegistryClient c =
        serve(
            (r, ex) -> {
              String range = r.header("Range");
              if (calls.incrementAndGet() == 1) {
                // Promise the whole blob, send part of it, drop the connection.
                ex.sendResponseHeaders(200, blob.length);
                OutputStream out = ex.getResponseBody();
                out.write(blob, 0, 100_000);
                out.flush();
                throw new IOException("connection dropped on purpose");
              }
              long from = Long.parseLong(range.substring("bytes=".length(), range.length() - 1));
              byte[] rest = Arrays.copyOfRange(blob, (int) from, blob.length);
              FakeServer.reply(
                  ex,
                  206,
                  rest,
                  "Content-Range",
                  "bytes " + from + "-" + (blob.length - 1) + "/" + blob.length);
            });

    ByteArrayOutputStream got = new ByteArrayOutputStream();
    try (BlobResponse b = c.getBlob(APP, digest, 0)) {
      assertThatThrownBy(() -> b.stream().transferTo(got)).isInstanceOf(IOException.class);
    }
    long have = got.size();
    assertThat(have).isGreaterThan(0).isLessThan(blob.length);

    try (BlobResponse b = c.getBlob(APP, digest, have)) {
      assertThat(b.offset()).isEqualTo(have);
      assertThat(b.contentLength()).isEqualTo(blob.length - have);
      assertThat(b.totalSize()).isEqualTo(blob.length);
      assertThat(b.verifying()).isFalse();
      b.stream().transferTo(got);
    }
    assertThat(registry.requests().get(1).header("Range")).isEqualTo("bytes=" + have + "-");
    assertThat(Digest.sha256(got.toByteArray())).isEqualTo(digest);
  }

  @Test
  void aRegistryThatIgnoresRangeHasTheOffsetSkippedForIt() throws Exception {
    byte[] blob = randomBytes(50_000);
    RegistryClient c = serve((r, ex) -> FakeServer.reply(ex, 200, blob));
    try (BlobResponse b = c.getBlob(APP, Digest.sha256(blob), 12_345)) {
      assertThat(b.contentLength()).isEqualTo(blob.length - 12_345);
      assertThat(b.stream().readAllBytes())
          .isEqualTo(Arrays.copyOfRange(blob, 12_345, blob.length));
    }
  }

  @Test
  void redirectsAreFollowedAtMostFiveHops() {
    RegistryClient c = serve((r, ex) -> FakeServer.reply(ex, 302, "", "Location", r.path() + "x"));
    assertThatThrownBy(() -> c.getBlob(APP, Digest.sha256(new byte[] {1}), 0))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.UPSTREAM_FAILED);
              assertThat(e.getMessage()).contains("more than 5 redirects");
            });
    assertThat(registry.requests()).hasSize(6);
  }

  @Test
  void headBlobGivesTheSizeOrEmpty() throws Exception {
    byte[] blob = randomBytes(1234);
    RegistryClient c =
        serve((r, ex) -> FakeServer.reply(ex, r.path().contains("sha256:0") ? 404 : 200, blob));
    Digest digest = Digest.sha256(blob);
    assertThat(c.headBlob(APP, digest)).contains(1234L);
    assertThat(c.blobExists(APP, Digest.parse("sha256:" + "0".repeat(64)))).isFalse();
  }

  @Test
  void tagsFollowLinkPagination() throws Exception {
    Map<String, String> pages =
        Map.of(
            "n=2", "{\"name\":\"library/app\",\"tags\":[\"a\",\"b\"]}",
            "n=2&last=b", "{\"name\":\"library/app\",\"tags\":[\"c\",\"d\"]}",
            "n=2&last=d", "{\"name\":\"library/app\",\"tags\":[\"e\"]}");
    registry =
        FakeServer.start(
            (r, ex) -> {
              String q = r.query();
              String next =
                  q.equals("n=2") ? "n=2&last=b" : q.equals("n=2&last=b") ? "n=2&last=d" : null;
              if (next == null) {
                FakeServer.reply(ex, 200, pages.get(q));
              } else {
                FakeServer.reply(
                    ex,
                    200,
                    pages.get(q),
                    "Link",
                    "</v2/library/app/tags/list?" + next + ">; rel=\"next\"");
              }
            });
    client = Fixtures.client(registry, Fixtures.sleeps()).tagPageSize(2).build();
    assertThat(client.tags(APP)).containsExactly("a", "b", "c", "d", "e");
    assertThat(registry.requests()).hasSize(3);
  }

  @Test
  void aNextTagPageOnAnotherHostIsRefused() {
    RegistryClient c =
        serve(
            (r, ex) ->
                FakeServer.reply(
                    ex,
                    200,
                    "{\"tags\":[\"a\"]}",
                    "Link",
                    "<http://evil.example/v2/x>; rel=\"next\""));
    assertThatThrownBy(() -> c.tags(APP)).hasMessageContaining("another host");
  }

  @Test
  void anEmptyTagListIsEmpty() throws Exception {
    RegistryClient c =
        serve((r, ex) -> FakeServer.reply(ex, 200, "{\"name\":\"library/app\",\"tags\":null}"));
    assertThat(c.tags(APP)).isEmpty();
  }

  static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }
}
