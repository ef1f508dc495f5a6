package dev.hoist.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ImageIndexTest {

  @Test
  void selectsAmd64FromARealIndex() {
    ImageIndex index =
        (ImageIndex)
            Manifest.parse(
                ManifestFixtures.bytes(ManifestFixtures.OCI_INDEX), MediaTypes.OCI_INDEX);

    assertThat(index.select(Platform.parse("linux/amd64")))
        .map(d -> d.digest().toString())
        .contains(ManifestFixtures.AMD64_MANIFEST_DIGEST);
  }

  @Test
  void selectsArm64V8WhetherTheVariantIsWrittenOrNot() {
    ImageIndex withV8 =
        (ImageIndex)
            Manifest.parse(
                ManifestFixtures.bytes(ManifestFixtures.OCI_INDEX), MediaTypes.OCI_INDEX);
    ImageIndex withoutVariant = index("linux/amd64", "linux/arm64");

    assertThat(withV8.select(Platform.parse("linux/arm64")))
        .map(d -> d.digest().toString())
        .contains(ManifestFixtures.ARM64_MANIFEST_DIGEST);
    assertThat(selected(withoutVariant, "linux/arm64/v8")).contains("linux/arm64");
    assertThat(selected(withoutVariant, "linux/aarch64")).contains("linux/arm64");
  }

  @Test
  void prefersTheVariantExactlyAsWritten() {
    ImageIndex index = index("linux/arm64", "linux/arm64/v8");

    assertThat(selected(index, "linux/arm64/v8")).contains("linux/arm64/v8");
    assertThat(selected(index, "linux/arm64")).contains("linux/arm64");
  }

  @Test
  void selectsArmV7AndFallsBackToAnOlderVariantNeverANewerOne() {
    ImageIndex index = index("linux/amd64", "linux/arm/v6", "linux/arm/v7", "linux/arm64/v8");

    assertThat(selected(index, "linux/arm/v7")).contains("linux/arm/v7");
    assertThat(selected(index, "linux/arm")).contains("linux/arm/v7");
    assertThat(selected(index, "linux/arm/v6")).contains("linux/arm/v6");
    assertThat(selected(index, "linux/arm/v8")).contains("linux/arm/v7");
    assertThat(selected(index, "linux/arm/v5")).isEmpty();
  }

  @Test
  void armEntryWithoutVariantMeansV7() {
    ImageIndex index = index("linux/arm");

    assertThat(selected(index, "linux/arm/v7")).contains("linux/arm");
    assertThat(selected(index, "linux/arm/v6")).isEmpty();
  }

  @Test
  void prefersAnEntryWithoutVariantOverAnotherVariant() {
    ImageIndex index = index("linux/amd64/v3", "linux/amd64");

    assertThat(selected(index, "linux/amd64/v2")).contains("linux/amd64");
    assertThat(selected(index, "linux/amd64/v3")).contains("linux/amd64/v3");
  }

  @Test
  void findsNothingForAPlatformNotListed() {
    ImageIndex index = index("linux/amd64", "linux/arm64/v8");

    assertThat(index.select(Platform.parse("linux/s390x"))).isEmpty();
    assertThat(index.select(Platform.parse("windows/amd64"))).isEmpty();
  }

  @Test
  void neverSelectsAttestationEntries() {
    ImageIndex index = index("unknown/unknown");

    assertThat(index.select(Platform.parse("unknown/unknown"))).isEmpty();
  }

  @Test
  void firstListedEntryWinsATie() {
    ImageIndex index = index("linux/amd64", "linux/amd64");

    assertThat(index.select(Platform.parse("linux/amd64"))).contains(index.manifests().get(0));
  }

  private static Optional<String> selected(ImageIndex index, String wanted) {
    return index.select(Platform.parse(wanted)).map(d -> d.platform().toString());
  }

  /** An OCI index with one entry per platform, each with a distinct digest. */
  private static ImageIndex index(String... platforms) {
    StringBuilder json =
        new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"")
            .append(MediaTypes.OCI_INDEX)
            .append("\",\"manifests\":[");
    for (int i = 0; i < platforms.length; i++) {
      Platform p = Platform.parse(platforms[i]);
      Digest digest = Digest.sha256((i + platforms[i]).getBytes(StandardCharsets.UTF_8));
      json.append(i == 0 ? "" : ",")
          .append("{\"mediaType\":\"")
          .append(MediaTypes.OCI_MANIFEST)
          .append("\",\"digest\":\"")
          .append(digest)
          .append("\",\"size\":1000,\"platform\":{\"os\":\"")
          .append(p.os())
          .append("\",\"architecture\":\"")
          .append(p.architecture())
          .append('"')
          .append(p.variant() == null ? "" : ",\"variant\":\"" + p.variant() + "\"")
          .append("}}");
    }
    json.append("]}");
    return (ImageIndex)
        Manifest.parse(json.toString().getBytes(StandardCharsets.UTF_8), MediaTypes.OCI_INDEX);
  }
}
