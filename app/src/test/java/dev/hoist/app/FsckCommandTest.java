package dev.hoist.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.oci.Digest;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.repository.LocalNamespace;
import dev.hoist.repository.Repository;
import dev.hoist.repository.RepositoryRequest;
import dev.hoist.storage.fs.FileSystemBlobStore;
import dev.hoist.storage.sql.SqliteMetadataStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code hoist fsck}, run in-process on a data directory a server left. */
class FsckCommandTest {
  private static final RepositoryName APP = RepositoryName.of("team/app");

  @TempDir Path dataDir;
  private final byte[] config =
      "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
  private final byte[] layer = new byte[300_000];
  private Manifest manifest;

  /** A hosted image, pushed as a server would store it; the stores are closed after. */
  @BeforeEach
  void pushAnImage() throws Exception {
    new Random(1).nextBytes(layer);
    manifest = manifest();
    try (SqliteMetadataStore metadata = SqliteMetadataStore.open(dataDir)) {
      LocalNamespace local =
          new LocalNamespace(new FileSystemBlobStore(dataDir), metadata, InstantSource.system());
      Repository.Writer writer = local.repository(RepositoryRequest.internal(APP)).writer();
      for (byte[] blob : new byte[][] {config, layer}) {
        var upload = writer.uploads().create();
        upload.write(ByteBuffer.wrap(blob));
        writer.uploads().complete(upload.id(), upload, Digest.sha256(blob));
      }
      writer.putManifest(manifest, dev.hoist.oci.Tag.of("1"));
    }
  }

  /** What a run printed and returned. */
  private record Run(int exit, String out, String err) {}

  private static Run fsck(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        new CommandLine(new FsckCommand())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void aSoundDataDirectoryExitsZero() {
    Run run = fsck("--data-dir", dataDir.toString());

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).startsWith("Checked 3 blobs, 0.00 GiB in ").contains("; 0 corrupt");
  }

  @Test
  void aCorruptedBlobIsReportedWithTheManifestsUsingItAndQuarantinedAndExitsOne() throws Exception {
    Digest digest = Digest.sha256(layer);
    String hex = digest.encoded();
    Path file = dataDir.resolve("blobs/sha256").resolve(hex.substring(0, 2)).resolve(hex);
    byte[] rotten = layer.clone();
    rotten[42] ^= 1;
    Files.write(file, rotten);

    Run run = fsck("--data-dir", dataDir.toString());

    assertThat(run.exit()).as(run.err()).isEqualTo(1);
    assertThat(run.out())
        .contains("; 1 corrupt")
        .contains(digest + ": bytes do not match the digest (300000 bytes)")
        .contains("moved to the quarantine, a hosted manifest uses it: push it again")
        .contains("  used by team/app@" + manifest.digest());
    assertThat(file).doesNotExist();
    try (var quarantined = Files.list(dataDir.resolve("quarantine"))) {
      assertThat(quarantined.toList()).hasSize(1);
    }

    Run again = fsck("--data-dir", dataDir.toString());
    assertThat(again.exit()).as("the blob is forgotten: the rest is sound").isZero();
    assertThat(again.out()).contains("Checked 2 blobs");
  }

  @Test
  void aDirectoryThatIsNoDataDirectoryIsAUsageError() {
    Run run = fsck("--data-dir", dataDir.resolve("nothing").toString());

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("is no Hoist data directory");
  }

  @Test
  void theDataDirectoryIsRequired() {
    assertThat(fsck().exit()).isEqualTo(2);
  }

  private Manifest manifest() {
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
}
