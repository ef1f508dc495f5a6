package dev.hoist.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.OciException;
import dev.hoist.oci.RegistryHost;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.testkit.MemoryBlobStore;
import dev.hoist.testkit.MemoryMetadataStore;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;

/** The one manifest write path and the mirror cache's model, over in-memory stores. */
class LocalNamespaceTest {
  private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
  private static final RepositoryName APP = RepositoryName.of("team/app");
  private static final Tag ONE = Tag.of("1");
  private static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;

  private final MemoryBlobStore blobs = new MemoryBlobStore();
  private final MemoryMetadataStore metadata = new MemoryMetadataStore();
  private final LocalNamespace local =
      new LocalNamespace(blobs, metadata, InstantSource.fixed(NOW));

  private final byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(UTF8);
  private final byte[] layer = "not really a tar, but bytes all the same".getBytes(UTF8);
  private final Manifest manifest = image(config, layer);

  private static Manifest image(byte[] config, byte[] layer) {
    String json =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
            + Digest.sha256(config)
            + "\",\"size\":"
            + config.length
            + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
            + "\"digest\":\""
            + Digest.sha256(layer)
            + "\",\"size\":"
            + layer.length
            + "}]}";
    return Manifest.parse(json.getBytes(UTF8), "application/vnd.oci.image.manifest.v1+json");
  }

  private Repository repository(RepositoryName name) {
    return local.repository(RepositoryRequest.internal(name));
  }

  private void pushBlob(RepositoryName name, byte[] bytes) throws Exception {
    Repository.Writer writer = repository(name).writer();
    var upload = writer.uploads().create();
    upload.write(java.nio.ByteBuffer.wrap(bytes));
    writer.uploads().complete(upload.id(), upload, Digest.sha256(bytes));
  }

  private java.util.Optional<Digest> hostedTag(RepositoryName name) {
    return metadata.read(tx -> tx.tag(name, ONE));
  }

  private java.util.Optional<Long> link(RepositoryName name, Digest digest) {
    return metadata.read(tx -> tx.linkedBlobSize(name, digest));
  }

  private static byte[] read(Content content) throws Exception {
    try (InputStream in = content.body().openStream(0, content.size())) {
      return in.readAllBytes();
    }
  }

  @Test
  void aPushWhoseBlobsAreNotInTheRepositoryIsRefusedAndStoresNothing() throws Exception {
    pushBlob(APP, config); // the layer is missing

    assertThatThrownBy(() -> repository(APP).writer().putManifest(manifest, ONE))
        .isInstanceOfSatisfying(
            OciException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_BLOB_UNKNOWN));
    assertThat(blobs.size(manifest.digest())).isEmpty();
    assertThat(hostedTag(APP)).isEmpty();
  }

  @Test
  void aPushedManifestIsServedByTagAndByDigestByteForByte() throws Exception {
    pushBlob(APP, config);
    pushBlob(APP, layer);

    repository(APP).writer().putManifest(manifest, ONE);

    Content byTag = repository(APP).manifests().get(new ManifestReference.ByTag(ONE), false);
    Content byDigest =
        repository(APP).manifests().get(new ManifestReference.ByDigest(manifest.digest()), false);
    assertThat(read(byTag)).isEqualTo(manifest.raw());
    assertThat(read(byDigest)).isEqualTo(manifest.raw());
    assertThat(byTag.mediaType()).isEqualTo(manifest.mediaType());
    assertThat(byTag.cacheStatus()).as("hosted content has no cache status").isNull();
  }

  @Test
  void aCopyLinksTheManifestsBlobsInTheSameStepAsTheTag() throws Exception {
    LocalRepository app = local.hosted(APP);
    app.storeBlob(manifest.references().get(0), new java.io.ByteArrayInputStream(config));
    app.storeBlob(manifest.references().get(1), new java.io.ByteArrayInputStream(layer));
    assertThatThrownBy(() -> app.blobs().get(Digest.sha256(layer), false))
        .as("stored bytes are not readable through the repository before the copy links them")
        .isInstanceOf(OciException.class);

    app.putCopy(manifest, ONE);

    assertThat(read(app.blobs().get(Digest.sha256(layer), false))).isEqualTo(layer);
    assertThat(app.tag(ONE)).contains(manifest.digest());
  }

  @Test
  void deletingAManifestRemovesItsTagsAndItsLink() throws Exception {
    pushBlob(APP, config);
    pushBlob(APP, layer);
    repository(APP).writer().putManifest(manifest, ONE);

    repository(APP).writer().deleteManifest(manifest.digest());

    assertThat(hostedTag(APP)).isEmpty();
    assertThat(link(APP, manifest.digest())).isEmpty();
    assertThatThrownBy(() -> repository(APP).writer().deleteManifest(manifest.digest()))
        .isInstanceOfSatisfying(
            OciException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_UNKNOWN));
  }

  @Test
  void theMirrorCacheStoresManifestsUntaggedAndRemembersWhatTheUpstreamSaid() throws Exception {
    MirrorCache cache = local.mirrorCache();
    RepositoryName cached =
        MirrorCache.cacheName(RegistryHost.DOCKER_HUB, RepositoryName.of("library/app"));

    cache.storeCopy(cached, manifest, ONE, NOW, null);

    assertThat(hostedTag(cached)).as("no hosted tag").isEmpty();
    assertThat(cache.tag(cached, ONE)).contains(new CachedTag.Present(ONE, manifest.digest(), NOW));
    assertThat(cache.hasManifest(cached, manifest.digest())).isTrue();
    assertThat(cache.linked(cached, Digest.sha256(layer))).isTrue();
  }

  @Test
  void forgettingACachedTagRecordsItAbsentAndSaysWhetherItWasPresent() throws Exception {
    MirrorCache cache = local.mirrorCache();
    RepositoryName cached = RepositoryName.of("docker.io/library/app");
    cache.remember(cached, new CachedTag.Present(ONE, manifest.digest(), NOW));

    assertThat(cache.forget(cached, ONE, NOW.plusSeconds(1))).isTrue();
    assertThat(cache.forget(cached, ONE, NOW.plusSeconds(2))).isFalse();

    assertThat(cache.tag(cached, ONE)).contains(new CachedTag.Absent(ONE, NOW.plusSeconds(2)));
    assertThat(cache.tags(cached))
        .extracting(CachedTag::pointsAt)
        .containsExactly(java.util.Optional.empty());
  }

  @Test
  void cacheNamesOfAnUpstreamWithAPortWriteTheColonAsADash() {
    assertThat(
            MirrorCache.cacheName(
                RegistryHost.parse("127.0.0.1:5000"), RepositoryName.of("library/alpine")))
        .isEqualTo(RepositoryName.of("127.0.0.1-5000/library/alpine"));
    assertThat(MirrorCache.cacheName(RegistryHost.parse("ghcr.io"), RepositoryName.of("o/app")))
        .isEqualTo(RepositoryName.of("ghcr.io/o/app"));
  }

  @Test
  void theCatalogListsRepositoriesHeldHere() throws Exception {
    pushBlob(APP, config);
    pushBlob(RepositoryName.of("team/web"), layer);

    assertThat(local.repositories(null, 10)).containsExactly(APP, RepositoryName.of("team/web"));
    assertThat(local.repositories(APP, 10)).containsExactly(RepositoryName.of("team/web"));
  }
}
