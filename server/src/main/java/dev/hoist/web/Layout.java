package dev.hoist.web;

import java.util.List;

/**
 * The one look of Hoist's pages: a header with the sections this server has (the registry browser
 * always; the mirror dashboard, sync and the accelerator console when they are on), a main column
 * that also fits a phone, and the shared CSS and script. Built once by the composition root, which
 * knows which sections exist.
 */
public final class Layout {
  /** A section in the header: its label and the path it links to. */
  public record Section(String label, String path) {}

  private final List<Section> sections;

  public Layout(List<Section> sections) {
    this.sections = List.copyOf(sections);
  }

  public List<Section> sections() {
    return sections;
  }

  /**
   * A whole page. {@code title} is text (escaped here); {@code body} is HTML the caller built with
   * every outside value escaped; {@code current} is the path of the section the page belongs to
   * (marked in the header), or null; {@code head} is extra HTML for the head (a page's own
   * stylesheet or script from {@link Assets}), or empty.
   */
  public String page(String title, String current, String head, String body) {
    StringBuilder b = new StringBuilder(body.length() + 2048);
    b.append("<!doctype html><html lang=en><head><meta charset=utf-8>")
        .append("<meta name=viewport content=\"width=device-width, initial-scale=1\">")
        .append("<meta name=color-scheme content=\"light dark\">")
        .append("<title>")
        .append(Html.esc(title))
        .append(" · Hoist</title>")
        .append(Assets.stylesheet(Assets.PICO_CSS))
        .append(Assets.stylesheet(Assets.HOIST_CSS))
        .append(Assets.script(Assets.HOIST_JS))
        .append(head)
        .append("</head><body><header class=container><nav><ul><li><a href=\"")
        .append(sections.isEmpty() ? "/" : Html.esc(sections.get(0).path()))
        .append("\" class=brand><strong>Hoist</strong></a></li></ul><ul>");
    for (Section s : sections) {
      b.append("<li><a href=\"").append(Html.esc(s.path())).append('"');
      if (s.path().equals(current)) {
        b.append(" aria-current=page");
      }
      b.append('>').append(Html.esc(s.label())).append("</a></li>");
    }
    b.append("</ul></nav></header><main class=container><h1>")
        .append(Html.esc(title))
        .append("</h1>")
        .append(body)
        .append("</main></body></html>");
    return b.toString();
  }

  /**
   * A block of text to copy (a command, a configuration snippet) with a button that copies it:
   * {@code id} names the block, for tests and for the button's {@code data-copy}.
   */
  public static String copyable(String id, String text) {
    String safeId = Html.esc(id);
    return "<div class=copyable><pre id=\""
        + safeId
        + "\"><code>"
        + Html.esc(text)
        + "</code></pre><button type=button class=\"secondary outline copy\" data-copy=\""
        + safeId
        + "\" aria-label=\"Copy\">Copy</button></div>";
  }
}
