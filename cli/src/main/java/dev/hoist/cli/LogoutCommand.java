package dev.hoist.cli;

import dev.hoist.images.DockerConfig;
import dev.hoist.images.ImageException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hoist logout}: forgets the credentials of a registry. */
@Command(
    name = "logout",
    mixinStandardHelpOptions = true,
    description =
        "Remove the stored credentials of a registry (default docker.io) from config.json and"
            + " its credential helper.")
final class LogoutCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @ParentCommand HoistCommand parent;

  @Parameters(arity = "0..1", paramLabel = "REGISTRY", description = "host[:port], or docker.io.")
  String registry;

  @Override
  public Integer call() throws ImageException {
    PrintWriter out = spec.commandLine().getOut();
    String name = LoginCommand.registryName(registry);
    DockerConfig docker = DockerConfig.load(parent.environment());
    String key = DockerConfig.serverKey(name);
    if (docker.erase(name)) {
      out.println("Removing login credentials for " + key);
    } else {
      out.println("Not logged in to " + key);
    }
    out.flush();
    return ExitCodes.OK;
  }
}
