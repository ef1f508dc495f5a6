package dev.hoist.oci;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MediaTypesTest {

  @Test
  void manifestTypesOfferOciFirst() {
    assertThat(MediaTypes.MANIFEST_TYPES)
        .containsExactly(
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json");
  }

  @Test
  void classifiesManifestsAndIndexesIgnoringParameters() {
    assertThat(MediaTypes.isImageManifest(MediaTypes.DOCKER_MANIFEST)).isTrue();
    assertThat(MediaTypes.isImageManifest(MediaTypes.OCI_MANIFEST + "; charset=utf-8")).isTrue();
    assertThat(MediaTypes.isIndex(MediaTypes.DOCKER_MANIFEST_LIST)).isTrue();
    assertThat(MediaTypes.isIndex(MediaTypes.OCI_MANIFEST)).isFalse();
    assertThat(MediaTypes.isManifest(MediaTypes.OCI_INDEX)).isTrue();
    assertThat(MediaTypes.isManifest(MediaTypes.OCI_CONFIG)).isFalse();
    assertThat(MediaTypes.isManifest(null)).isFalse();
  }

  @Test
  void withoutParametersTrimsAndLowercases() {
    assertThat(MediaTypes.withoutParameters(" Application/JSON ; charset=utf-8"))
        .isEqualTo("application/json");
    assertThat(MediaTypes.withoutParameters(null)).isNull();
  }

  @Test
  void validatesTypeSlashSubtype() {
    assertThat(MediaTypes.isValid(MediaTypes.OCI_LAYER_TAR_ZSTD)).isTrue();
    assertThat(MediaTypes.isValid("application/vnd.in-toto+json")).isTrue();
    assertThat(MediaTypes.isValid("application")).isFalse();
    assertThat(MediaTypes.isValid("application/json; charset=utf-8")).isFalse();
    assertThat(MediaTypes.isValid("text/plain\r\nX-Evil: 1")).isFalse();
  }
}
