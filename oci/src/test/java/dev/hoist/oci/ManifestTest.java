package dev.hoist.oci;

import static dev.hoist.oci.ManifestFixtures.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestTest {

  @Test
  void parsesOciImageManifest() {
    byte[] raw = bytes(ManifestFixtures.OCI_MANIFEST);

    Manifest m = Manifest.parse(raw, MediaTypes.OCI_MANIFEST);

    assertThat(m).isInstanceOf(ImageManifest.class);
    ImageManifest im = (ImageManifest) m;
    assertThat(im.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(im.schemaVersion()).isEqualTo(2);
    assertThat(im.config().mediaType()).isEqualTo(MediaTypes.OCI_CONFIG);
    assertThat(im.config().size()).isEqualTo(7023);
    assertThat(im.layers()).extracting(Descriptor::size).containsExactly(32654L, 16724L, 73109L);
    assertThat(im.layers().get(2).mediaType()).isEqualTo(MediaTypes.OCI_LAYER_TAR_ZSTD);
    assertThat(im.references()).first().isEqualTo(im.config());
    assertThat(im.references()).hasSize(4).endsWith(im.layers().toArray(Descriptor[]::new));
    assertThat(im.subject()).isEmpty();
    assertThat(im.declaredArtifactType()).isEmpty();
    assertThat(im.artifactType()).contains(MediaTypes.OCI_CONFIG);
    assertThat(im.annotations())
        .containsEntry("org.opencontainers.image.created", "2024-05-01T10:00:00Z");
    assertThat(im.digest()).isEqualTo(Digest.sha256(raw));
    assertThat(im.size()).isEqualTo(raw.length);
  }

  @Test
  void parsesOciIndexWithPlatformsAndAnAttestationEntry() {
    Manifest m = Manifest.parse(bytes(ManifestFixtures.OCI_INDEX), MediaTypes.OCI_INDEX);

    assertThat(m).isInstanceOf(ImageIndex.class);
    ImageIndex index = (ImageIndex) m;
    assertThat(index.mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
    assertThat(index.manifests()).hasSize(3);
    assertThat(index.references()).isEqualTo(index.manifests());
    assertThat(index.manifests())
        .extracting(d -> d.platform().toString())
        .containsExactly("linux/amd64", "linux/arm64/v8", "unknown/unknown");
    assertThat(index.manifests().get(2).annotations())
        .containsEntry("vnd.docker.reference.type", "attestation-manifest");
    assertThat(index.artifactType()).isEmpty();
    assertThat(index.subject()).isEmpty();
  }

  @Test
  void parsesDockerSchema2Manifest() {
    Manifest m =
        Manifest.parse(bytes(ManifestFixtures.DOCKER_MANIFEST), MediaTypes.DOCKER_MANIFEST);

    ImageManifest im = (ImageManifest) m;
    assertThat(im.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
    assertThat(im.config().mediaType()).isEqualTo(MediaTypes.DOCKER_CONFIG);
    assertThat(im.layers())
        .singleElement()
        .extracting(Descriptor::mediaType)
        .isEqualTo(MediaTypes.DOCKER_LAYER);
  }

  @Test
  void parsesDockerManifestList() {
    Manifest m =
        Manifest.parse(
            bytes(ManifestFixtures.DOCKER_MANIFEST_LIST), MediaTypes.DOCKER_MANIFEST_LIST);

    ImageIndex index = (ImageIndex) m;
    assertThat(index.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST_LIST);
    assertThat(index.manifests())
        .extracting(d -> d.platform().architecture())
        .containsExactly("ppc64le", "amd64");
  }

  @Test
  void parsesOciArtifactWithArtifactTypeSubjectAndEmptyConfig() {
    ImageManifest m =
        (ImageManifest)
            Manifest.parse(bytes(ManifestFixtures.OCI_ARTIFACT), MediaTypes.OCI_MANIFEST);

    assertThat(m.artifactType()).contains("application/spdx+json");
    assertThat(m.declaredArtifactType()).contains("application/spdx+json");
    assertThat(m.config().mediaType()).isEqualTo(MediaTypes.OCI_EMPTY);
    assertThat(m.subject())
        .map(d -> d.digest().toString())
        .contains(ManifestFixtures.AMD64_MANIFEST_DIGEST);
    assertThat(m.references()).doesNotContain(m.subject().orElseThrow()).hasSize(2);
  }

  @Test
  void artifactTypeFallsBackToTheConfigMediaType() {
    ImageManifest m =
        (ImageManifest)
            Manifest.parse(
                bytes(ManifestFixtures.OCI_ARTIFACT_WITHOUT_ARTIFACT_TYPE),
                MediaTypes.OCI_MANIFEST);

    assertThat(m.declaredArtifactType()).isEmpty();
    assertThat(m.artifactType()).contains(MediaTypes.OCI_EMPTY);
    assertThat(m.layers()).isEmpty();
    assertThat(m.descriptor().artifactType()).isEqualTo(MediaTypes.OCI_EMPTY);
  }

  @Test
  void descriptorOfAManifestCarriesItsTypeDigestSizeAndAnnotations() {
    Manifest m = Manifest.parse(bytes(ManifestFixtures.OCI_ARTIFACT), MediaTypes.OCI_MANIFEST);

    Descriptor d = m.descriptor();

    assertThat(d.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(d.digest()).isEqualTo(m.digest());
    assertThat(d.size()).isEqualTo(m.size());
    assertThat(d.artifactType()).isEqualTo("application/spdx+json");
    assertThat(d.annotations()).isEqualTo(m.annotations());
  }

  @Test
  void contentTypeParametersAreIgnored() {
    Manifest m =
        Manifest.parse(
            bytes(ManifestFixtures.OCI_MANIFEST), MediaTypes.OCI_MANIFEST + "; charset=utf-8");

    assertThat(m.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "application/json",
        "application/octet-stream",
        "application/json; charset=utf-8"
      })
  void genericContentTypeLetsTheMediaTypeFieldDecide(String contentType) {
    assertThat(
            Manifest.parse(bytes(ManifestFixtures.DOCKER_MANIFEST_LIST), contentType).mediaType())
        .isEqualTo(MediaTypes.DOCKER_MANIFEST_LIST);
    assertThat(Manifest.parse(bytes(ManifestFixtures.DOCKER_MANIFEST), contentType).mediaType())
        .isEqualTo(MediaTypes.DOCKER_MANIFEST);
  }

  @Test
  void withoutContentTypeOrMediaTypeFieldTheShapeDecides() {
    String index =
        ManifestFixtures.OCI_INDEX.replace(
            "\"mediaType\": \"application/vnd.oci.image.index.v1+json\",", "");
    String manifest =
        ManifestFixtures.OCI_MANIFEST.replace(
            "\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",", "");

    assertThat(Manifest.parse(bytes(index), null))
        .isInstanceOf(ImageIndex.class)
        .extracting(Manifest::mediaType)
        .isEqualTo(MediaTypes.OCI_INDEX);
    assertThat(Manifest.parse(bytes(manifest), null))
        .isInstanceOf(ImageManifest.class)
        .extracting(Manifest::mediaType)
        .isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(Manifest.parse(bytes(manifest), MediaTypes.OCI_MANIFEST).mediaType())
        .isEqualTo(MediaTypes.OCI_MANIFEST);
  }

  @Test
  void rawBytesArePreservedExactly() {
    String spaced =
        "{ \"schemaVersion\" :2,\n\n\t\"layers\": [ ],"
            + "   \"config\":{\"size\":2,\"digest\":"
            + "\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\","
            + "\"mediaType\":\"application/vnd.oci.empty.v1+json\"}  }\n\n";
    byte[] raw = bytes(spaced);

    Manifest m = Manifest.parse(raw, MediaTypes.OCI_MANIFEST);

    assertThat(m.raw()).isEqualTo(raw);
    assertThat(new String(m.raw(), StandardCharsets.UTF_8)).isEqualTo(spaced);
    assertThat(m.digest()).isEqualTo(Digest.sha256(raw));
    assertThat(m.size()).isEqualTo(raw.length);
  }

  @Test
  void rawBytesCannotBeChangedFromOutside() {
    byte[] raw = bytes(ManifestFixtures.OCI_MANIFEST);
    byte[] original = raw.clone();
    Manifest m = Manifest.parse(raw, MediaTypes.OCI_MANIFEST);

    raw[0] = 'X';
    m.raw()[1] = 'Y';
    ByteBuffer view = m.rawBuffer();
    view.get(new byte[10]);

    assertThat(m.raw()).isEqualTo(original);
    assertThat(m.rawBuffer().position()).isZero();
    assertThat(m.rawBuffer().isReadOnly()).isTrue();
    assertThatThrownBy(() -> m.rawBuffer().put((byte) 1))
        .isInstanceOf(ReadOnlyBufferException.class);
  }

  @Test
  void parseWithExpectedDigestUsesItsAlgorithm() {
    byte[] raw = bytes(ManifestFixtures.OCI_MANIFEST);

    Manifest m = Manifest.parse(raw, MediaTypes.OCI_MANIFEST, Digest.sha512(raw));

    assertThat(m.digest()).isEqualTo(Digest.sha512(raw));
  }

  @Test
  void parseWithExpectedDigestRejectsOtherBytes() {
    byte[] raw = bytes(ManifestFixtures.OCI_MANIFEST);
    Digest other = Digest.sha256(bytes(ManifestFixtures.DOCKER_MANIFEST));

    assertThatThrownBy(() -> Manifest.parse(raw, MediaTypes.OCI_MANIFEST, other))
        .isInstanceOfSatisfying(
            ManifestDigestMismatchException.class,
            e -> {
              assertThat(e.expected()).isEqualTo(other);
              assertThat(e.actual()).isEqualTo(Digest.sha256(raw));
            });
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "{",
        "{\"schemaVersion\": 2,}",
        "{'schemaVersion': 2}",
        "[]",
        "\"manifest\"",
        "null",
      })
  void rejectsMalformedJson(String text) {
    assertThatThrownBy(() -> Manifest.parse(bytes(text), MediaTypes.OCI_MANIFEST))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessageStartingWith("invalid manifest: ")
        .message()
        .containsAnyOf("malformed JSON", "not a JSON object");
  }

  @Test
  void rejectsDeeplyNestedJsonWithoutExhaustingTheStack() {
    String deep = "{\"schemaVersion\":2,\"annotations\":" + "[".repeat(100_000);

    assertThatThrownBy(() -> Manifest.parse(bytes(deep), MediaTypes.OCI_MANIFEST))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessageContaining("malformed JSON");
  }

  @Test
  void rejectsASecondDocumentAfterTheFirst() {
    String twice = ManifestFixtures.OCI_MANIFEST + ManifestFixtures.OCI_INDEX;

    assertThatThrownBy(() -> Manifest.parse(bytes(twice), MediaTypes.OCI_MANIFEST))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessageContaining("malformed JSON");
  }

  @Test
  void rejectsInvalidUtf8AndAByteOrderMark() {
    byte[] raw = bytes(ManifestFixtures.OCI_MANIFEST.replace("example/app", "example/\u00e9pp"));
    int at = new String(raw, StandardCharsets.ISO_8859_1).indexOf("/\u00c3") + 2;
    raw[at] = (byte) 0xff;
    byte[] bom = bytes("\ufeff" + ManifestFixtures.OCI_MANIFEST);

    assertThatThrownBy(() -> Manifest.parse(raw, MediaTypes.OCI_MANIFEST))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessageContaining("not valid UTF-8");
    assertThatThrownBy(() -> Manifest.parse(bom, MediaTypes.OCI_MANIFEST))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessageContaining("byte order mark");
  }

  @Test
  void rejectsMediaTypeThatDoesNotMatchContentType() {
    assertThatThrownBy(
            () -> Manifest.parse(bytes(ManifestFixtures.OCI_MANIFEST), MediaTypes.DOCKER_MANIFEST))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessage(
            "invalid manifest: mediaType \"application/vnd.oci.image.manifest.v1+json\" does not"
                + " match Content-Type \"application/vnd.docker.distribution.manifest.v2+json\"");
  }

  @Test
  void rejectsIndexServedAsImageManifest() {
    assertThatThrownBy(
            () -> Manifest.parse(bytes(ManifestFixtures.OCI_INDEX), MediaTypes.OCI_MANIFEST))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessageContaining("does not match Content-Type");
  }

  @Test
  void rejectsImageManifestShapeUnderAnIndexContentType() {
    String manifest =
        ManifestFixtures.OCI_MANIFEST.replace(
            "\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",", "");

    assertThatThrownBy(() -> Manifest.parse(bytes(manifest), MediaTypes.OCI_INDEX))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessageContaining("must not have config or layers");
  }

  @Test
  void rejectsIndexShapeUnderAManifestContentType() {
    String index =
        ManifestFixtures.OCI_INDEX.replace(
            "\"mediaType\": \"application/vnd.oci.image.index.v1+json\",", "");

    assertThatThrownBy(() -> Manifest.parse(bytes(index), MediaTypes.OCI_MANIFEST))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessageContaining("must not have manifests");
  }

  @ParameterizedTest
  @ValueSource(strings = {MediaTypes.OCI_INDEX, MediaTypes.OCI_MANIFEST, ""})
  void rejectsAmbiguousDocumentWithManifestsAndLayers(String contentType) {
    String ambiguous =
        """
        {
          "schemaVersion": 2,
          "manifests": [],
          "layers": [
            {
              "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
              "digest": "sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0",
              "size": 32654
            }
          ]
        }
        """;

    assertThatThrownBy(() -> Manifest.parse(bytes(ambiguous), contentType))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessageContaining("ambiguous");
  }

  @Test
  void rejectsAmbiguousDocumentWithManifestsAndConfig() {
    String ambiguous =
        ManifestFixtures.OCI_MANIFEST.replace("\"layers\": [", "\"manifests\": [], \"layers\": [");

    assertThatThrownBy(() -> Manifest.parse(bytes(ambiguous), MediaTypes.OCI_MANIFEST))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessageContaining("ambiguous");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
        "application/vnd.oci.image.config.v1+json",
        "text/html",
      })
  void rejectsUnsupportedContentType(String contentType) {
    assertThatThrownBy(() -> Manifest.parse(bytes(ManifestFixtures.OCI_MANIFEST), contentType))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessageContaining("unsupported manifest media type");
  }

  @Test
  void rejectsUnsupportedMediaTypeFieldUnderGenericContentType() {
    String other =
        ManifestFixtures.OCI_MANIFEST.replace(
            MediaTypes.OCI_MANIFEST, "application/vnd.example.thing.v1+json");

    assertThatThrownBy(() -> Manifest.parse(bytes(other), "application/json"))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessageContaining("unsupported manifest media type");
  }

  @Test
  void rejectsDockerManifestWithoutItsMediaTypeField() {
    String bare =
        ManifestFixtures.DOCKER_MANIFEST.replace(
            "\"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\",", "");

    assertThatThrownBy(() -> Manifest.parse(bytes(bare), MediaTypes.DOCKER_MANIFEST))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessageContaining("must carry its mediaType");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1", "3", "\"2\"", "2.0", "null"})
  void rejectsSchemaVersionOtherThanTwo(String version) {
    String doc =
        ManifestFixtures.OCI_MANIFEST.replace(
            "\"schemaVersion\": 2", "\"schemaVersion\": " + version);

    assertThatThrownBy(() -> Manifest.parse(bytes(doc), MediaTypes.OCI_MANIFEST))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessageContaining("schemaVersion");
  }

  @Test
  void rejectsMissingSchemaVersion() {
    String doc = ManifestFixtures.OCI_MANIFEST.replace("\"schemaVersion\": 2,", "");

    assertThatThrownBy(() -> Manifest.parse(bytes(doc), MediaTypes.OCI_MANIFEST))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessage("invalid manifest: schemaVersion is required");
  }

  @Test
  void rejectsImageManifestWithoutConfig() {
    String doc =
        """
        {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "layers": []}
        """;

    assertThatThrownBy(() -> Manifest.parse(bytes(doc), MediaTypes.OCI_MANIFEST))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessageContaining("config is required");
  }

  @Test
  void rejectsDescriptorWithUppercaseDigest() {
    String doc =
        ManifestFixtures.OCI_MANIFEST.replace(
            "9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0",
            "9834876DCFB05CB167A5C24953EBA58C4AC89B1ADF57F28F2F9D09AF107EE8F0");

    assertThatThrownBy(() -> Manifest.parse(bytes(doc), MediaTypes.OCI_MANIFEST))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessageContaining("layers[0].digest: invalid digest");
  }

  @Test
  void rejectsDescriptorWithUnsupportedDigestAlgorithm() {
    String doc =
        ManifestFixtures.OCI_MANIFEST.replace(
            "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7",
            "md5:abcdef");

    assertThatThrownBy(() -> Manifest.parse(bytes(doc), MediaTypes.OCI_MANIFEST))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessageContaining("config.digest: invalid digest: unsupported algorithm \"md5\"");
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "1.5", "\"7023\"", "99999999999999999999", "null"})
  void rejectsDescriptorWithBadSize(String size) {
    String doc = ManifestFixtures.OCI_MANIFEST.replace("\"size\": 7023", "\"size\": " + size);

    assertThatThrownBy(() -> Manifest.parse(bytes(doc), MediaTypes.OCI_MANIFEST))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessageContaining("config.size");
  }

  @Test
  void rejectsDescriptorWithoutMediaType() {
    String doc =
        ManifestFixtures.OCI_MANIFEST.replace(
            "\"mediaType\": \"application/vnd.oci.image.layer.v1.tar+zstd\",", "");

    assertThatThrownBy(() -> Manifest.parse(bytes(doc), MediaTypes.OCI_MANIFEST))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessage("invalid manifest: layers[2].mediaType is required");
  }

  @Test
  void rejectsEmbeddedDataThatIsNotTheDescribedContent() {
    String doc = ManifestFixtures.OCI_ARTIFACT.replace("\"data\": \"e30=\"", "\"data\": \"W10=\"");

    assertThatThrownBy(() -> Manifest.parse(bytes(doc), MediaTypes.OCI_MANIFEST))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessageContaining("config.data does not match");
  }

  @Test
  void rejectsDuplicateKeys() {
    String topLevel =
        ManifestFixtures.OCI_MANIFEST.replace(
            "\"schemaVersion\": 2,",
            "\"schemaVersion\": 2, \"mediaType\": \"application/vnd.oci.image.index.v1+json\",");
    String inDescriptor =
        ManifestFixtures.OCI_MANIFEST.replace(
            "\"size\": 7023",
            "\"size\": 7023, \"digest\": \"sha256:0000000000000000000000000000000000000000000000000000000000000000\"");

    for (String doc : new String[] {topLevel, inDescriptor}) {
      assertThatThrownBy(() -> Manifest.parse(bytes(doc), ""))
          .isInstanceOf(ManifestInvalidException.class)
          .hasMessageContaining("Duplicate field");
    }
  }

  @Test
  void rejectsKeysThatDifferFromAKnownFieldOnlyInCase() {
    // Go's encoding/json would read "MediaType" as mediaType; Hoist must not read it differently.
    String doc =
        ManifestFixtures.OCI_MANIFEST.replace(
            "\"schemaVersion\": 2,",
            "\"schemaVersion\": 2, \"MediaType\": \"application/vnd.oci.image.index.v1+json\",");

    assertThatThrownBy(() -> Manifest.parse(bytes(doc), MediaTypes.OCI_MANIFEST))
        .isInstanceOf(ManifestInvalidException.class)
        .hasMessageContaining("differs from \"mediaType\" only in case");
  }

  @Test
  void rejectsManifestOneByteOverFourMebibytes() {
    byte[] raw = padded(ManifestFixtures.OCI_MANIFEST, 4 * 1024 * 1024 + 1);

    assertThatThrownBy(() -> Manifest.parse(raw, MediaTypes.OCI_MANIFEST))
        .isInstanceOfSatisfying(
            ManifestTooLargeException.class,
            e -> {
              assertThat(e.size()).isEqualTo(4 * 1024 * 1024 + 1);
              assertThat(e.limit()).isEqualTo(4 * 1024 * 1024);
            })
        .isInstanceOf(ManifestInvalidException.class);
  }

  @Test
  void acceptsManifestOfExactlyFourMebibytes() {
    byte[] raw = padded(ManifestFixtures.OCI_MANIFEST, Manifest.MAX_BYTES);

    assertThat(Manifest.parse(raw, MediaTypes.OCI_MANIFEST).size()).isEqualTo(Manifest.MAX_BYTES);
  }

  @Test
  void recordConstructorRefusesADigestThatIsNotOfTheBytes() {
    byte[] raw = bytes(ManifestFixtures.OCI_INDEX);
    ImageIndex parsed = (ImageIndex) Manifest.parse(raw, MediaTypes.OCI_INDEX);

    assertThatThrownBy(
            () ->
                new ImageIndex(
                    2,
                    MediaTypes.OCI_INDEX,
                    parsed.manifests(),
                    Optional.empty(),
                    Optional.empty(),
                    Map.of(),
                    Digest.sha256(new byte[0]),
                    ByteBuffer.wrap(raw)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not match the raw bytes");
  }

  @Test
  void equalManifestsAreEqualRecords() {
    Manifest a = Manifest.parse(bytes(ManifestFixtures.OCI_INDEX), MediaTypes.OCI_INDEX);
    Manifest b = Manifest.parse(bytes(ManifestFixtures.OCI_INDEX), "");

    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
  }

  /** The document followed by JSON whitespace up to {@code size} bytes. */
  private static byte[] padded(String json, int size) {
    byte[] doc = bytes(json);
    byte[] raw = Arrays.copyOf(doc, size);
    Arrays.fill(raw, doc.length, size, (byte) ' ');
    return raw;
  }
}
