package dev.hoist.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hoist.images.ImageStore;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageReference;
import dev.hoist.testkit.DockerRegistryProcess;
import dev.hoist.testkit.RandomImages;
import dev.hoist.testkit.Skopeo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two {@code hoist pull} processes (the packaged jar) of one image into one store at once. */
class ConcurrentPullIT {
  private static final Path JAR = Path.of("target", "hoist.jar").toAbsolutePath();

  @TempDir Path dir;

  @Test
  void twoProcessesPullingTheSameImageLeaveOneCorrectCopy() throws Exception {
    try (DockerRegistryProcess origin = DockerRegistryProcess.start()) {
      RandomImages.ImageLayout app =
          RandomImages.writeLayout(dir.resolve("layout"), "1", 41, 2_000_000, 1_500_000, 50_000);
      Skopeo skopeo = Skopeo.create(dir.resolve("skopeo"));
      String name = origin.hostPort() + "/team/app:1";
      skopeo.copy(app.ociReference(), "docker://" + name);
      Path store = dir.resolve("store");

      List<Process> processes = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        processes.add(hoist(i, store, "pull", "--concurrency", "2", name));
      }
      for (int i = 0; i < processes.size(); i++) {
        Process p = processes.get(i);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue())
            .as(Files.readString(dir.resolve("out" + i)) + Files.readString(dir.resolve("err" + i)))
            .isZero();
        assertThat(Files.readString(dir.resolve("out" + i))).endsWith(name + "\n");
      }

      ImageStore s = ImageStore.open(store);
      assertThat(s.list()).hasSize(1);
      assertThat(s.resolve(ImageReference.parse(name)).orElseThrow().descriptor().digest())
          .isEqualTo(app.manifestDigest());
      assertStoredAndVerified(store, app.image());
      try (var blobs = Files.list(store.resolve("blobs/sha256"))) {
        assertThat(blobs).hasSize(5);
      }
      skopeo.copy("oci:" + store + ":" + name, "dir:" + dir.resolve("copy"));
    }
  }

  /** Every blob of the image is stored with its digest, and nothing is left half written. */
  private static void assertStoredAndVerified(Path store, RandomImages.Image image)
      throws IOException {
    List<Digest> all = new ArrayList<>(image.layerDigests());
    all.add(image.configDigest());
    all.add(image.manifestDigest());
    for (Digest d : all) {
      Path blob = store.resolve("blobs/sha256/" + d.encoded());
      assertThat(blob).exists();
      try (InputStream in = Files.newInputStream(blob)) {
        assertThat(Digest.compute("sha256", in)).isEqualTo(d);
      }
    }
    try (var left = Files.list(store.resolve("ingest"))) {
      assertThat(left).isEmpty();
    }
  }

  private Process hoist(int n, Path store, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-jar");
    command.add(JAR.toString());
    command.add("--root");
    command.add(store.toString());
    command.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectOutput(dir.resolve("out" + n).toFile())
            .redirectError(dir.resolve("err" + n).toFile());
    Map<String, String> env = pb.environment();
    env.put("HOME", dir.resolve("home").toString());
    env.put("DOCKER_CONFIG", dir.resolve("docker").toString());
    env.put("HOIST_CONFIG", dir.resolve("client.json").toString());
    env.put("HOIST_DOCKER_DAEMON_JSON", dir.resolve("daemon.json").toString());
    env.remove("HOIST_ROOT");
    env.remove("XDG_DATA_HOME");
    return pb.start();
  }
}
