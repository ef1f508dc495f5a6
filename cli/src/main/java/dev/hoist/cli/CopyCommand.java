package dev.hoist.cli;

import dev.hoist.client.RegistryClient;
import dev.hoist.client.RegistryException;
import dev.hoist.client.copy.ImageCopier;
import dev.hoist.client.copy.RegistryDestination;
import dev.hoist.client.copy.RegistrySource;
import dev.hoist.images.ClientConfig;
import dev.hoist.images.ClientEnvironment;
import dev.hoist.images.DockerConfig;
import dev.hoist.images.ImageException;
import dev.hoist.images.RegistryAccess;
import dev.hoist.oci.ImageReference;
import dev.hoist.oci.Platform;
import dev.hoist.oci.Tag;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code hoist copy}: registry to registry, with the engine sync uses ({@code
 * dev.hoist.client.copy}): only what the destination lacks is sent, every digest is checked, and
 * the tag is put last. Registries only; the local image store is not a source or destination yet.
 */
@Command(
    name = "copy",
    mixinStandardHelpOptions = true,
    description = {
      "Copy an image, or with --all every tag of a repository, from one registry to another.",
      "Only blobs and manifests the destination lacks are sent. Credentials come from Docker's"
          + " config.json (see 'hoist login')."
    })
final class CopyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @ParentCommand HoistCommand parent;

  @Option(
      names = "--all",
      description = "Copy every tag of SRC's repository to DST's repository (no tag on either).")
  boolean all;

  @Option(
      names = "--platform",
      paramLabel = "OS/ARCH[/VARIANT]",
      description =
          "Copy only these platforms' images of an index (repeatable; the index itself is copied"
              + " as is, so its other platforms are absent at the destination). Default: all.")
  List<String> platforms = new ArrayList<>();

  @Option(
      names = "--insecure-registry",
      paramLabel = "HOST[:PORT]",
      description =
          "Allow plain HTTP or unverified TLS for this registry (repeatable); loopback"
              + " registries always are.")
  List<String> insecureRegistries = new ArrayList<>();

  @Parameters(index = "0", paramLabel = "SRC", description = "e.g. ubuntu:22.04, ghcr.io/o/app")
  String source;

  @Parameters(index = "1", paramLabel = "DST", description = "e.g. localhost:5000/base/ubuntu")
  String destination;

  @Override
  public Integer call() throws ImageException {
    ImageReference src = ImageReference.parseWithoutDefaultTag(source);
    ImageReference dst = ImageReference.parseWithoutDefaultTag(destination);
    List<Platform> wanted = new ArrayList<>();
    for (String p : platforms) {
      wanted.add(Platform.parse(p));
    }
    if (all && (src.tag() != null || src.digest() != null || dst.tag() != null)) {
      throw new ImageException(
          ImageException.Kind.USAGE, "with --all, name repositories only (no tag or digest)");
    }
    ClientEnvironment env = parent.environment();
    ClientConfig config = ClientConfig.load(env).withInsecure(insecureRegistries);
    PrintWriter out = spec.commandLine().getOut();
    try (RegistryAccess access = new RegistryAccess(env, config, DockerConfig.load(env))) {
      RegistryClient from = access.origin(src.registry());
      RegistryClient to = access.origin(dst.registry());
      ImageCopier copier = new ImageCopier(new RegistrySource(from), new RegistryDestination(to));
      if (all) {
        int copied = 0;
        for (String tag : from.tags(src.repository())) {
          report(out, copier, src.withTag(Tag.of(tag)), dst.withTag(Tag.of(tag)), wanted);
          copied++;
        }
        out.println(copied + " tags of " + src.familiarName() + " in " + dst.familiarName());
      } else {
        ImageReference s = src.tag() == null && src.digest() == null ? src.withDefaultTag() : src;
        ImageReference d = dst;
        if (d.tag() == null && d.digest() == null && s.tag() != null) {
          d = d.withTag(s.tag());
        }
        if (report(out, copier, s, d, wanted).isEmpty()) {
          throw new ImageException(ImageException.Kind.NOT_FOUND, s.familiar() + ": not found");
        }
      }
      out.flush();
      return ExitCodes.OK;
    } catch (RegistryException e) {
      spec.commandLine().getErr().println("Error: " + e.getMessage());
      return ExitCodes.forRegistry(e);
    } catch (IOException e) {
      throw new ImageException(ImageException.Kind.NETWORK, e.getMessage(), e);
    }
  }

  private static Optional<ImageCopier.Result> report(
      PrintWriter out,
      ImageCopier copier,
      ImageReference src,
      ImageReference dst,
      List<Platform> platforms)
      throws IOException, RegistryException {
    Optional<ImageCopier.Result> result =
        copier.copy(
            src.repository(), src.manifestReference(), dst.repository(), dst.tag(), platforms);
    result.ifPresent(
        r ->
            out.println(
                (r.copied() ? "Copied " : "Up to date ")
                    + src.familiar()
                    + " -> "
                    + dst.familiar()
                    + " ("
                    + r.digest()
                    + (r.copied() ? ", " + r.bytes() + " bytes" : "")
                    + ")"));
    return result;
  }
}
