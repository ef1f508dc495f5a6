package dev.hoist.cli;

import dev.hoist.images.ClientConfig;
import dev.hoist.images.ClientEnvironment;
import dev.hoist.images.DockerConfig;
import dev.hoist.images.ImageException;
import dev.hoist.images.ImageStore;
import dev.hoist.images.Progress;
import dev.hoist.images.Puller;
import dev.hoist.images.RegistryAccess;
import dev.hoist.oci.ImageReference;
import dev.hoist.oci.Platform;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hoist pull}: an image into the local store, from mirrors first, then its registry. */
@Command(
    name = "pull",
    mixinStandardHelpOptions = true,
    description = {
      "Pull an image into the local image store, as 'docker pull' does: each mirror in order,"
          + " then the image's own registry.",
      "Mirrors: --mirror, then 'mirrors' in Hoist's client.json ($HOIST_CONFIG,"
          + " ~/.config/hoist/client.json), then 'registry-mirrors' of /etc/docker/daemon.json"
          + " (docker.io only).",
      "Credentials for the registry come from Docker's config.json (see 'hoist login');"
          + " a mirror never receives them."
    })
final class PullCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @ParentCommand HoistCommand parent;

  @Option(names = "--root", paramLabel = "DIR", description = "The local image store.")
  Path root;

  @Option(
      names = "--platform",
      paramLabel = "OS/ARCH[/VARIANT]",
      description = "The platform to take from a multi-platform image (default: this machine's).")
  String platform;

  @Option(
      names = "--all-platforms",
      description = "Pull every platform of a multi-platform image, and its index.")
  boolean allPlatforms;

  @Option(
      names = "--mirror",
      paramLabel = "URL",
      description = "A mirror of the image's registry to try first (repeatable, in order).")
  List<String> mirrors = new ArrayList<>();

  @Option(
      names = "--insecure-registry",
      paramLabel = "HOST[:PORT]",
      description =
          "Allow plain HTTP or unverified TLS for this registry (repeatable); loopback"
              + " registries always are.")
  List<String> insecureRegistries = new ArrayList<>();

  @Option(
      names = {"-q", "--quiet"},
      description = "Print only the image's canonical name.")
  boolean quiet;

  @Option(
      names = "--concurrency",
      paramLabel = "N",
      defaultValue = "3",
      description = "Layers downloaded at once (default ${DEFAULT-VALUE}).")
  int concurrency;

  @Parameters(
      paramLabel = "NAME",
      description = "The image, e.g. ubuntu, ubuntu:24.04, ghcr.io/o/r@sha256:...")
  String name;

  @Override
  public Integer call() throws ImageException, IOException {
    if (concurrency < 1) {
      throw new ParameterException(spec.commandLine(), "--concurrency must be at least 1");
    }
    if (platform != null && allPlatforms) {
      throw new ParameterException(
          spec.commandLine(), "--platform and --all-platforms cannot be used together");
    }
    Platform wanted = platform == null ? null : Platform.parse(platform);
    ImageReference given = ImageReference.parseWithoutDefaultTag(name);
    PrintWriter out = spec.commandLine().getOut();
    if (!quiet && given.tag() == null && given.digest() == null) {
      out.println("Using default tag: latest");
      out.flush();
    }
    ImageReference ref = given.withDefaultTag();
    ClientEnvironment env = parent.environment();
    ClientConfig config = ClientConfig.load(env).withInsecure(insecureRegistries);
    DockerConfig docker = DockerConfig.load(env);
    ImageStore store = parent.openStore(root);
    try (RegistryAccess access = new RegistryAccess(env, config, docker)) {
      Progress progress = new Progress(out, env.terminal(), quiet);
      Puller.Result result =
          new Puller(store, access, progress, concurrency)
              .pull(ref, new Puller.Options(wanted, allPlatforms, mirrors));
      if (!quiet) {
        out.println("Digest: " + result.repoDigest());
        out.println(
            "Status: "
                + (result.updated() ? "Downloaded newer image for " : "Image is up to date for ")
                + ref.familiar());
      }
      out.println(ref.canonical());
      out.flush();
    }
    return ExitCodes.OK;
  }
}
