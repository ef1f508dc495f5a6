package dev.hoist.storage.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.oci.Digest;
import dev.hoist.oci.DigestMismatchException;
import dev.hoist.storage.BlobContent;
import dev.hoist.storage.BlobStore;
import dev.hoist.storage.BlobUpload;
import dev.hoist.testkit.BlobStoreContract;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class FileSystemBlobStoreTest extends BlobStoreContract {

  private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");

  @Override
  protected BlobStore newStore(Path dataDir) throws IOException {
    return new FileSystemBlobStore(dataDir, InstantSource.fixed(NOW));
  }

  @Override
  protected void corrupt(Digest digest, byte[] bytes) throws IOException {
    Files.write(path(store.open(digest).orElseThrow()), bytes);
  }

  @Test
  void quarantineMovesTheFileUnderQuarantineNamedByDigestAndTime() throws IOException {
    byte[] content = bytes(1000, 9);
    Digest digest = Digest.sha256(content);
    store.put(digest, content);
    Path blob = path(store.open(digest).orElseThrow());
    byte[] bad = bytes(1000, 10);
    corrupt(digest, bad);

    assertThat(store.quarantine(digest)).isTrue();

    Path aside =
        dataDir.resolve("quarantine/sha256-" + digest.encoded() + "-" + NOW.toEpochMilli());
    assertThat(aside).hasBinaryContent(bad);
    assertThat(blob).doesNotExist();
    assertThat(regularFiles(dataDir)).containsExactly(aside);
  }

  @Test
  void aSecondQuarantineOfTheSameDigestKeepsTheFirstCopy() throws IOException {
    byte[] content = bytes(1000, 11);
    Digest digest = Digest.sha256(content);
    store.put(digest, content);
    corrupt(digest, bytes(1000, 12));
    store.quarantine(digest);
    store.put(digest, content);
    corrupt(digest, bytes(1000, 13));

    assertThat(store.quarantine(digest)).isTrue();

    String prefix = "quarantine/sha256-" + digest.encoded() + "-";
    assertThat(dataDir.resolve(prefix + NOW.toEpochMilli())).hasBinaryContent(bytes(1000, 12));
    assertThat(dataDir.resolve(prefix + (NOW.toEpochMilli() + 1)))
        .hasBinaryContent(bytes(1000, 13));
  }

  @Test
  void bytesThatMatchGoBackToTheirPlaceAndLeaveNothingAside() throws IOException {
    byte[] content = bytes(1000, 14);
    Digest digest = Digest.sha256(content);
    store.put(digest, content);
    Path blob = path(store.open(digest).orElseThrow());

    assertThat(store.quarantine(digest)).isFalse();

    assertThat(blob).hasBinaryContent(content);
    assertThat(regularFiles(dataDir)).containsExactly(blob);
  }

  @Test
  void blobsAreStoredUnderAlgorithmAndTwoHexCharacters() throws IOException {
    byte[] content = bytes(1000, 1);
    Digest sha256 = Digest.sha256(content);
    Digest sha512 = Digest.sha512(content);

    store.put(sha256, content);
    store.put(sha512, content);

    Path sha256Path =
        dataDir.resolve(
            "blobs/sha256/" + sha256.encoded().substring(0, 2) + "/" + sha256.encoded());
    Path sha512Path =
        dataDir.resolve(
            "blobs/sha512/" + sha512.encoded().substring(0, 2) + "/" + sha512.encoded());
    assertThat(sha256Path).hasBinaryContent(content);
    assertThat(sha512Path).hasBinaryContent(content);
    assertThat(regularFiles(dataDir)).containsExactlyInAnyOrder(sha256Path, sha512Path);
  }

  @Test
  void openGivesTheBlobFileForZeroCopyTransfer() throws IOException {
    byte[] content = bytes(10, 2);
    Digest digest = Digest.sha256(content);
    store.put(digest, content);

    BlobContent opened = store.open(digest).orElseThrow();

    assertThat(opened).isInstanceOf(BlobContent.LocalFile.class);
    BlobContent.LocalFile file = (BlobContent.LocalFile) opened;
    assertThat(file.path()).isAbsolute().hasBinaryContent(content);
    assertThat(file.size()).isEqualTo(10);
  }

  @Test
  void uploadBytesLiveInTheUploadsDirectoryUntilCommitted() throws IOException {
    String id = newId();
    BlobUpload upload = store.startUpload(id);
    upload.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));

    assertThat(dataDir.resolve("uploads").resolve(id)).hasBinaryContent(new byte[] {1, 2, 3});

    upload.commit(Digest.sha256(new byte[] {1, 2, 3}), 3);
    assertThat(dataDir.resolve("uploads")).isEmptyDirectory();
  }

  @Test
  void pathLikeUploadIdsNeverTouchTheFilesystem() throws IOException {
    Path outside = dataDir.resolve("x");
    Files.write(outside, new byte[] {42});
    Files.write(dataDir.resolve("uploads").resolve("legit"), new byte[] {1});

    assertThatThrownBy(() -> store.startUpload("../x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(store.resumeUpload("../x")).isEmpty();
    assertThat(store.resumeUpload("../uploads/legit")).isEmpty();
    store.cancelUpload("../x");
    store.cancelUpload("/etc/passwd");

    assertThat(outside).hasBinaryContent(new byte[] {42});
    assertThat(store.resumeUpload("legit")).isPresent();
  }

  @Test
  void noFilesAreLeftAfterAMismatch() throws IOException {
    byte[] content = bytes(100_000, 3);
    BlobUpload upload = store.startUpload(newId());
    upload.write(ByteBuffer.wrap(content));

    assertThatThrownBy(() -> upload.commit(Digest.sha256(bytes(10, 4)), content.length))
        .isInstanceOf(DigestMismatchException.class);

    assertThat(regularFiles(dataDir)).isEmpty();
  }

  @Test
  void noFilesAreLeftAfterASizeMismatchOrACancel() throws IOException {
    byte[] content = bytes(100, 5);
    BlobUpload tooShort = store.startUpload(newId());
    tooShort.write(ByteBuffer.wrap(content));
    BlobUpload cancelled = store.startUpload(newId());
    cancelled.write(ByteBuffer.wrap(content));

    assertThatThrownBy(() -> tooShort.commit(Digest.sha256(content), 101))
        .isInstanceOf(DigestMismatchException.class);
    cancelled.cancel();

    assertThat(regularFiles(dataDir)).isEmpty();
  }

  @Test
  void duplicateCommitLeavesOnlyTheBlob() throws IOException {
    byte[] content = bytes(100, 6);
    Digest digest = Digest.sha256(content);
    store.put(digest, content);
    store.put(digest, content);

    assertThat(regularFiles(dataDir)).containsExactly(store.open(digest).map(this::path).get());
  }

  @Test
  void uploadLeftByAnEarlierProcessIsHashedFromItsFile() throws IOException {
    byte[] content = bytes(500_000, 7);
    String id = "left-by-a-crash";
    // As a process that died mid-upload leaves it: bytes on disk, no state in memory.
    Files.write(dataDir.resolve("uploads").resolve(id), java.util.Arrays.copyOf(content, 400_000));

    BlobUpload resumed = newStore(dataDir).resumeUpload(id).orElseThrow();
    assertThat(resumed.size()).isEqualTo(400_000);
    resumed.write(ByteBuffer.wrap(content, 400_000, 100_000));
    resumed.commit(Digest.sha256(content), content.length);

    assertThat(read(store.open(Digest.sha256(content)).orElseThrow())).isEqualTo(content);
  }

  @Test
  void uploadLeftByAnEarlierProcessCanBeCommittedWithoutFurtherWrites() throws IOException {
    byte[] content = bytes(70_000, 8);
    String id = "complete-before-crash";
    Files.write(dataDir.resolve("uploads").resolve(id), content);

    newStore(dataDir).resumeUpload(id).orElseThrow().commit(Digest.sha256(content), -1);

    assertThat(store.size(Digest.sha256(content))).contains(70_000L);
  }

  @Test
  void constructorCreatesTheDirectories() throws IOException {
    Path fresh = dataDir.resolve("nested/data");

    new FileSystemBlobStore(fresh);

    assertThat(fresh.resolve("blobs")).isDirectory();
    assertThat(fresh.resolve("uploads")).isDirectory();
  }

  private Path path(BlobContent content) {
    return ((BlobContent.LocalFile) content).path();
  }

  private static List<Path> regularFiles(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(Files::isRegularFile).map(p -> p.toAbsolutePath().normalize()).toList();
    }
  }
}
