package dev.hoist.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DescriptorTest {
  private static final Digest DIGEST = Digest.sha256(new byte[] {1, 2, 3});

  @Test
  void optionalCollectionsAreNeverNull() {
    Descriptor d = new Descriptor(MediaTypes.OCI_LAYER_TAR_GZIP, DIGEST, 3, null, null, null, null);

    assertThat(d.annotations()).isEmpty();
    assertThat(d.urls()).isEmpty();
  }

  @Test
  void collectionsAreCopiedAndUnmodifiable() {
    Map<String, String> annotations = new HashMap<>(Map.of("a", "b"));
    Descriptor d =
        new Descriptor(MediaTypes.OCI_LAYER_TAR, DIGEST, 3, null, null, annotations, List.of());
    annotations.put("c", "d");

    assertThat(d.annotations()).containsExactly(Map.entry("a", "b"));
    assertThatThrownBy(() -> d.annotations().put("x", "y"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void rejectsNegativeSizeBlankMediaTypeAndMissingDigest() {
    assertThatThrownBy(() -> new Descriptor(MediaTypes.OCI_LAYER_TAR, DIGEST, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("size");
    assertThatThrownBy(() -> new Descriptor(" ", DIGEST, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mediaType");
    assertThatThrownBy(() -> new Descriptor("not a type", DIGEST, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Descriptor(MediaTypes.OCI_LAYER_TAR, null, 1))
        .isInstanceOf(NullPointerException.class);
  }
}
