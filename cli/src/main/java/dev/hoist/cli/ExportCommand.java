package dev.hoist.cli;

import dev.hoist.images.ImageException;
import dev.hoist.images.ImageStore;
import dev.hoist.images.RootfsExporter;
import dev.hoist.oci.Platform;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hoist export}: an image's root filesystem into a directory. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Unpack a local image's root filesystem into an empty directory: its layers applied in"
          + " order, with OCI whiteouts, modes, symbolic and hard links (and owners when run as"
          + " root).",
      "An entry that would land outside the directory ('../', an absolute path, a symbolic link"
          + " pointing out) stops the export."
    })
final class ExportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @ParentCommand HoistCommand parent;

  @Option(names = "--root", paramLabel = "DIR", description = "The local image store.")
  Path root;

  @Option(
      names = "--platform",
      paramLabel = "OS/ARCH[/VARIANT]",
      description = "The platform to take from a multi-platform image (default: this machine's).")
  String platform;

  @Parameters(index = "0", paramLabel = "IMAGE", description = "A name or image ID.")
  String image;

  @Parameters(index = "1", paramLabel = "DIR", description = "Where to unpack (empty or absent).")
  Path dir;

  @Override
  public Integer call() throws ImageException, IOException {
    Platform wanted = platform == null ? Platform.current() : Platform.parse(platform);
    ImageStore store = parent.openStore(root);
    RootfsExporter.Summary summary = new RootfsExporter(store).export(image, wanted, dir);
    if (!summary.skipped().isEmpty()) {
      PrintWriter err = spec.commandLine().getErr();
      err.println(
          "Skipped "
              + summary.skipped().size()
              + " entries hoist cannot create (device nodes, FIFOs): "
              + String.join(", ", summary.skipped()));
      err.flush();
    }
    return ExitCodes.OK;
  }
}
