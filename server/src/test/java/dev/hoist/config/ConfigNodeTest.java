package dev.hoist.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigNodeTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  @TempDir Path dir;

  private static ConfigNode section(String yaml) throws Exception {
    return ConfigNode.of(YAML.readTree(yaml), "mirror");
  }

  @Test
  void unknownKeysAreRefusedNamingTheKnownOnes() throws Exception {
    assertThatThrownBy(
            () -> section("negativeTtl: 1s\nnegativeTTL: 2s").keys("negativeTtl", "hosted"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "invalid configuration: mirror.negativeTTL: unknown setting (known: hosted,"
                + " negativeTtl)");
  }

  @Test
  void valuesAreParsedAndNamedWithTheirPath() throws Exception {
    ConfigNode node =
        section(
            """
            negativeTtl: 10s
            size: 1GiB
            prefetch: yes
            count: 3
            hosted: [team, ops]
            upstreams:
              - docker.io
              - {name: ghcr.io, authHosts: "a.example, b.example"}
            """);
    assertThat(node.duration("negativeTtl")).contains(Duration.ofSeconds(10));
    assertThat(node.size("size")).contains(1L << 30);
    assertThat(node.bool("prefetch")).contains(true);
    assertThat(node.integer("count")).contains(3);
    assertThat(node.strings("hosted")).contains(List.of("team", "ops"));
    List<ConfigNode> upstreams = node.list("upstreams");
    assertThat(upstreams)
        .extracting(ConfigNode::setting)
        .containsExactly("mirror.upstreams[0]", "mirror.upstreams[1]");
    assertThat(upstreams.get(1).strings("authHosts")).contains(List.of("a.example", "b.example"));
    assertThat(upstreams.get(1).setting("authHosts")).isEqualTo("mirror.upstreams[1].authHosts");
    assertThat(node.duration("missing")).isEmpty();
    assertThat(node.list("missing")).isEmpty();
  }

  @Test
  void aKeyWithNoValueCountsAsAbsent() throws Exception {
    ConfigNode node = section("negativeTtl:\nhosted: ~\n");
    assertThat(node.has("negativeTtl")).isFalse();
    assertThat(node.strings("hosted")).isEmpty();
  }

  @Test
  void wrongTypesAreNamed() throws Exception {
    ConfigNode node = section("negativeTtl: [1s]\nhosted: {a: b}\nfreshness: 5m\nname: ''\n");
    assertThatThrownBy(() -> node.duration("negativeTtl"))
        .hasMessage(
            "invalid configuration: mirror.negativeTtl: must be a single value, not a list");
    assertThatThrownBy(() -> node.strings("hosted"))
        .hasMessage("invalid configuration: mirror.hosted: must be a list, not a mapping");
    assertThatThrownBy(() -> node.list("freshness"))
        .hasMessage("invalid configuration: mirror.freshness: must be a list, not the value '5m'");
    assertThatThrownBy(() -> node.mapping("freshness"))
        .hasMessage(
            "invalid configuration: mirror.freshness: must be a mapping (key: value), not the"
                + " value '5m'");
    assertThatThrownBy(() -> node.text("name"))
        .hasMessage("invalid configuration: mirror.name: must not be empty");
    assertThatThrownBy(() -> node.required("absent"))
        .hasMessage("invalid configuration: mirror.absent: must be set");
  }

  @Test
  void failuresOfParsersAndConstructorsNameTheSetting() throws Exception {
    ConfigNode node = section("period: weekly\n");
    assertThatThrownBy(
            () ->
                node.parse(
                    "period",
                    p -> {
                      throw new IllegalArgumentException("must be none or monthly");
                    }))
        .isInstanceOf(ConfigException.class)
        .hasMessage("invalid configuration: mirror.period: must be none or monthly");
    ConfigException inner = new ConfigException("mirror.other", "already named");
    assertThatThrownBy(
            () ->
                node.check(
                    () -> {
                      throw inner;
                    }))
        .isSameAs(inner);
  }

  @Test
  void aFileThatCannotBeReadSaysSoPlainly() throws Exception {
    Path missing = dir.resolve("nonexist.yaml");
    assertThatThrownBy(() -> ConfigNode.read(missing, "--config"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("cannot read " + missing + ": no such file");
    assertThatThrownBy(() -> ConfigNode.read(dir, "--config"))
        .hasMessage("cannot read " + dir + ": it is a directory");
    Path latin1 = dir.resolve("latin1.yaml");
    Files.write(latin1, new byte[] {'a', ':', ' ', (byte) 0xe9, '\n'});
    assertThatThrownBy(() -> ConfigNode.read(latin1, "--config"))
        .hasMessage("cannot read " + latin1 + ": it is not UTF-8 text");
  }

  @Test
  void yamlErrorsGiveTheLineAndColumn() throws Exception {
    Path file = dir.resolve("hoist.yaml");
    Files.writeString(file, "a: 1\n\tb: 2\n");
    assertThatThrownBy(() -> ConfigNode.read(file, "--config"))
        .hasMessageStartingWith(file + " line 2, column 1: found character '\\t(TAB)'")
        .hasMessageNotContaining("reader");
    Files.writeString(file, "a: 'unterminated\n");
    assertThatThrownBy(() -> ConfigNode.read(file, "--config"))
        .hasMessage(
            file
                + " line 2, column 1: found unexpected end of stream (while scanning a quoted"
                + " scalar at line 1, column 4)");
  }
}
