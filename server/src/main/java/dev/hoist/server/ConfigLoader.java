package dev.hoist.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a {@link ServerConfig}: defaults, then the YAML file, then environment variables, then
 * flags; each later source wins. Every value is checked here, and a bad one fails with a message
 * that names the setting.
 *
 * <pre>
 * # hoist.yaml                       environment variable
 * listen: 127.0.0.1:5000             HOIST_LISTEN
 * dataDir: ./hoist-data              HOIST_DATA_DIR
 * shutdownGrace: 10s                 HOIST_SHUTDOWN_GRACE
 * registry:
 *   deleteEnabled: true              HOIST_DELETE_ENABLED
 *   uploadPurgeAge: 24h              HOIST_UPLOAD_PURGE_AGE
 * </pre>
 */
public final class ConfigLoader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Set<String> TOP_LEVEL =
      Set.of("listen", "dataDir", "shutdownGrace", "registry");
  private static final Set<String> REGISTRY = Set.of("deleteEnabled", "uploadPurgeAge");
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
  private static final Pattern HOST_PORT =
      Pattern.compile("(\\[[0-9a-fA-F:.]+\\]|[^:\\[\\]]*):(\\d{1,5})");

  /** Command-line values; null means "not given". */
  public record Flags(String listen, Path dataDir) {
    public static Flags none() {
      return new Flags(null, null);
    }
  }

  private ConfigLoader() {}

  public static ServerConfig load(Path file, Map<String, String> env, Flags flags) {
    ServerConfig config = ServerConfig.defaults();
    if (file != null) {
      config = applyFile(config, file);
    }
    config = applyEnv(config, env);
    if (flags.listen() != null) {
      config = withListen(config, "--listen", flags.listen());
    }
    if (flags.dataDir() != null) {
      config = config.withDataDir(flags.dataDir());
    }
    return config;
  }

  private static ServerConfig applyFile(ServerConfig config, Path file) {
    JsonNode root;
    try {
      root = YAML.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new ConfigException("--config", "cannot read " + file + ": " + e.getMessage());
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return config;
    }
    if (!root.isObject()) {
      throw new ConfigException("--config", file + " is not a YAML mapping");
    }
    checkKeys(root, TOP_LEVEL, "");
    if (root.has("listen")) {
      config = withListen(config, "listen", text(root, "listen", "listen"));
    }
    if (root.has("dataDir")) {
      Path dir = Path.of(text(root, "dataDir", "dataDir"));
      // A relative dataDir in a file means relative to that file, not to wherever hoist started.
      Path base = file.toAbsolutePath().getParent();
      config = config.withDataDir(dir.isAbsolute() || base == null ? dir : base.resolve(dir));
    }
    if (root.has("shutdownGrace")) {
      config =
          config.withShutdownGrace(
              duration("shutdownGrace", text(root, "shutdownGrace", "shutdownGrace")));
    }
    JsonNode registry = root.get("registry");
    if (registry != null && !registry.isNull()) {
      if (!registry.isObject()) {
        throw new ConfigException("registry", "must be a mapping");
      }
      checkKeys(registry, REGISTRY, "registry.");
      if (registry.has("deleteEnabled")) {
        config =
            config.withDeleteEnabled(
                bool("registry.deleteEnabled", registry.get("deleteEnabled").asText()));
      }
      if (registry.has("uploadPurgeAge")) {
        config =
            config.withUploadPurgeAge(
                duration(
                    "registry.uploadPurgeAge",
                    text(registry, "uploadPurgeAge", "registry.uploadPurgeAge")));
      }
    }
    return config;
  }

  private static ServerConfig applyEnv(ServerConfig config, Map<String, String> env) {
    String listen = env.get("HOIST_LISTEN");
    if (listen != null) {
      config = withListen(config, "HOIST_LISTEN", listen);
    }
    String dataDir = env.get("HOIST_DATA_DIR");
    if (dataDir != null) {
      if (dataDir.isBlank()) {
        throw new ConfigException("HOIST_DATA_DIR", "must not be empty");
      }
      config = config.withDataDir(Path.of(dataDir));
    }
    String delete = env.get("HOIST_DELETE_ENABLED");
    if (delete != null) {
      config = config.withDeleteEnabled(bool("HOIST_DELETE_ENABLED", delete));
    }
    String purge = env.get("HOIST_UPLOAD_PURGE_AGE");
    if (purge != null) {
      config = config.withUploadPurgeAge(duration("HOIST_UPLOAD_PURGE_AGE", purge));
    }
    String grace = env.get("HOIST_SHUTDOWN_GRACE");
    if (grace != null) {
      config = config.withShutdownGrace(duration("HOIST_SHUTDOWN_GRACE", grace));
    }
    return config;
  }

  static ServerConfig withListen(ServerConfig config, String setting, String value) {
    Matcher m = HOST_PORT.matcher(value.trim());
    if (!m.matches()) {
      throw new ConfigException(setting, "'" + value + "' is not HOST:PORT (e.g. 127.0.0.1:5000)");
    }
    String host = m.group(1);
    if (host.startsWith("[")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.isEmpty()) {
      host = "0.0.0.0";
    }
    int port = Integer.parseInt(m.group(2));
    if (port > 65535) {
      throw new ConfigException(setting, "port " + port + " is not between 0 and 65535");
    }
    return config.withListen(host, port);
  }

  static Duration duration(String setting, String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    Matcher m = DURATION.matcher(v);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      switch (m.group(2)) {
        case "ms":
          return Duration.ofMillis(n);
        case "s":
          return Duration.ofSeconds(n);
        case "m":
          return Duration.ofMinutes(n);
        case "h":
          return Duration.ofHours(n);
        default:
          return Duration.ofDays(n);
      }
    }
    try {
      return Duration.parse(value.trim());
    } catch (DateTimeParseException e) {
      throw new ConfigException(
          setting, "'" + value + "' is not a duration (e.g. 500ms, 10s, 30m, 24h, 7d)");
    }
  }

  static boolean bool(String setting, String value) {
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true":
      case "yes":
      case "on":
      case "1":
        return true;
      case "false":
      case "no":
      case "off":
      case "0":
        return false;
      default:
        throw new ConfigException(setting, "'" + value + "' is not true or false");
    }
  }

  private static String text(JsonNode node, String field, String setting) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull() || v.isContainerNode() || v.asText().isBlank()) {
      throw new ConfigException(setting, "must be a non-empty value");
    }
    return v.asText();
  }

  private static void checkKeys(JsonNode node, Set<String> allowed, String prefix) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!allowed.contains(key)) {
        throw new ConfigException(
            prefix + key,
            "unknown setting (known: "
                + String.join(", ", allowed.stream().sorted().toList())
                + ")");
      }
    }
  }
}
