package dev.hoist.cli;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.hoist.images.ImageException;
import dev.hoist.images.LocalImages;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hoist inspect}: local images as {@code docker image inspect} shows them. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description =
        "Show local images as JSON shaped like 'docker image inspect': Id, RepoTags,"
            + " RepoDigests, Created, Config, Architecture, Os, Size, RootFS, ...")
final class InspectCommand implements Callable<Integer> {
  /** Made on first use: picocli creates every command object, each time hoist starts. */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  @Spec CommandSpec spec;
  @ParentCommand HoistCommand parent;

  @Option(names = "--root", paramLabel = "DIR", description = "The local image store.")
  Path root;

  @Option(
      names = {"-f", "--format"},
      paramLabel = "FORMAT",
      description = {
        "'json' (the default: the JSON array), or a Go template run for each image, as"
            + " 'docker inspect -f': '{{.Id}}', '{{range .RepoTags}}{{.}} {{end}}', '{{json"
            + " .Config}}', '{{.Config.Env}}', '{{join .RepoDigests \",\"}}'."
      })
  String format;

  /** Fields of 'docker image inspect' that Hoist's store has no value for, and why. */
  static final Template.Fields FIELDS =
      new Template.Fields(
          "image inspect",
          Map.of(
              "Container", "no container made the image",
              "ContainerConfig", "no container made the image",
              "VirtualSize", "removed from Docker's API; use .Size",
              "GraphDriver", "images are kept in an OCI layout, not a storage driver"),
          List.of("Variant", "OsVersion"));

  @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Names or image IDs.")
  List<String> images;

  @Override
  public Integer call() throws IOException, ImageException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    LocalImages local = new LocalImages(parent.openStore(root));
    OutputFormat output = OutputFormat.parse(format);
    if (output instanceof OutputFormat.Custom c && c.table()) {
      throw new TemplateException("inspect has no table format");
    }
    ArrayNode result = Json.MAPPER.createArrayNode();
    int status = ExitCodes.OK;
    for (String arg : images) {
      try {
        result.add(LocalImages.inspectJson(local.find(arg)));
      } catch (ImageException e) {
        err.println("Error: " + e.getMessage());
        if (status == ExitCodes.OK) {
          status = ExitCodes.forException(e);
        }
      }
    }
    if (output instanceof OutputFormat.Custom c) {
      StringBuilder text = new StringBuilder(); // all or nothing: a field error prints no image
      result.forEach(image -> text.append(c.template().render(image, FIELDS)).append('\n'));
      out.print(text);
    } else {
      out.println(Json.MAPPER.writer(dockerStyle()).writeValueAsString(result));
    }
    out.flush();
    err.flush();
    return status;
  }

  /** Four-space indents and {@code "key": value}, as Docker prints JSON. */
  static DefaultPrettyPrinter dockerStyle() {
    DefaultIndenter indent = new DefaultIndenter("    ", "\n");
    return new DefaultPrettyPrinter()
        .withSeparators(
            Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withArrayEmptySeparator("")
                .withObjectEmptySeparator(""))
        .withObjectIndenter(indent)
        .withArrayIndenter(indent);
  }
}
