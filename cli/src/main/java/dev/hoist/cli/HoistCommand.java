package dev.hoist.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The top-level {@code hoist} command; each action is a subcommand. */
@Command(
    name = "hoist",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Container image registry mirror, private registry and pull client.",
    subcommands = {RefCommand.class, ServeCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:error",
      "2:invalid usage or input (a bad option, an invalid image name)",
      "3:not found",
      "4:authentication or authorization failed",
      "5:network or registry unreachable"
    })
final class HoistCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing command: try 'hoist --help'");
  }
}
