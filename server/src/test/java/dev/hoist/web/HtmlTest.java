package dev.hoist.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HtmlTest {
  @Test
  void escapesEverythingThatCouldLeaveTextOrAnAttribute() {
    assertThat(Html.esc("<script>alert('x')</script> & \"y\""))
        .isEqualTo("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;");
    assertThat(Html.esc("plain/name:tag")).isEqualTo("plain/name:tag");
    assertThat(Html.esc(null)).isEmpty();
  }

  @Test
  void humanUnitsAreBinaryWithOneDecimal() {
    assertThat(Html.human(0)).isEqualTo("0 B");
    assertThat(Html.human(1023)).isEqualTo("1023 B");
    assertThat(Html.human(1536)).isEqualTo("1.5 KiB");
    assertThat(Html.human(10L << 30)).isEqualTo("10 GiB");
    assertThat(Html.human((10L << 30) + 1)).isEqualTo("10.0 GiB");
    assertThat(Html.human(Long.MAX_VALUE)).isEqualTo("8 EiB");
  }

  @Test
  void theLayoutEscapesTitlesAndMarksTheCurrentSection() {
    Layout layout =
        new Layout(
            List.of(new Layout.Section("Registry", "/ui/"), new Layout.Section("Mirror", "/ui/m")));
    String page = layout.page("<b>x</b>", "/ui/m", "", "<p>body</p>");
    assertThat(page)
        .contains("<title>&lt;b&gt;x&lt;/b&gt; · Hoist</title>")
        .contains("<a href=\"/ui/m\" aria-current=page>Mirror</a>")
        .contains("<a href=\"/ui/\">Registry</a>")
        .contains(Assets.PICO_CSS)
        .contains("<p>body</p>")
        .doesNotContain("<script>");
  }

  @Test
  void aCopyableBlockEscapesItsTextAndNamesItsTarget() {
    assertThat(Layout.copyable("pull", "docker pull a/<b>"))
        .contains("<pre id=\"pull\"><code>docker pull a/&lt;b&gt;</code></pre>")
        .contains("data-copy=\"pull\"");
  }
}
