package dev.hoist.server;

/**
 * Invalid configuration found by the composition root (the data directory cannot be made, …).
 * Configuration reading throws {@link dev.hoist.config.ConfigException}, which this extends; catch
 * that one.
 */
public final class ConfigException extends dev.hoist.config.ConfigException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String setting, String problem) {
    super(setting, problem);
  }
}
