package dev.hoist.cli;

import dev.hoist.images.ClientConfig;
import dev.hoist.images.ClientEnvironment;
import dev.hoist.images.DockerConfig;
import dev.hoist.images.ImageException;
import dev.hoist.images.ImageStore;
import dev.hoist.images.Progress;
import dev.hoist.images.Pusher;
import dev.hoist.images.RegistryAccess;
import dev.hoist.oci.ImageReference;
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

/** {@code hoist push}: a local image to the registry its name points at. */
@Command(
    name = "push",
    mixinStandardHelpOptions = true,
    description = {
      "Push an image (or a multi-platform index with every image in it) from the local store to"
          + " its registry, as 'docker push' does.",
      "Blobs the repository has are skipped; blobs the store knows in another repository of the"
          + " same registry are mounted from there; large blobs are sent in chunks.",
      "Credentials come from Docker's config.json (see 'hoist login')."
    })
final class PushCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @ParentCommand HoistCommand parent;

  @Option(names = "--root", paramLabel = "DIR", description = "The local image store.")
  Path root;

  @Option(
      names = {"-a", "--all-tags"},
      description = "Push every tag of the repository that the store has.")
  boolean allTags;

  @Option(
      names = "--insecure-registry",
      paramLabel = "HOST[:PORT]",
      description =
          "Allow plain HTTP or unverified TLS for this registry (repeatable); loopback"
              + " registries always are.")
  List<String> insecureRegistries = new ArrayList<>();

  @Option(
      names = {"-q", "--quiet"},
      description = "Print only the pushed names.")
  boolean quiet;

  @Option(
      names = "--concurrency",
      paramLabel = "N",
      defaultValue = "3",
      description = "Layers uploaded at once (default ${DEFAULT-VALUE}).")
  int concurrency;

  @Parameters(
      paramLabel = "NAME",
      description = "The image, e.g. localhost:5000/team/app:1.0 or registry.example/app")
  String name;

  @Override
  public Integer call() throws ImageException, IOException {
    if (concurrency < 1) {
      throw new ParameterException(spec.commandLine(), "--concurrency must be at least 1");
    }
    ImageReference given = ImageReference.parseWithoutDefaultTag(name);
    PrintWriter out = spec.commandLine().getOut();
    ImageStore store = parent.openStore(root);
    List<ImageReference> refs = new ArrayList<>();
    if (allTags) {
      if (given.tag() != null || given.digest() != null) {
        throw new ParameterException(
            spec.commandLine(), "--all-tags takes a repository name without a tag or digest");
      }
      for (ImageStore.Entry e : store.list()) {
        ImageReference r = e.reference();
        if (r != null && r.tag() != null && r.canonicalName().equals(given.canonicalName())) {
          refs.add(r);
        }
      }
      if (refs.isEmpty()) {
        throw new ImageException(
            ImageException.Kind.NOT_FOUND,
            "An image does not exist locally with the name: " + given.familiarName());
      }
    } else {
      if (!quiet && given.tag() == null && given.digest() == null) {
        out.println("Using default tag: latest");
        out.flush();
      }
      refs.add(given.withDefaultTag());
    }
    ClientEnvironment env = parent.environment();
    ClientConfig config = ClientConfig.load(env).withInsecure(insecureRegistries);
    DockerConfig docker = DockerConfig.load(env);
    try (RegistryAccess access = new RegistryAccess(env, config, docker)) {
      Progress progress = new Progress(out, env.terminal(), quiet);
      Pusher pusher = new Pusher(store, access, progress, concurrency);
      for (ImageReference ref : refs) {
        Pusher.Result result = pusher.push(ref);
        if (quiet) {
          out.println(ref.canonical());
        } else {
          out.println(
              ref.manifestReference() + ": digest: " + result.digest() + " size: " + result.size());
        }
        out.flush();
      }
    }
    return ExitCodes.OK;
  }
}
