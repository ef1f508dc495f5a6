package dev.hoist.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImageConfigTest {

  @Test
  void parsesPlatformRuntimeDefaultsLayersAndHistory() {
    byte[] raw = ManifestFixtures.bytes(ManifestFixtures.IMAGE_CONFIG);

    ImageConfig c = ImageConfig.parse(raw);

    assertThat(c.platform()).hasToString("linux/arm64/v8");
    assertThat(c.created()).isEqualTo(Instant.parse("2024-05-01T10:00:00.123456789Z"));
    assertThat(c.author()).isEqualTo("Example Maintainers");
    assertThat(c.config().user()).isEqualTo("app");
    assertThat(c.config().workingDir()).isEqualTo("/opt/app");
    assertThat(c.config().entrypoint()).containsExactly("/opt/app/bin/start");
    assertThat(c.config().cmd()).containsExactly("--port", "8080");
    assertThat(c.config().env()).hasSize(2).contains("JAVA_HOME=/opt/java");
    assertThat(c.config().labels())
        .containsExactly(Map.entry("org.opencontainers.image.version", "1.4.2"));
    assertThat(c.config().exposedPorts()).containsExactly("8080/tcp", "8443/tcp");
    assertThat(c.diffIds())
        .extracting(Digest::toString)
        .containsExactly(
            "sha256:2c8d31157b81b8b4b4f1a2a39a7f5ab1bd7d1e0e1b2e4a3c3b5f6a7d8e9f0a1b",
            "sha256:7f5c8e3b2a1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b");
    assertThat(c.history()).hasSize(3);
    assertThat(c.history().get(1).emptyLayer()).isTrue();
    assertThat(c.history().get(1).created()).isEqualTo(Instant.parse("2024-05-01T08:00:00Z"));
    assertThat(c.history().get(2).createdBy()).isEqualTo("COPY app /opt/app # buildkit");
    assertThat(c.history().get(2).emptyLayer()).isFalse();
    assertThat(c.raw()).isEqualTo(raw);
  }

  @Test
  void parsesAMinimalConfigWithDefaults() {
    ImageConfig c =
        ImageConfig.parse(ManifestFixtures.bytes("{\"architecture\":\"amd64\",\"os\":\"linux\"}"));

    assertThat(c.created()).isNull();
    assertThat(c.variant()).isNull();
    assertThat(c.config()).isEqualTo(ImageConfig.Config.EMPTY);
    assertThat(c.diffIds()).isEmpty();
    assertThat(c.history()).isEmpty();
  }

  @Test
  void rejectsAnInvalidDiffId() {
    String doc = ManifestFixtures.IMAGE_CONFIG.replace("sha256:2c8d", "sha256:2C8D");

    assertThatThrownBy(() -> ImageConfig.parse(ManifestFixtures.bytes(doc)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid image config: rootfs.diff_ids[0]: invalid digest");
  }

  @Test
  void rejectsAnUnparseableCreatedTime() {
    String doc =
        ManifestFixtures.IMAGE_CONFIG.replace("2024-05-01T10:00:00.123456789Z", "yesterday");

    assertThatThrownBy(() -> ImageConfig.parse(ManifestFixtures.bytes(doc)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("created is not an RFC 3339 time");
  }

  @Test
  void rejectsMissingArchitectureAndMalformedJson() {
    assertThatThrownBy(() -> ImageConfig.parse(ManifestFixtures.bytes("{\"os\":\"linux\"}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid image config: architecture is required");
    assertThatThrownBy(() -> ImageConfig.parse(ManifestFixtures.bytes("{\"os\":")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed JSON");
  }
}
