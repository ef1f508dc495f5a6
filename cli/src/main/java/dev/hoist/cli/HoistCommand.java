package dev.hoist.cli;

import dev.hoist.images.ClientEnvironment;
import dev.hoist.images.ImageException;
import dev.hoist.images.ImageStore;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Objects;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The top-level {@code hoist} command; each action is a subcommand ({@link HoistCli#subcommands}).
 */
@Command(
    name = "hoist",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Container image registry mirror, private registry and pull client.",
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

  @Option(
      names = "--root",
      paramLabel = "DIR",
      description =
          "The local image store (default: $HOIST_ROOT, else $XDG_DATA_HOME/hoist, else"
              + " ~/.local/share/hoist). Also accepted after the image commands.")
  Path root;

  private final ClientEnvironment environment;
  private final OutputStream stdout;

  HoistCommand() {
    this(ClientEnvironment.system(), new FileOutputStream(FileDescriptor.out));
  }

  /**
   * With the environment, home, stdin and terminal the client commands see, and the byte stream
   * behind standard output for binary output such as {@code save}'s (tests pass theirs).
   */
  HoistCommand(ClientEnvironment environment, OutputStream stdout) {
    this.environment = Objects.requireNonNull(environment, "environment");
    this.stdout = Objects.requireNonNull(stdout, "stdout");
  }

  HoistCommand(ClientEnvironment environment) {
    this(environment, new FileOutputStream(FileDescriptor.out));
  }

  ClientEnvironment environment() {
    return environment;
  }

  /** Standard output as bytes, not through picocli's text writer. */
  OutputStream stdout() {
    return stdout;
  }

  /** Opens the image store at {@link #storeRoot}, with a clear error when that fails. */
  ImageStore openStore(Path subcommandRoot) throws ImageException {
    Path r = storeRoot(subcommandRoot);
    try {
      return ImageStore.open(r);
    } catch (IOException | UnsupportedOperationException e) {
      throw new ImageException(
          ImageException.Kind.OTHER, "cannot open the image store at " + r + ": " + e, e);
    }
  }

  /** The image store root: the subcommand's {@code --root}, else this one's, else the default. */
  Path storeRoot(Path subcommandRoot) {
    if (subcommandRoot != null) {
      return subcommandRoot;
    }
    return root != null ? root : environment.storeRoot();
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing command: try 'hoist --help'");
  }
}
