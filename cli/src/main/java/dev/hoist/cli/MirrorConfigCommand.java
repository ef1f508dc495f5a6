package dev.hoist.cli;

import dev.hoist.images.ImageException;
import dev.hoist.images.MirrorSetup;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hoist mirror-config}: the configuration that points a container tool at a mirror. */
@Command(
    name = "mirror-config",
    mixinStandardHelpOptions = true,
    description = {
      "Print what to put in Docker's daemon.json, containerd's hosts.toml or podman's"
          + " registries.conf so that the tool pulls a registry's images through a Hoist mirror.",
      "The file's content goes to standard output; where it goes, and what else to do, to"
          + " standard error."
    })
final class MirrorConfigCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--for",
      required = true,
      paramLabel = "TOOL",
      description = "docker, containerd or podman.")
  String tool;

  @Option(
      names = "--registry",
      paramLabel = "REGISTRY",
      defaultValue = "docker.io",
      description = "The registry to mirror (default ${DEFAULT-VALUE}).")
  String registry;

  @Parameters(
      paramLabel = "URL",
      description = "The Hoist mirror, e.g. http://hoist.example:5000 (no scheme means https).")
  String url;

  @Override
  public Integer call() throws ImageException {
    MirrorSetup.Snippet s = MirrorSetup.forTool(MirrorSetup.Tool.parse(tool), url, registry);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    err.println("Write this to " + s.file() + ":");
    err.flush();
    out.print(s.content());
    out.flush();
    for (String note : s.notes()) {
      err.println(note);
    }
    err.flush();
    return ExitCodes.OK;
  }
}
