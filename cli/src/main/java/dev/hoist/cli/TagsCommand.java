package dev.hoist.cli;

import dev.hoist.images.ClientConfig;
import dev.hoist.images.ClientEnvironment;
import dev.hoist.images.DockerConfig;
import dev.hoist.images.ImageException;
import dev.hoist.images.RegistryAccess;
import dev.hoist.images.RemoteTags;
import dev.hoist.oci.ImageReference;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hoist tags}: the tags of a remote repository. */
@Command(
    name = "tags",
    mixinStandardHelpOptions = true,
    description = {
      "List the tags of a repository in its registry, one per line, in the registry's order.",
      "Credentials come from Docker's config.json (see 'hoist login')."
    })
final class TagsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @ParentCommand HoistCommand parent;

  @Option(
      names = "--insecure-registry",
      paramLabel = "HOST[:PORT]",
      description =
          "Allow plain HTTP or unverified TLS for this registry (repeatable); loopback"
              + " registries always are.")
  List<String> insecureRegistries = new ArrayList<>();

  @Parameters(
      paramLabel = "NAME",
      description = "The repository, e.g. ubuntu or ghcr.io/org/app (a tag, if given, is ignored).")
  String name;

  @Override
  public Integer call() throws ImageException {
    ImageReference ref = ImageReference.parseWithoutDefaultTag(name);
    ClientEnvironment env = parent.environment();
    ClientConfig config = ClientConfig.load(env).withInsecure(insecureRegistries);
    try (RegistryAccess access = new RegistryAccess(env, config, DockerConfig.load(env))) {
      List<String> tags = new RemoteTags(access).list(ref);
      PrintWriter out = spec.commandLine().getOut();
      tags.forEach(out::println);
      out.flush();
    }
    return ExitCodes.OK;
  }
}
