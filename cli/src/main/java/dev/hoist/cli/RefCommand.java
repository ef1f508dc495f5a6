package dev.hoist.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.oci.ImageReference;
import dev.hoist.oci.InvalidReferenceException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hoist ref NAME...}: shows how a name resolves to registry, repository, tag and digest. */
@Command(
    name = "ref",
    mixinStandardHelpOptions = true,
    description = {
      "Show how image names resolve, exactly as 'docker pull' resolves them:",
      "registry, repository, tag and digest, with canonical and familiar forms."
    })
final class RefCommand implements Callable<Integer> {
  /** Made on first use: picocli creates every command object, each time hoist starts. */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  @Spec CommandSpec spec;

  @Option(names = "--json", description = "One JSON object per name, one per line.")
  boolean json;

  @Parameters(arity = "1..*", paramLabel = "NAME", description = "Image names, e.g. ubuntu.")
  List<String> names;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    boolean anyInvalid = false;
    boolean first = true;
    for (String name : names) {
      ImageReference given;
      try {
        given = ImageReference.parseWithoutDefaultTag(name);
      } catch (InvalidReferenceException e) {
        anyInvalid = true;
        if (json) {
          ObjectNode o = Json.MAPPER.createObjectNode();
          o.put("input", name);
          o.put("error", e.getMessage());
          out.println(o);
        } else {
          err.println("Error: " + name + ": " + e.getMessage());
        }
        continue;
      }
      boolean tagDefaulted = given.tag() == null && given.digest() == null;
      ImageReference ref = given.withDefaultTag();
      if (json) {
        out.println(toJson(name, ref));
      } else {
        if (!first) {
          out.println();
        }
        printHuman(out, name, ref, tagDefaulted);
      }
      first = false;
    }
    out.flush();
    return anyInvalid ? ExitCodes.USAGE : ExitCodes.OK;
  }

  static ObjectNode toJson(String input, ImageReference ref) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("input", input);
    o.put("registry", ref.registry());
    o.put("repository", ref.repository().value());
    o.put("tag", ref.tag() == null ? null : ref.tag().value());
    o.put("digest", ref.digest() == null ? null : ref.digest().toString());
    o.put("canonical", ref.canonical());
    o.put("familiar", ref.familiar());
    return o;
  }

  private static void printHuman(
      PrintWriter out, String input, ImageReference ref, boolean tagDefaulted) {
    out.println(input);
    out.println("  registry:   " + ref.registry());
    out.println("  repository: " + ref.repository().value());
    out.println(
        "  tag:        "
            + (ref.tag() == null ? "-" : ref.tag().value())
            + (tagDefaulted ? " (default)" : ""));
    out.println("  digest:     " + (ref.digest() == null ? "-" : ref.digest().toString()));
    out.println("  canonical:  " + ref.canonical());
    out.println("  familiar:   " + ref.familiar());
  }
}
