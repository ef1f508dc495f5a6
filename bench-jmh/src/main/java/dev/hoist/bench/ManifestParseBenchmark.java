package dev.hoist.bench;

import dev.hoist.oci.Digest;
import dev.hoist.oci.Manifest;
import dev.hoist.oci.MediaTypes;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link Manifest#parse} of the two documents a pull always meets: an OCI image manifest (config
 * and three layers, with annotations) and a multi-platform OCI index (six platforms and their
 * BuildKit attestations, as {@code docker buildx} pushes). Parsing includes the sha256 of the raw
 * bytes; the {@code byDigest} variants also check them against an expected digest, as a pull or
 * push by digest does.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ManifestParseBenchmark {
  private byte[] manifest;
  private byte[] index;
  private Digest manifestDigest;
  private Digest indexDigest;

  @Setup
  public void documents() {
    manifest = imageManifest().getBytes(StandardCharsets.UTF_8);
    index = imageIndex().getBytes(StandardCharsets.UTF_8);
    manifestDigest = Digest.sha256(manifest);
    indexDigest = Digest.sha256(index);
    // Fail at setup, not in the measurement, if a document is not valid.
    Manifest.parse(manifest, MediaTypes.OCI_MANIFEST, manifestDigest);
    Manifest.parse(index, MediaTypes.OCI_INDEX, indexDigest);
  }

  @Benchmark
  public Manifest parseManifest() {
    return Manifest.parse(manifest, MediaTypes.OCI_MANIFEST);
  }

  @Benchmark
  public Manifest parseManifestByDigest() {
    return Manifest.parse(manifest, MediaTypes.OCI_MANIFEST, manifestDigest);
  }

  @Benchmark
  public Manifest parseIndex() {
    return Manifest.parse(index, MediaTypes.OCI_INDEX);
  }

  @Benchmark
  public Manifest parseIndexByDigest() {
    return Manifest.parse(index, MediaTypes.OCI_INDEX, indexDigest);
  }

  static String hex(int seed) {
    StringBuilder sb = new StringBuilder("sha256:");
    long x = 0x9E3779B97F4A7C15L * (seed + 1);
    while (sb.length() < 7 + 64) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      sb.append(String.format("%016x", x));
    }
    return sb.substring(0, 7 + 64);
  }

  static String descriptor(String mediaType, int seed, long size) {
    return "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%d}"
        .formatted(mediaType, hex(seed), size);
  }

  static String imageManifest() {
    return """
        {
          "schemaVersion": 2,
          "mediaType": "application/vnd.oci.image.manifest.v1+json",
          "config": %s,
          "layers": [
            %s,
            %s,
            %s
          ],
          "annotations": {
            "org.opencontainers.image.created": "2026-01-01T00:00:00Z",
            "org.opencontainers.image.source": "https://example.com/team/app",
            "org.opencontainers.image.revision": "2f1c9a7e0b3d4c5e6f708192a3b4c5d6e7f80912"
          }
        }
        """
        .formatted(
            descriptor(MediaTypes.OCI_CONFIG, 1, 7023),
            descriptor(MediaTypes.OCI_LAYER_TAR_GZIP, 2, 209_779_255),
            descriptor(MediaTypes.OCI_LAYER_TAR_GZIP, 3, 62_933_977),
            descriptor(MediaTypes.OCI_LAYER_TAR_GZIP, 4, 5_244_765));
  }

  static String imageIndex() {
    String[][] platforms = {
      {"amd64", null},
      {"arm64", "v8"},
      {"arm", "v7"},
      {"ppc64le", null},
      {"s390x", null},
      {"386", null},
    };
    StringBuilder sb = new StringBuilder();
    int seed = 100;
    for (String[] p : platforms) {
      String platform =
          p[1] == null
              ? "{\"architecture\":\"%s\",\"os\":\"linux\"}".formatted(p[0])
              : "{\"architecture\":\"%s\",\"os\":\"linux\",\"variant\":\"%s\"}"
                  .formatted(p[0], p[1]);
      String image = hex(seed++);
      sb.append(
          """
              {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s",\
          "size":1611,"platform":%s},
          """
              .formatted(image, platform));
      sb.append(
          """
              {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s",\
          "size":839,"annotations":{"vnd.docker.reference.digest":"%s",\
          "vnd.docker.reference.type":"attestation-manifest"},\
          "platform":{"architecture":"unknown","os":"unknown"}},
          """
              .formatted(hex(seed++), image));
    }
    sb.setLength(sb.length() - 2); // the last ",\n"
    return """
        {
          "schemaVersion": 2,
          "mediaType": "application/vnd.oci.image.index.v1+json",
          "manifests": [
        %s
          ]
        }
        """
        .formatted(sb);
  }
}
