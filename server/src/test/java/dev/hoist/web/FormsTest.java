package dev.hoist.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FormsTest {
  @Test
  void decodesFieldsAsBrowsersPostThem() {
    assertThat(Forms.urlEncoded("csrf=a%2Bb&rule=team%2Fapp&q=two+words&empty=&flag&&"))
        .isEqualTo(
            Map.of("csrf", "a+b", "rule", "team/app", "q", "two words", "empty", "", "flag", ""));
    assertThat(Forms.urlEncoded("a=1&a=2")).containsEntry("a", "2");
    assertThat(Forms.urlEncoded("")).isEmpty();
  }

  @Test
  void aMalformedEscapeIsRefused() {
    assertThatThrownBy(() -> Forms.urlEncoded("a=%zz"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
