package dev.hoist.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoist.oci.Digest;
import dev.hoist.oci.MediaTypes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class StreamingMeasureTest {
  private static final byte[] TAR = random(1_000_003, 7);

  @Test
  void aGzipLayerFedInChunksIsMeasuredAsItsUncompressedTar() throws Exception {
    byte[] gz = gzip(TAR);
    try (StreamingMeasure m = StreamingMeasure.forMediaType(MediaTypes.OCI_LAYER_TAR_GZIP)) {
      feed(m, gz, 0, gz.length, 65_536);
      LayerMeasure result = m.finish();
      assertThat(result.uncompressedSize()).isEqualTo(TAR.length);
      assertThat(result.diffId()).isEqualTo(Digest.sha256(TAR));
    }
  }

  @Test
  void afterAResetOnlyTheBytesFedSinceCount() throws Exception {
    byte[] gz = gzip(TAR);
    try (StreamingMeasure m = StreamingMeasure.forMediaType(MediaTypes.OCI_LAYER_TAR_GZIP)) {
      feed(m, random(300_000, 8), 0, 300_000, 50_000); // a source that sent wrong bytes
      m.reset();
      feed(m, gz, 0, gz.length, 10_000);
      assertThat(m.finish().diffId()).isEqualTo(Digest.sha256(TAR));
    }
  }

  @Test
  void aPlainTarLayerIsHashedAsItIs() throws Exception {
    try (StreamingMeasure m = StreamingMeasure.forMediaType(MediaTypes.OCI_LAYER_TAR)) {
      feed(m, TAR, 0, TAR.length, 100_000);
      assertThat(m.finish()).isEqualTo(new LayerMeasure(TAR.length, Digest.sha256(TAR)));
    }
  }

  @Test
  void bytesThatAreNotGzipFailTheMeasureWithoutBlockingTheFeeder() throws Exception {
    try (StreamingMeasure m = StreamingMeasure.forMediaType(MediaTypes.OCI_LAYER_TAR_GZIP)) {
      feed(m, TAR, 0, TAR.length, 65_536);
      assertThatThrownBy(m::finish).isInstanceOf(IOException.class);
    }
  }

  @Test
  void otherCompressionsAreNotMeasured() {
    assertThat(StreamingMeasure.forMediaType("application/vnd.oci.image.layer.v1.tar+zstd"))
        .isNull();
    assertThat(StreamingMeasure.forMediaType(MediaTypes.OCI_CONFIG)).isNull();
  }

  private static void feed(StreamingMeasure m, byte[] b, int from, int to, int chunk)
      throws IOException {
    for (int i = from; i < to; i += chunk) {
      m.appended(b, i, Math.min(chunk, to - i));
    }
  }

  private static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    }
    return out.toByteArray();
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }
}
