package dev.hoist.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.hoist.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docs/configuration.md} against the configuration model: every setting the loader accepts
 * is documented, nothing documented is unknown to it, every {@code HOIST_*} variable the code reads
 * is listed, and the complete example file loads. The accepted settings are found by asking the
 * real loader: a key it does not know is refused with the list of those it knows.
 */
class ConfigurationReferenceTest {
  private static final Path DOCS = Path.of("..", "docs");
  private static final String PROBE = "zzzProbe";
  private static final Pattern KNOWN = Pattern.compile("unknown setting \\(known: ([^)]*)\\)");

  /** Sections read only in a context: the settings around them that make them read. */
  private static final Map<String, String> CONTEXT = Map.of("storage.s3", "storage.blobs=s3");

  private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
  @TempDir Path dir;

  @Test
  void everyAcceptedSettingIsDocumentedAndEveryDocumentedOneIsAccepted() throws IOException {
    Set<String> accepted = new TreeSet<>();
    discover(List.of(), accepted);
    Set<String> documented = documentedSettings();

    assertThat(accepted)
        .as("settings the loader accepts")
        .contains("listen", "mirror.cache.maxSize");
    assertThat(documented).as("documented in docs/configuration.md").containsAll(accepted);
    assertThat(accepted).as("accepted by the loader").containsAll(documented);
  }

  @Test
  void everyEnvironmentVariableTheServerReadsIsDocumented() throws IOException {
    Set<String> read = new TreeSet<>();
    Pattern env = Pattern.compile("\"(HOIST_[A-Z0-9_]+)\"");
    for (String module : List.of("server", "app")) {
      try (Stream<Path> files = Files.walk(Path.of("..", module, "src", "main", "java"))) {
        for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          Matcher m = env.matcher(Files.readString(file));
          while (m.find()) {
            read.add(m.group(1));
          }
        }
      }
    }
    String reference = Files.readString(DOCS.resolve("configuration.md"));

    assertThat(read).contains("HOIST_LISTEN");
    assertThat(read).allSatisfy(name -> assertThat(reference).contains("`" + name + "`"));
  }

  @Test
  void theCompleteExampleLoads() {
    ServerConfig config =
        ConfigLoader.load(DOCS.resolve("hoist.example.yaml"), Map.of(), ConfigLoader.Flags.none());

    assertThat(config.mirror().upstreams()).hasSizeGreaterThan(1);
    assertThat(config.mirror().hostedPrefixes()).isNotEmpty();
    assertThat(config.sync().rules()).isNotEmpty();
    assertThat(config.accelerator().enabled()).isTrue();
    assertThat(config.auth().enabled()).isTrue();
    assertThat(config.disk().cacheMaxSize()).isPositive();
  }

  /** Adds the settings under {@code path} (a mapping) to {@code found}, recursively. */
  private void discover(List<String> path, Set<String> found) throws IOException {
    List<String> keys = knownKeys(path);
    if (keys == null) {
      throw new AssertionError("not a section: " + String.join(".", path));
    }
    for (String key : keys) {
      List<String> child = new ArrayList<>(path);
      child.add(key);
      List<String> element = new ArrayList<>(child);
      element.add("[]");
      if (knownKeys(child) != null) {
        discover(child, found);
      } else if (knownKeys(element) != null) {
        found.add(name(child));
        discover(element, found);
      } else {
        found.add(name(child));
      }
    }
  }

  /** The keys the loader knows at {@code path}, or null when it reads no mapping there. */
  private List<String> knownKeys(List<String> path) throws IOException {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    String context = CONTEXT.get(name(path));
    if (context != null) {
      String[] kv = context.split("=", 2);
      put(root, Arrays.asList(kv[0].split("\\.")), JsonNodeFactory.instance.textNode(kv[1]));
    }
    ObjectNode probe = JsonNodeFactory.instance.objectNode().put(PROBE, 1);
    if (path.isEmpty()) {
      root.setAll(probe);
    } else {
      put(root, path, probe);
    }
    Path file = dir.resolve("probe.yaml");
    yaml.writeValue(file.toFile(), root);
    try {
      ConfigLoader.load(file, Map.of(), ConfigLoader.Flags.none());
    } catch (ConfigException e) {
      Matcher m = KNOWN.matcher(e.getMessage());
      if (e.setting().endsWith(PROBE) && m.find()) {
        return List.of(m.group(1).split(", "));
      }
    }
    return null;
  }

  /**
   * Puts {@code value} at {@code path} ({@code []} is a list of one element) under {@code root}.
   */
  private static void put(
      ObjectNode root, List<String> path, com.fasterxml.jackson.databind.JsonNode value) {
    com.fasterxml.jackson.databind.JsonNode at = root;
    for (int i = 0; i < path.size(); i++) {
      String key = path.get(i);
      boolean last = i == path.size() - 1;
      boolean nextIsList = !last && path.get(i + 1).equals("[]");
      if (key.equals("[]")) {
        continue;
      }
      ObjectNode mapping = (ObjectNode) at;
      if (last) {
        mapping.set(key, value);
      } else if (nextIsList) {
        ArrayNode list = mapping.putArray(key);
        ObjectNode element = list.addObject();
        if (i + 1 == path.size() - 1) {
          list.set(0, value);
          return;
        }
        at = element;
      } else {
        at = mapping.has(key) ? mapping.get(key) : mapping.putObject(key);
      }
    }
  }

  private static String name(List<String> path) {
    return String.join(".", path).replace(".[]", "[]");
  }

  /** The settings named in the first column of the reference's tables. */
  private static Set<String> documentedSettings() throws IOException {
    Set<String> names = new TreeSet<>();
    Pattern row = Pattern.compile("^\\| `([A-Za-z0-9.\\[\\]]+)` \\|");
    for (String line : Files.readAllLines(DOCS.resolve("configuration.md"))) {
      Matcher m = row.matcher(line);
      if (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }
}
