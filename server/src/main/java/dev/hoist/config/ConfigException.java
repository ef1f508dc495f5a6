package dev.hoist.config;

/**
 * Invalid configuration: the message names the setting and what is wrong with it, {@code invalid
 * configuration: mirror.negativeTtl: 'soon' is not a duration (e.g. 500ms, 10s, 30m, 24h, 7d,
 * PT1H)}. A setting is a YAML path ({@code mirror.upstreams[0].url}), an environment variable
 * ({@code HOIST_LISTEN}) or a flag ({@code --listen}). Problems with the file as a whole (it cannot
 * be read, it is not YAML) say so plainly, naming the file.
 */
public class ConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String setting;
  private final String problem;

  /**
   * @param setting the setting, as the operator wrote it
   * @param problem what is wrong with it, for people: {@code 'soon' is not a duration}
   */
  public ConfigException(String setting, String problem) {
    this(setting, problem, "invalid configuration: " + setting + ": " + problem);
  }

  private ConfigException(String setting, String problem, String message) {
    super(message);
    this.setting = setting;
    this.problem = problem;
  }

  /**
   * A problem with a whole file, whose message is {@code problem} alone: {@code cannot read
   * hoist.yaml: no such file}, {@code hoist.yaml line 3, column 5: …}.
   */
  public static ConfigException ofFile(String setting, String problem) {
    return new ConfigException(setting, problem, problem);
  }

  /** The setting, e.g. {@code mirror.negativeTtl}, {@code HOIST_LISTEN} or {@code --config}. */
  public String setting() {
    return setting;
  }

  /** What is wrong with it, without the setting. */
  public String problem() {
    return problem;
  }

  /** The same problem under another name: {@code rules[0].}{@code setting}, for instance. */
  public ConfigException under(String prefix) {
    return new ConfigException(prefix + setting, problem);
  }
}
