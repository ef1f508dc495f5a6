package dev.hoist.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * One place in the configuration tree (a YAML file read as JSON nodes) together with the name of
 * the setting it is, {@code mirror.upstreams[0]}: every section of the file is read through it, so
 * every section refuses unknown keys the same way (naming the known ones), names the type it
 * expected when it finds another, and parses values with {@link Values}.
 *
 * <pre>{@code
 * ConfigNode mirror = root.get("mirror").orElse(null);
 * mirror.keys("upstreams", "negativeTtl", ...);            // anything else: unknown setting
 * mirror.duration("negativeTtl").ifPresent(builder::negativeTtl);
 * for (ConfigNode upstream : mirror.list("upstreams")) { ... upstream.setting() ... }
 * }</pre>
 *
 * A key whose value is YAML null ({@code negativeTtl:} with nothing after it) counts as absent.
 */
public final class ConfigNode {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final JsonNode node;
  private final String setting;

  private ConfigNode(JsonNode node, String setting) {
    this.node = node;
    this.setting = setting;
  }

  /**
   * A tree read elsewhere as the setting {@code setting}: {@code accelerator} for that section
   * alone (tests do this), empty for a whole file.
   */
  public static ConfigNode of(JsonNode tree, String setting) {
    return new ConfigNode(tree == null ? MissingNode.getInstance() : tree, setting);
  }

