package dev.hoist.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TagFilterTest {
  private static final List<String> TAGS =
      List.of(
          "latest",
          "1.19",
          "1.20",
          "1.20.1",
          "1.21-alpine",
          "1.21",
          "1.22.0-rc1",
          "2.0",
          "v1.25",
          "3",
          "edge");

  private static List<String> select(TagFilter f) {
    return f.select(TAGS, List.of());
  }

  @Test
  void noFilterSelectsEveryTagVersionsNewestFirstThenByName() {
    assertThat(select(TagFilter.ALL))
        .containsExactly(
            "3",
            "2.0",
            "v1.25",
            "1.22.0-rc1",
            "1.21",
            "1.21-alpine",
            "1.20.1",
            "1.20",
            "1.19",
            "edge",
            "latest");
  }

  @Test
  void includeAndExcludeAreRegularExpressionsOverTheWholeTag() {
    assertThat(select(new TagFilter("1\\..*", ".*-(alpine|rc1)", null, null)))
        .containsExactly("1.21", "1.20.1", "1.20", "1.19");
    assertThat(select(new TagFilter("1", null, null, null))).isEmpty();
  }

  @Test
  void aSemverRangeKeepsVersionsInsideItAndDropsOtherTags() {
    assertThat(select(new TagFilter(null, null, ">=1.20 <2", null)))
        .containsExactly("v1.25", "1.22.0-rc1", "1.21", "1.21-alpine", "1.20.1", "1.20");
  }

  @Test
  void aRangeIgnoresSuffixesWhichAnExcludeCanDrop() {
    assertThat(select(new TagFilter(null, null, ">=1.22 <1.23", null)))
        .containsExactly("1.22.0-rc1");
    assertThat(select(new TagFilter(null, ".*-.*", ">=1.21 <2", null)))
        .containsExactly("v1.25", "1.21");
  }

  @Test
  void alternativesAreSeparatedByBars() {
    assertThat(select(new TagFilter(null, null, "<1.20 || >=3", null)))
        .containsExactly("3", "1.19");
  }

  @Test
  void newestNKeepsTheNHighestVersionsAfterTheOtherFilters() {
    assertThat(select(new TagFilter(null, ".*-.*", null, 3))).containsExactly("3", "2.0", "v1.25");
    assertThat(select(new TagFilter(null, null, "<2", 2))).containsExactly("v1.25", "1.22.0-rc1");
  }

  @Test
  void warmTagsAreAlwaysSelectedWhenTheUpstreamHasThem() {
    assertThat(new TagFilter(null, null, null, 1).select(TAGS, List.of("latest", "gone")))
        .containsExactly("3", "latest");
  }

  @Test
  void badFiltersAreRejectedSayingWhy() {
    assertThatThrownBy(() -> new TagFilter("(", null, null, null))
        .hasMessageContaining("include is not a regular expression");
    assertThatThrownBy(() -> new TagFilter(null, null, ">=one", null))
        .hasMessageContaining("not a version");
    assertThatThrownBy(() -> new TagFilter(null, null, null, 0))
        .hasMessageContaining("newest must be at least 1");
  }
}
