package dev.hoist.cli;

/**
 * What {@code --format} asks for, parsed once: Docker's table, JSON, or a Go template, which with
 * the {@code table} prefix gets a header row and columns aligned at its tabs ({@code \t} written as
 * two characters is a tab, as in Docker).
 */
sealed interface OutputFormat {
  /** The command's usual table (no {@code --format}, or {@code --format table}). */
  record Default() implements OutputFormat {}

  /** {@code --format json}. */
  record Json() implements OutputFormat {}

  /** {@code --format '{{...}}'} or {@code --format 'table {{...}}'}. */
  record Custom(Template template, boolean table) implements OutputFormat {}

  static OutputFormat parse(String value) {
    if (value == null || value.isBlank() || value.strip().equals("table")) {
      return new Default();
    }
    if (value.strip().equals("json")) {
      return new Json();
    }
    if (value.startsWith("table ") || value.startsWith("table\t")) {
      int start = 5;
      while (start < value.length() && Character.isWhitespace(value.charAt(start))) {
        start++;
      }
      return new Custom(Template.parse(value.substring(start), start + 1), true);
    }
    return new Custom(Template.parse(value), false);
  }
}
