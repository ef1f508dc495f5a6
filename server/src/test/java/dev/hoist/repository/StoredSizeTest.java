package dev.hoist.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.oci.Digest;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.OciException;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.StoredBlob;
import dev.hoist.storage.fs.FileSystemBlobStore;
import dev.hoist.storage.sql.SqliteMetadataStore;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stored bytes whose size is not the one recorded when they were verified are never served, and go
 * to the quarantine; the same for bytes a read found rotten. Real stores in a temporary directory.
 */
class StoredSizeTest {
  private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
  private static final RepositoryName APP = RepositoryName.of("team/app");
  private static final Tag ONE = Tag.of("1");

  @TempDir Path dir;
  private FileSystemBlobStore blobs;
  private SqliteMetadataStore metadata;
  private LocalNamespace local;

  private final byte[] config =
      "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
  private final byte[] layer = random(200_000, 1);

  @BeforeEach
  void open() throws Exception {
    blobs = new FileSystemBlobStore(dir, InstantSource.fixed(NOW));
    metadata = SqliteMetadataStore.open(dir, InstantSource.fixed(NOW));
    local = new LocalNamespace(blobs, metadata, InstantSource.fixed(NOW));
  }

  @AfterEach
  void close() {
    metadata.close();
  }

  @Test
  void aBlobWhoseStoredSizeDiffersFromItsLinkIsNeverServedAndGoesToTheQuarantine()
      throws Exception {
    Digest digest = push(layer);
    Path file = path(digest);
    try (var channel = Files.newByteChannel(file, StandardOpenOption.WRITE)) {
      channel.truncate(150_000);
    }

    assertThatThrownBy(() -> repository().blobs().get(digest, false))
        .isInstanceOf(OciException.class)
        .extracting(e -> ((OciException) e).code())
        .isEqualTo(ErrorCode.BLOB_UNKNOWN);

    assertThat(file).doesNotExist();
    assertThat(quarantined()).hasSize(1);
    assertThat(link(digest)).isEmpty();
    assertThat(record(digest)).isEmpty();

    // The client pushes it again (its HEAD says it is missing), and it is served again.
    push(layer);
    assertThat(read(repository().blobs().get(digest, false))).isEqualTo(layer);
  }

  @Test
  void aManifestWhoseStoredSizeDiffersFromItsRecordIsNeverServed() throws Exception {
    push(config);
    push(layer);
    Manifest manifest = image();
    repository().writer().putManifest(manifest, ONE);
    Files.write(path(manifest.digest()), new byte[] {'\n'}, StandardOpenOption.APPEND);

    assertThatThrownBy(() -> repository().manifests().get(new ManifestReference.ByTag(ONE), false))
        .isInstanceOf(OciException.class)
        .extracting(e -> ((OciException) e).code())
        .isEqualTo(ErrorCode.MANIFEST_UNKNOWN);
    assertThat(quarantined()).hasSize(1);

    repository().writer().putManifest(manifest, ONE);
    Content again = repository().manifests().get(new ManifestReference.ByTag(ONE), false);
    assertThat(read(again)).isEqualTo(manifest.raw());
  }

  @Test
  void bytesOfTheRightSizeAreServedAndTheirQuarantineTakesThemOutWhenAReadFindsThemRotten()
      throws Exception {
    Digest digest = push(layer);
    byte[] rotten = layer.clone();
    rotten[100_000] ^= 0x10;
    Files.write(path(digest), rotten);

    // The size check cannot see a flipped bit: the content is found, and verifyOnRead or the
    // scrub must catch it.
    Content content = repository().blobs().get(digest, false);
    assertThat(content.body()).isInstanceOf(BlobContent.LocalFile.class);
    content.quarantine().run();

    assertThat(quarantined()).hasSize(1);
    assertThat(record(digest)).isEmpty();
    assertThatThrownBy(() -> repository().blobs().get(digest, false))
        .isInstanceOf(OciException.class);
  }

  @Test
  void aQuarantineOfGoodBytesKeepsThemAndTheirRecord() throws Exception {
    Digest digest = push(layer);

    repository().blobs().get(digest, false).quarantine().run();

    assertThat(quarantined()).isEmpty();
    assertThat(read(repository().blobs().get(digest, false))).isEqualTo(layer);
  }

  private Optional<Long> link(Digest digest) {
    return metadata.read(tx -> tx.linkedBlobSize(APP, digest));
  }

  private Optional<StoredBlob> record(Digest digest) {
    return metadata.read(tx -> tx.lifecycle().blob(digest));
  }

  private Repository repository() {
    return local.repository(RepositoryRequest.internal(APP));
  }

  private Digest push(byte[] bytes) throws Exception {
    Repository.Writer writer = repository().writer();
    var upload = writer.uploads().create();
    upload.write(ByteBuffer.wrap(bytes));
    Digest digest = Digest.sha256(bytes);
    writer.uploads().complete(upload.id(), upload, digest);
    return digest;
  }

  private Manifest image() {
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
    return Manifest.parse(
        json.getBytes(StandardCharsets.UTF_8), "application/vnd.oci.image.manifest.v1+json");
  }

  private Path path(Digest digest) throws Exception {
    return ((BlobContent.LocalFile) blobs.open(digest).orElseThrow()).path();
  }

  private List<Path> quarantined() throws Exception {
    Path quarantine = dir.resolve("quarantine");
    if (!Files.isDirectory(quarantine)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(quarantine)) {
      return files.toList();
    }
  }

  private static byte[] read(Content content) throws Exception {
    try (InputStream in = content.body().openStream(0, content.size())) {
      return in.readAllBytes();
    }
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }
}
