package dev.hoist.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PlatformTest {

  @ParameterizedTest
  @ValueSource(strings = {"linux/amd64", "linux/arm64/v8", "windows/amd64", "linux/arm/v7"})
  void parsePrintsBackWhatItRead(String text) {
    assertThat(Platform.parse(text)).hasToString(text);
  }

  @Test
  void parseSplitsOsArchitectureAndVariant() {
    Platform p = Platform.parse("Linux/ARM64/v8");

    assertThat(p.os()).isEqualTo("linux");
    assertThat(p.architecture()).isEqualTo("arm64");
    assertThat(p.variant()).isEqualTo("v8");
    assertThat(p.osVersion()).isNull();
    assertThat(p.osFeatures()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "linux", "linux/", "/amd64", "linux/amd64/v8/x", "linux/amd 64"})
  void parseRejectsMalformedPlatforms(String text) {
    assertThatThrownBy(() -> Platform.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid platform");
  }

  @Test
  void constructorStoresBlankVariantAsNull() {
    assertThat(new Platform("linux", "amd64", "").variant()).isNull();
    assertThatThrownBy(() -> new Platform("", "amd64"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @CsvSource({
    "linux/arm64, linux/arm64/v8",
    "linux/aarch64, linux/arm64",
    "linux/x86_64, linux/amd64",
    "linux/amd64/v1, linux/amd64",
    "linux/arm, linux/arm/v7",
    "linux/armhf, linux/arm/v7",
    "linux/i386, linux/386",
    "macos/arm64, darwin/arm64",
  })
  void matchesAfterNormalisingAsContainerdDoes(String a, String b) {
    assertThat(Platform.parse(a).matches(Platform.parse(b))).isTrue();
    assertThat(Platform.parse(b).matches(Platform.parse(a))).isTrue();
  }

  @ParameterizedTest
  @CsvSource({
    "linux/arm64, linux/amd64",
    "linux/arm/v6, linux/arm/v7",
    "linux/arm64/v9, linux/arm64",
    "windows/amd64, linux/amd64",
  })
  void doesNotMatchDifferentPlatforms(String a, String b) {
    assertThat(Platform.parse(a).matches(Platform.parse(b))).isFalse();
  }

  @ParameterizedTest
  @CsvSource({
    "Linux, amd64, linux/amd64",
    "Linux, x86_64, linux/amd64",
    "Linux, aarch64, linux/arm64/v8",
    "Mac OS X, aarch64, darwin/arm64/v8",
    "Windows 11, amd64, windows/amd64",
    "Linux, arm, linux/arm/v7",
    "Linux, x86, linux/386",
    "Linux, i386, linux/386",
    "Linux, ppc64le, linux/ppc64le",
    "Linux, s390x, linux/s390x",
    "Linux, riscv64, linux/riscv64",
  })
  void mapsJvmPropertiesToOciNames(String osName, String osArch, String expected) {
    assertThat(Platform.fromJvm(osName, osArch)).hasToString(expected);
  }

  @Test
  void currentPlatformIsTheJvmsOne() {
    assertThat(Platform.current())
        .isEqualTo(Platform.fromJvm(System.getProperty("os.name"), System.getProperty("os.arch")));
  }
}
