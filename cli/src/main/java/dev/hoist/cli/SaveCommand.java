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
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

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
  @ParentCommand HoistCommand parent;

  @Option(names = "--root", paramLabel = "DIR", description = "The local image store.")
  Path root;

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "FILE",
      description = "The archive to write (replaced when it exists).")
  Path output;

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
    ImageStore store = parent.openStore(root);
    new DockerArchiveWriter(store, wanted).save(images, output);
    return ExitCodes.OK;
  }
}
