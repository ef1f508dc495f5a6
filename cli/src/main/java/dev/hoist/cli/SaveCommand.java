package dev.hoist.cli;

import dev.hoist.images.DockerArchiveWriter;
import dev.hoist.images.ImageException;
import dev.hoist.images.ImageStore;
import dev.hoist.oci.Platform;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hoist save}: local images into a docker-archive. */
@Command(
    name = "save",
    mixinStandardHelpOptions = true,
    description = {
      "Save local images to a tar archive in the format 'docker save' writes (a docker-archive),"
          + " which 'docker load', 'hoist load' and 'skopeo copy docker-archive:FILE ...' read.",
      "Layers are stored uncompressed (gzip layers are decompressed; zstd layers cannot be"
          + " saved). Several images go into one archive."
    })
final class SaveCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @ParentCommand HoistCommand parent;

  @Option(names = "--root", paramLabel = "DIR", description = "The local image store.")
  Path root;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description =
          "The archive to write (replaced when it exists); without it, or with '-', standard"
              + " output, which must not be a terminal.")
  String output;

  @Option(
      names = "--platform",
      paramLabel = "OS/ARCH[/VARIANT]",
      description = "The platform to take from a multi-platform image (default: this machine's).")
  String platform;

  @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Names or image IDs.")
  List<String> images;

  @Override
  public Integer call() throws ImageException, IOException {
    Platform wanted = platform == null ? Platform.current() : Platform.parse(platform);
    boolean toStdout = output == null || output.equals("-");
    if (toStdout && parent.environment().terminal()) {
      // Docker's words: a tar on a terminal is noise, and can upset it
      throw new ParameterException(
          spec.commandLine(),
          "cowardly refusing to save to a terminal. Use the -o flag or redirect");
    }
    ImageStore store = parent.openStore(root);
    DockerArchiveWriter writer = new DockerArchiveWriter(store, wanted);
    if (toStdout) {
      writer.save(images, parent.stdout());
    } else {
      writer.save(images, Path.of(output));
    }
    return ExitCodes.OK;
  }
}
