package dev.hoist.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageFilterTest {
  private static final ImageFilter.Bounds OPEN = new ImageFilter.Bounds(null, null);
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  private static boolean keeps(String filter, String repository, String tag) {
    return ImageFilter.parse(List.of(filter)).keeps(repository, tag, true, T, OPEN);
  }

  @Test
  void referenceIsAGlobOverRepositoryAndTagAsDockersPathMatch() {
    assertThat(keeps("reference=busybox", "busybox", "latest")).isTrue();
    assertThat(keeps("reference=busy*:lat*", "busybox", "latest")).isTrue();
    assertThat(keeps("reference=busybox:1", "busybox", "latest")).isFalse();
    assertThat(keeps("reference=*", "team/app", "1")).isFalse(); // '*' does not cross '/'
    assertThat(keeps("reference=*/*", "team/app", "1")).isTrue();
    assertThat(keeps("reference=team/app:[0-9]", "team/app", "1")).isTrue();
  }

  @Test
  void severalReferencesAreAlternatives() {
    ImageFilter f = ImageFilter.parse(List.of("reference=a", "reference=b"));
    assertThat(f.keeps("b", "1", true, T, OPEN)).isTrue();
    assertThat(f.keeps("c", "1", true, T, OPEN)).isFalse();
  }

  @Test
  void danglingMeansNoTag() {
    ImageFilter dangling = ImageFilter.parse(List.of("dangling=true"));
    assertThat(dangling.keeps("<none>", "<none>", false, T, OPEN)).isTrue();
    assertThat(dangling.keeps("busybox", "latest", true, T, OPEN)).isFalse();
    assertThat(ImageFilter.parse(List.of("dangling=false")).keeps("busybox", "1", true, T, OPEN))
        .isTrue();
  }

  @Test
  void beforeAndSinceCompareCreationTimes() {
    ImageFilter f = ImageFilter.parse(List.of("before=x"));
    assertThat(f.before()).containsExactly("x");
    ImageFilter.Bounds later = new ImageFilter.Bounds(T.plusSeconds(1), null);
    assertThat(f.keeps("a", "1", true, T, later)).isTrue();
    assertThat(f.keeps("a", "1", true, T, new ImageFilter.Bounds(T, null))).isFalse();
    assertThat(f.keeps("a", "1", true, T, new ImageFilter.Bounds(null, T))).isFalse();
    assertThat(f.keeps("a", "1", true, T, new ImageFilter.Bounds(null, T.minusSeconds(1))))
        .isTrue();
  }

  @Test
  void unknownKeysAndBadValuesAreRefused() {
    assertThatThrownBy(() -> ImageFilter.parse(List.of("label=a")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid filter 'label'");
    assertThatThrownBy(() -> ImageFilter.parse(List.of("dangling=yes")))
        .hasMessageContaining("true or false");
    assertThatThrownBy(() -> ImageFilter.parse(List.of("reference")))
        .hasMessageContaining("expected name=value");
  }
}
