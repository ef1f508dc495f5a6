package dev.hoist.cli;

import dev.hoist.images.ArchiveLoader;
import dev.hoist.images.ImageException;
import dev.hoist.images.ImageStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hoist load}: images from a docker-archive or an OCI archive into the local store. */
@Command(
    name = "load",
    mixinStandardHelpOptions = true,
    description = {
      "Load images into the local store from a tar archive: a docker-archive ('docker save',"
          + " 'hoist save', skopeo's docker-archive:) or an OCI archive (a tar of an OCI image"
          + " layout, skopeo's oci-archive:), plain or gzip-compressed.",
      "Every digest is checked. An image the archive does not name is kept untagged."
    })
final class LoadCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @ParentCommand HoistCommand parent;

  @Option(names = "--root", paramLabel = "DIR", description = "The local image store.")
  Path root;

  @Option(
      names = {"-i", "--input"},
      paramLabel = "FILE",
      description = "The archive (default: standard input).")
  Path input;

  @Option(
      names = {"-q", "--quiet"},
      description = "Print nothing.")
  boolean quiet;

  @Override
  public Integer call() throws ImageException, IOException {
    ImageStore store = parent.openStore(root);
    ArchiveLoader loader = new ArchiveLoader(store);
    List<ArchiveLoader.Loaded> loaded =
        input != null ? loader.load(input) : loader.load(parent.environment().stdin());
    PrintWriter out = spec.commandLine().getOut();
    if (!quiet) {
      for (ArchiveLoader.Loaded l : loaded) {
        out.println(
            l.name() != null
                ? "Loaded image: " + l.name().familiar()
                : "Loaded image ID: " + l.id());
      }
    }
    out.flush();
    return ExitCodes.OK;
  }
}