  /**
   * The YAML file {@code file} as the root mapping; an empty file is an empty mapping. A file that
   * cannot be read or is not YAML fails plainly: {@code cannot read hoist.yaml: no such file},
   * {@code hoist.yaml line 3, column 5: mapping values are not allowed here}.
   *
   * @param setting how the file was named to Hoist ({@code --config}), for {@link
   *     ConfigException#setting()}
   */
  public static ConfigNode read(Path file, String setting) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw ConfigException.ofFile(setting, "cannot read " + file + ": no such file");
    } catch (AccessDeniedException e) {
      throw ConfigException.ofFile(setting, "cannot read " + file + ": permission denied");
    } catch (CharacterCodingException e) {
      throw ConfigException.ofFile(setting, "cannot read " + file + ": it is not UTF-8 text");
    } catch (IOException e) {
      String reason = e.getMessage();
      if (Files.isDirectory(file)) {
        reason = "it is a directory";
      } else if (reason == null || reason.equals(file.toString())) {
        reason = e.getClass().getSimpleName();
      }
      throw ConfigException.ofFile(setting, "cannot read " + file + ": " + reason);
    }
    JsonNode tree;
    try {
      tree = YAML.readTree(text);
    } catch (IOException e) {
      throw ConfigException.ofFile(setting, file + " " + yamlProblem(e));
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      return of(YAML.createObjectNode(), "");
    }
    if (!tree.isObject()) {
      throw ConfigException.ofFile(
          setting, file + " must be a mapping of settings (key: value), not " + kind(tree));
    }
    return of(tree, "");
  }

  /** {@code line 3, column 5: mapping values are not allowed here}, without the parser's dump. */
  private static String yamlProblem(IOException e) {
    if (e.getCause() instanceof MarkedYAMLException y && y.getProblemMark() != null) {
      String problem = y.getProblem() == null ? "not valid YAML" : y.getProblem();
      if (y.getContext() != null) {
        Mark c = y.getContextMark();
        problem +=
            " ("
                + y.getContext()
                + (c == null ? "" : " at " + at(c.getLine() + 1, c.getColumn() + 1))
                + ")";
      }
      Mark m = y.getProblemMark();
      return at(m.getLine() + 1, m.getColumn() + 1) + ": " + problem;
    }
    if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j
        && j.getLocation() != null) {
      return at(j.getLocation().getLineNr(), j.getLocation().getColumnNr())
          + ": "
          + j.getOriginalMessage().lines().findFirst().orElse("not valid YAML");
    }
    return "is not valid YAML";
  }

  private static String at(int line, int column) {
    return "line " + line + ", column " + column;
  }

  /** This setting's name: {@code mirror.upstreams[0]}; empty for the root. */
  public String setting() {
    return setting;
  }

  /** The name of the key {@code key} under this node: {@code mirror.negativeTtl}. */
  public String setting(String key) {
    return setting.isEmpty() ? key : setting + "." + key;
  }

  /** A {@link ConfigException} about this setting. */
  public ConfigException invalid(String problem) {
    return new ConfigException(setting, problem);
  }

  // Structure.

  /**
   * Checks that this is a mapping with no keys but {@code known}; an unknown one fails naming it
   * and listing the known ones.
   *
   * @return this
   */
  public ConfigNode keys(String... known) {
    requireMapping();
    Set<String> allowed = Set.of(known);
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!allowed.contains(key)) {
        throw new ConfigException(
            setting(key),
            "unknown setting (known: " + String.join(", ", new TreeSet<>(allowed)) + ")");
      }
    }
    return this;
  }

  /** Whether this is a mapping (rather than a list or a single value). */
  public boolean isMapping() {
    return node.isObject();
  }

  /** Whether {@code key} is present with a value other than null. */
  public boolean has(String key) {
    return get(key).isPresent();
  }

  /** The value of {@code key}, absent when it is missing or null; this must be a mapping. */
  public Optional<ConfigNode> get(String key) {
    requireMapping();
    JsonNode v = node.get(key);
    return v == null || v.isNull() ? Optional.empty() : Optional.of(child(v, setting(key)));
  }

  /** The value of {@code key}, which must be present (and not null). */
  public ConfigNode required(String key) {
    return get(key).orElseThrow(() -> new ConfigException(setting(key), "must be set"));
  }

  /** The mapping under {@code key}, absent when the key is; another type fails. */
  public Optional<ConfigNode> mapping(String key) {
    return get(key).map(ConfigNode::requireMapping);
  }

  /**
   * The entries of the list under {@code key}, named {@code key[0]}, {@code key[1]}…; none if
   * absent.
   */
  public List<ConfigNode> list(String key) {
    return get(key).map(ConfigNode::list).orElse(List.of());
  }

  /** This list's entries, named {@code setting[0]}, {@code setting[1]}…. */
  public List<ConfigNode> list() {
    if (!node.isArray()) {
      throw invalid("must be a list, not " + kind(node));
    }
    List<ConfigNode> out = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      out.add(child(node.get(i), setting + "[" + i + "]"));
    }
    return out;
  }

  /** The tree itself, for a section that keeps it as JSON (sync rules). */
  public JsonNode tree() {
    return node;
  }

  private ConfigNode requireMapping() {
    if (!node.isObject()) {
      throw invalid("must be a mapping (key: value), not " + kind(node));
    }
    return this;
  }

  private static ConfigNode child(JsonNode v, String setting) {
    return new ConfigNode(v, setting);
  }

  // Values of this node.

  /** A single value as written, possibly empty; a list or a mapping fails. */
  public String scalar() {
    if (!node.isValueNode() || node.isNull()) {
      throw invalid("must be a single value, not " + kind(node));
    }
    return node.asText();
  }

  /** A single value that is not blank. */
  public String text() {
    String v = scalar();
    if (v.isBlank()) {
      throw invalid("must not be empty");
    }
    return v;
  }

  /** See {@link Values#duration}. */
  public Duration duration() {
    return Values.duration(setting, text());
  }

  /** See {@link Values#size}. */
  public long size() {
    return Values.size(setting, text());
  }

  /** See {@link Values#bool}. */
  public boolean bool() {
    return Values.bool(setting, text());
  }

  /** See {@link Values#integer}. */
  public int integer() {
    return Values.integer(setting, text());
  }

  /**
   * A list of non-empty values, written as a YAML list ({@code [a, b]}) or as one comma-separated
   * value ({@code a, b}).
   */
  public List<String> strings() {
    if (node.isValueNode()) {
      return Values.list(setting, text());
    }
    List<String> out = new ArrayList<>();
    for (ConfigNode entry : list()) {
      out.add(entry.text().trim());
    }
    return List.copyOf(out);
  }

  /**
   * This value read by {@code parser}; an {@link IllegalArgumentException} it throws becomes a
   * {@link ConfigException} naming this setting.
   */
  public <T> T parse(Function<String, T> parser) {
    String text = text();
    return check(() -> parser.apply(text));
  }

  /**
   * Runs {@code work} (typically a record's constructor or a builder's {@code build()}); an {@link
   * IllegalArgumentException} it throws, other than a {@link ConfigException} (which already names
   * its setting), becomes a {@link ConfigException} naming this setting.
   */
  public <T> T check(Supplier<T> work) {
    try {
      return work.get();
    } catch (ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw invalid(e.getMessage());
    }
  }

  // Optional values under a key: absent when the key is.

  public Optional<String> text(String key) {
    return get(key).map(ConfigNode::text);
  }

  public Optional<Duration> duration(String key) {
    return get(key).map(ConfigNode::duration);
  }

  public Optional<Long> size(String key) {
    return get(key).map(ConfigNode::size);
  }

  public Optional<Boolean> bool(String key) {
    return get(key).map(ConfigNode::bool);
  }

  public Optional<Integer> integer(String key) {
    return get(key).map(ConfigNode::integer);
  }

  public Optional<List<String>> strings(String key) {
    return get(key).map(ConfigNode::strings);
  }

  public <T> Optional<T> parse(String key, Function<String, T> parser) {
    return get(key).map(n -> n.parse(parser));
  }

  /** How a node is described when it is not what was expected. */
  static String kind(JsonNode node) {
    if (node.isObject()) {
      return "a mapping";
    }
    if (node.isArray()) {
      return "a list";
    }
    if (node.isMissingNode() || node.isNull()) {
      return "nothing";
    }
    return "the value '" + node.asText() + "'";
  }
}
