package dev.hoist.cli;

/**
 * A {@code --format} template Hoist cannot parse or run: the message names the part and its
 * position. An {@link IllegalArgumentException}, so the exit status is 2 (invalid usage or input).
 */
final class TemplateException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  TemplateException(String message) {
    super("template: " + message);
  }
}
