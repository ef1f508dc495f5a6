package dev.hoist.server;

/** Invalid configuration; the message names the setting and what is wrong with it. */
public final class ConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String setting;

  public ConfigException(String setting, String problem) {
    super("invalid configuration: " + setting + ": " + problem);
    this.setting = setting;
  }

  public String setting() {
    return setting;
  }
}
