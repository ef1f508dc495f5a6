package dev.hoist.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Templates from Docker's documentation, run on objects shaped as Hoist prints them. */
class TemplateTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode row(String id, String repository, String tag) {
    ObjectNode o = JSON.createObjectNode();
    o.put("CreatedSince", "2 weeks ago");
    o.put("Digest", "<none>");
    o.put("ID", id);
    o.put("Repository", repository);
    o.put("Size", "7.8MB");
    o.put("Tag", tag);
    return o;
  }

  private static final List<ObjectNode> ROWS =
      List.of(row("77af4d6b9913", "busybox", "latest"), row("b6fa739cedf5", "committ", "<none>"));

  private static JsonNode inspect() throws Exception {
    return JSON.readTree(
        """
        {"Id": "sha256:77af4d6b9913", "RepoTags": ["busybox:latest", "busybox:1"],
         "RepoDigests": [], "Architecture": "amd64", "Os": "linux", "Size": 4261574,
         "Config": {"Env": ["PATH=/bin", "A=1"], "Cmd": ["sh"], "Labels": {"b": "2", "a": "1"}},
         "RootFS": {"Type": "layers", "Layers": ["sha256:aa", "sha256:bb"]}}
        """);
  }

  private static String images(String format) {
    return ImageListFormat.render(OutputFormat.parse(format), ROWS);
  }

  private static String inspect(String format) throws Exception {
    return Template.parse(format).render(inspect(), InspectCommand.FIELDS);
  }

  @Test
  void dockerImagesFormatExamples() {
    assertThat(images("{{.ID}}: {{.Repository}}"))
        .isEqualTo("77af4d6b9913: busybox\nb6fa739cedf5: committ\n");
    assertThat(images("{{.Repository}}:{{.Tag}}")).isEqualTo("busybox:latest\ncommitt:<none>\n");
    assertThat(images("{{json .}}").lines().findFirst().orElseThrow())
        .isEqualTo(
            "{\"CreatedSince\":\"2 weeks ago\",\"Digest\":\"<none>\",\"ID\":\"77af4d6b9913\","
                + "\"Repository\":\"busybox\",\"Size\":\"7.8MB\",\"Tag\":\"latest\"}");
  }

  @Test
  void tablePrefixPrintsDockersHeadersAndAlignsAtBackslashT() {
    assertThat(images("table {{.ID}}\\t{{.Repository}}\\t{{.Tag}}"))
        .isEqualTo(
            """
            IMAGE ID       REPOSITORY   TAG
            77af4d6b9913   busybox      latest
            b6fa739cedf5   committ      <none>
            """);
    assertThat(images("table {{.Repository}}\t{{.CreatedSince}}\t{{.Size}}").lines().toList())
        .first()
        .isEqualTo("REPOSITORY   CREATED       SIZE");
  }

  @Test
  void jsonAndTableAloneAreTheBuiltInFormats() {
    assertThat(OutputFormat.parse("json")).isInstanceOf(OutputFormat.Json.class);
    assertThat(OutputFormat.parse("table")).isInstanceOf(OutputFormat.Default.class);
    assertThat(OutputFormat.parse(null)).isInstanceOf(OutputFormat.Default.class);
    assertThat(images("json")).startsWith("{\"CreatedSince\"").hasLineCount(2);
  }

  @Test
  void dockerInspectFormatExamples() throws Exception {
    assertThat(inspect("{{.Id}}")).isEqualTo("sha256:77af4d6b9913");
    assertThat(inspect("{{range .RepoTags}}{{.}} {{end}}")).isEqualTo("busybox:latest busybox:1 ");
    assertThat(inspect("{{json .Config}}"))
        .isEqualTo(
            "{\"Env\":[\"PATH=/bin\",\"A=1\"],\"Cmd\":[\"sh\"],\"Labels\":{\"b\":\"2\",\"a\":\"1\"}}");
    assertThat(inspect("{{.Os}}/{{.Architecture}} {{.Size}}")).isEqualTo("linux/amd64 4261574");
    assertThat(inspect("{{.Config.Env}}")).isEqualTo("[PATH=/bin A=1]");
    assertThat(inspect("{{.Config.Labels}}")).isEqualTo("map[a:1 b:2]");
    assertThat(inspect("{{range .RootFS.Layers}}{{println .}}{{end}}"))
        .isEqualTo("sha256:aa\nsha256:bb\n");
    assertThat(inspect("{{join .RepoTags \", \"}}")).isEqualTo("busybox:latest, busybox:1");
    assertThat(inspect("{{json .RepoDigests}} {{.Config.User}}|")).isEqualTo("[] |");
    assertThat(inspect("{{range .Config.Labels}}{{.}}{{end}}")).isEqualTo("12");
    assertThat(inspect("{{- .Os -}}  \n  {{.Variant}}")).isEqualTo("linux");
  }

  @Test
  void unsupportedPartsAreNamedWithTheirPosition() {
    assertThatThrownBy(() -> Template.parse("x {{if .Tag}}y{{end}}"))
        .isInstanceOf(TemplateException.class)
        .hasMessageStartingWith("template: unsupported 'if' at position 5");
    assertThatThrownBy(() -> Template.parse("{{.ID | upper}}"))
        .hasMessageStartingWith("template: unsupported '|' at position 7");
    assertThatThrownBy(() -> OutputFormat.parse("table {{.ID}}\\t{{$x}}"))
        .hasMessageStartingWith("template: unsupported '$x' at position 18");
    assertThatThrownBy(() -> Template.parse("{{.ID"))
        .hasMessage("template: '{{' at position 1 is not closed by '}}'");
    assertThatThrownBy(() -> Template.parse("{{range .RepoTags}}{{.}}"))
        .hasMessage("template: {{range}} at position 9 has no {{end}}");
    assertThatThrownBy(() -> Template.parse("{{.}}{{end}}"))
        .hasMessage("template: 'end' at position 8 closes no {{range}}");
    assertThatThrownBy(() -> Template.parse("{{.A..B}}"))
        .hasMessageStartingWith("template: unsupported '.A..B' at position 3");
  }

  @Test
  void aFieldHoistLacksIsAnErrorNotAnEmptyString() {
    assertThatThrownBy(() -> inspect("{{.GraphDriver.Name}}"))
        .isInstanceOf(TemplateException.class)
        .hasMessageStartingWith(
            "template: field .GraphDriver at position 3: Docker's image inspect has it, Hoist"
                + " does not");
    assertThatThrownBy(() -> inspect("{{.Nope}}"))
        .hasMessageStartingWith(
            "template: no field .Nope (position 3) in image inspect; it has Id,");
    assertThatThrownBy(() -> images("{{.Name}}"))
        .hasMessageStartingWith("template: no field .Name (position 3) in image list row");
    assertThatThrownBy(() -> inspect("{{range .Id}}x{{end}}"))
        .hasMessageContaining("cannot range over sha256:77af4d6b9913");
  }

  @Test
  void aTemplateErrorIsExitStatusTwo() {
    assertThat(ExitCodes.forException(new TemplateException("x"))).isEqualTo(ExitCodes.USAGE);
  }
}
