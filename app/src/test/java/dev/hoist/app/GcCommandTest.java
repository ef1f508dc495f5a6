package dev.hoist.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.oci.Digest;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.RepositoryName;
import dev.hoist.oci.Tag;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code hoist gc}, run in-process on a data directory a stopped server left. */
class GcCommandTest {
  private static final RepositoryName APP = RepositoryName.of("team/app");

  @TempDir Path dataDir;

  private record Run(int exit, String out, String err) {}

  private static Run gc(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        new CommandLine(new GcCommand())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  /** Pushes two images sharing a config, as a server stores them; returns their manifests. */
  private Manifest[] pushTwoImagesAndDeleteTheFirst() throws Exception {
    byte[] config =
        "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
    byte[] first = new byte[200_000];
    byte[] second = new byte[100_000];
    new Random(1).nextBytes(first);
    new Random(2).nextBytes(second);
    Manifest a = manifest(config, first);
    Manifest b = manifest(config, second);
    try (SqliteMetadataStore metadata = SqliteMetadataStore.open(dataDir)) {
      LocalNamespace local =
          new LocalNamespace(new FileSystemBlobStore(dataDir), metadata, InstantSource.system());
      Repository.Writer writer = local.repository(RepositoryRequest.internal(APP)).writer();
      for (byte[] blob : new byte[][] {config, first, second}) {
        var upload = writer.uploads().create();
        upload.write(ByteBuffer.wrap(blob));
        writer.uploads().complete(upload.id(), upload, Digest.sha256(blob));
      }
      writer.putManifest(a, Tag.of("1"));
      writer.putManifest(b, Tag.of("2"));
      writer.deleteManifest(a.digest());
    }
    return new Manifest[] {a, b};
  }

  private boolean stored(Digest digest) {
    String hex = digest.encoded();
    return Files.exists(dataDir.resolve("blobs/sha256").resolve(hex.substring(0, 2)).resolve(hex));
  }

  @Test
  void deletesWhatNoManifestUsesOnceUnusedForTheGraceAndSaysWhat() throws Exception {
    Manifest[] images = pushTwoImagesAndDeleteTheFirst();
    Digest firstLayer = images[0].references().get(1).digest();

    Run young = gc("--data-dir", dataDir.toString());
    assertThat(young.exit()).as(young.err()).isZero();
    assertThat(young.out()).startsWith("hoist gc: deleted 0 blobs (0 B)");
    assertThat(stored(firstLayer)).isTrue();

    Run dry = gc("--data-dir", dataDir.toString(), "--grace", "0s", "--dry-run");
    assertThat(dry.out()).startsWith("hoist gc: would delete 2 blobs (");
    assertThat(stored(firstLayer)).isTrue();

    Run run = gc("--data-dir", dataDir.toString(), "--grace", "0s");

    assertThat(run.exit()).as(run.err()).isZero();
    // The first image's layer and manifest; the shared config and the second image stay.
    assertThat(run.out()).startsWith("hoist gc: deleted 2 blobs (");
    assertThat(stored(firstLayer)).isFalse();
    assertThat(stored(images[0].digest())).isFalse();
    for (var d : images[1].references()) {
      assertThat(stored(d.digest())).isTrue();
    }
    assertThat(stored(images[1].digest())).isTrue();
    assertThat(gc("--data-dir", dataDir.toString(), "--grace", "0s").out())
        .startsWith("hoist gc: deleted 0 blobs");
  }

  @Test
  void aDirectoryThatIsNoDataDirectoryIsRefused() throws Exception {
    Path empty = Files.createDirectories(dataDir.resolve("elsewhere"));

    Run run = gc("--data-dir", empty.toString());

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("is not a Hoist data directory");
    assertThat(Files.exists(empty.resolve("hoist.db"))).isFalse();
  }

  private static Manifest manifest(byte[] config, byte[] layer) {
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
