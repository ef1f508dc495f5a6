package dev.hoist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class RefCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);

  record Run(int status, String out, String err) {
    List<JsonNode> jsonLines() throws Exception {
      List<JsonNode> nodes = new ArrayList<>();
      for (String line : out.strip().split("\n")) {
        nodes.add(JSON.readTree(line));
      }
      return nodes;
    }
  }

  static Run run(String... args) {
    CommandLine cl = HoistCli.commandLine(Cli.CLIENT_COMMANDS);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int status = cl.execute(args);
    return new Run(status, out.toString(), err.toString());
  }

  @Test
  void jsonPrintsOneObjectPerNameWithEveryField() throws Exception {
    Run run = run("ref", "--json", "ubuntu", "ghcr.io/o/r:1@" + DIGEST, "alice/app@" + DIGEST);
    assertThat(run.status()).isZero();
    List<JsonNode> lines = run.jsonLines();
    assertThat(lines).hasSize(3);
    JsonNode ubuntu = lines.get(0);
    assertThat(ubuntu.get("input").asText()).isEqualTo("ubuntu");
    assertThat(ubuntu.get("registry").asText()).isEqualTo("docker.io");
    assertThat(ubuntu.get("repository").asText()).isEqualTo("library/ubuntu");
    assertThat(ubuntu.get("tag").asText()).isEqualTo("latest");
    assertThat(ubuntu.get("digest").isNull()).isTrue();
    assertThat(ubuntu.get("canonical").asText()).isEqualTo("docker.io/library/ubuntu:latest");
    assertThat(ubuntu.get("familiar").asText()).isEqualTo("ubuntu:latest");
    assertThat(lines.get(1).get("tag").asText()).isEqualTo("1");
    assertThat(lines.get(1).get("digest").asText()).isEqualTo(DIGEST);
    assertThat(lines.get(2).get("tag").isNull()).as("no tag defaulted beside a digest").isTrue();
    assertThat(lines.get(2).get("familiar").asText()).isEqualTo("alice/app@" + DIGEST);
  }

  @Test
  void anInvalidNameGivesAnErrorObjectAndANonZeroStatusButEveryNameIsPrinted() throws Exception {
    Run run = run("ref", "--json", "Ubuntu", "ubuntu");
    assertThat(run.status()).isEqualTo(ExitCodes.USAGE);
    List<JsonNode> lines = run.jsonLines();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0).get("input").asText()).isEqualTo("Ubuntu");
    assertThat(lines.get(0).get("error").asText()).contains("must be lowercase");
    assertThat(lines.get(0).has("registry")).isFalse();
    assertThat(lines.get(1).get("canonical").asText()).isEqualTo("docker.io/library/ubuntu:latest");
  }

  @Test
  void humanOutputSaysWhenTheTagWasDefaulted() {
    Run run = run("ref", "ubuntu");
    assertThat(run.status()).isZero();
    assertThat(run.out())
        .contains("registry:   docker.io")
        .contains("repository: library/ubuntu")
        .contains("tag:        latest (default)")
        .contains("canonical:  docker.io/library/ubuntu:latest");
  }

  @Test
  void humanOutputPutsErrorsOnStandardError() {
    Run run = run("ref", "a//b");
    assertThat(run.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).startsWith("Error: a//b: invalid reference format");
  }

  @Test
  void refWithoutNamesIsAUsageError() {
    Run run = run("ref");
    assertThat(run.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("Missing required parameter");
  }

  @Test
  void versionNamesTheReleaseAndTheRuntime() {
    Run run = run("--version");
    assertThat(run.status()).isZero();
    assertThat(run.out()).startsWith("hoist ").contains("Java ");
    assertThat(run.out()).doesNotContain("${project.version}");
  }

  @Test
  void noCommandIsAUsageError() {
    Run run = run();
    assertThat(run.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("hoist --help");
  }
}
