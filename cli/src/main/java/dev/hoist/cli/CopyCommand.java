package dev.hoist.cli;

import dev.hoist.client.RegistryException;
import dev.hoist.client.copy.ImageCopier;
import dev.hoist.client.copy.ImageDestination;
import dev.hoist.client.copy.ImageSource;
import dev.hoist.client.copy.ReferrersTag;
import dev.hoist.client.copy.RegistryDestination;
import dev.hoist.client.copy.RegistrySource;
import dev.hoist.images.ClientConfig;
import dev.hoist.images.ClientEnvironment;
import dev.hoist.images.DockerConfig;
import dev.hoist.images.ImageException;
import dev.hoist.images.ImageStore;
import dev.hoist.images.RegistryAccess;
import dev.hoist.images.StoreCopyEndpoints;
import dev.hoist.oci.ImageReference;
import dev.hoist.oci.Platform;
import dev.hoist.oci.Tag;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
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
 * {@code hoist copy}: between registries and the local image store, with the engine sync uses
 * ({@code dev.hoist.client.copy}): only what the destination lacks is sent, every digest is
 * checked, the tag is put last, and referrers (signatures, attestations) follow their image. A name
 * with the prefix {@code local:} is the local image store ({@code local:alpine:3} is {@code
 * docker.io/library/alpine:3} as {@code hoist pull} stored it); the store, through {@link
 * StoreCopyEndpoints}, keeps no referrers.
 */
@Command(
    name = "copy",
    mixinStandardHelpOptions = true,
    description = {
      "Copy an image, or with --all every tag of a repository, between registries and the local"
          + " image store.",
      "Prefix a name with '"
          + CopyCommand.LOCAL
          + "' for the local image store, e.g."
          + " 'hoist copy local:docker.io/library/alpine:3 localhost:5000/base/alpine:3' or"
          + " 'hoist copy ghcr.io/o/app:1 local:ghcr.io/o/app:1'.",
      "Only blobs and manifests the destination lacks are sent; referrers (signatures, SBOMs) of"
          + " the image are copied with it between registries (by the referrers API, else the"
          + " sha256-<hex> referrers tag). Credentials come from Docker's config.json (see 'hoist"
          + " login')."
    })
final class CopyCommand implements Callable<Integer> {
  /** The prefix that names the local image store instead of a registry. */
  static final String LOCAL = "local:";

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
              + " as is, so its other platforms are absent at the destination; not into the local"
              + " store, which names complete images only). Default: all.")
  List<String> platforms = new ArrayList<>();

  @Option(
      names = "--insecure-registry",
      paramLabel = "HOST[:PORT]",
      description =
          "Allow plain HTTP or unverified TLS for this registry (repeatable); loopback"
              + " registries always are.")
  List<String> insecureRegistries = new ArrayList<>();

  @Option(names = "--root", paramLabel = "DIR", description = "The local image store.")
  Path root;

  @Parameters(
      index = "0",
      paramLabel = "SRC",
      description = "e.g. ubuntu:22.04, ghcr.io/o/app, local:docker.io/library/ubuntu:22.04")
  String source;

  @Parameters(
      index = "1",
      paramLabel = "DST",
      description = "e.g. localhost:5000/base/ubuntu, local:ghcr.io/o/app:1")
  String destination;

  /** What a SRC or DST argument names: the local store or a registry, and the image reference. */
  record Endpoint(boolean local, ImageReference reference) {
    static Endpoint parse(String text) {
      boolean local = text.startsWith(LOCAL);
      return new Endpoint(
          local,
          ImageReference.parseWithoutDefaultTag(local ? text.substring(LOCAL.length()) : text));
    }

    String describe(ImageReference r) {
      return (local ? LOCAL : "") + r.familiar();
    }
  }

  @Override
  public Integer call() throws ImageException {
    Endpoint srcEnd = Endpoint.parse(source);
    Endpoint dstEnd = Endpoint.parse(destination);
    ImageReference src = srcEnd.reference();
    ImageReference dst = dstEnd.reference();
    List<Platform> wanted = new ArrayList<>();
    for (String p : platforms) {
      wanted.add(Platform.parse(p));
    }
    if (all && (src.tag() != null || src.digest() != null || dst.tag() != null)) {
      throw new ImageException(
          ImageException.Kind.USAGE, "with --all, name repositories only (no tag or digest)");
    }
    if (srcEnd.local() && dstEnd.local()) {
      throw new ImageException(
          ImageException.Kind.USAGE, "both names are in the local store: use 'hoist tag'");
    }
    ClientEnvironment env = parent.environment();
    ClientConfig config = ClientConfig.load(env).withInsecure(insecureRegistries);
    PrintWriter out = spec.commandLine().getOut();
    ImageStore store = srcEnd.local() || dstEnd.local() ? parent.openStore(root) : null;
    try (RegistryAccess access = new RegistryAccess(env, config, DockerConfig.load(env));
        StoreCopyEndpoints.Destination local =
            dstEnd.local() ? StoreCopyEndpoints.destination(store, dst.registry()) : null) {
      ImageSource from =
          srcEnd.local()
              ? StoreCopyEndpoints.source(store, src.registry())
              : new RegistrySource(access.origin(src.registry()));
      ImageDestination to =
          local != null ? local : new RegistryDestination(access.origin(dst.registry()));
      ImageCopier copier = new ImageCopier(from, to);
      if (all) {
        int copied = 0;
        for (String tag : from.tags(src.repository())) {
          if (ReferrersTag.matches(tag)) {
            continue; // copied with the image it lists the referrers of
          }
          report(
              out,
              copier,
              srcEnd,
              src.withTag(Tag.of(tag)),
              dstEnd,
              dst.withTag(Tag.of(tag)),
              wanted);
          copied++;
        }
        out.println(copied + " tags of " + srcEnd.describe(src) + " in " + dstEnd.describe(dst));
      } else {
        ImageReference s = src.tag() == null && src.digest() == null ? src.withDefaultTag() : src;
        ImageReference d = dst;
        if (d.tag() == null && d.digest() == null && s.tag() != null) {
          d = d.withTag(s.tag());
        }
        Optional<ImageCopier.Result> result = report(out, copier, srcEnd, s, dstEnd, d, wanted);
        if (result.isEmpty()) {
          throw new ImageException(
              ImageException.Kind.NOT_FOUND, srcEnd.describe(s) + ": not found");
        }
        if (local != null && d.tag() == null) {
          // Copied by digest: name it by digest, or the store's garbage collection takes it.
          local.nameByDigest(d.repository(), result.get().digest());
        }
      }
      out.flush();
      return ExitCodes.OK;
    } catch (RegistryException e) {
      spec.commandLine().getErr().println("Error: " + e.getMessage());
      return ExitCodes.forRegistry(e);
    } catch (IOException e) {
      throw new ImageException(
          srcEnd.local() || dstEnd.local()
              ? ImageException.Kind.OTHER
              : ImageException.Kind.NETWORK,
          e.getMessage(),
          e);
    }
  }

  private static Optional<ImageCopier.Result> report(
      PrintWriter out,
      ImageCopier copier,
      Endpoint srcEnd,
      ImageReference src,
      Endpoint dstEnd,
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
                    + srcEnd.describe(src)
                    + " -> "
                    + dstEnd.describe(dst)
                    + " ("
                    + r.digest()
                    + (r.copied() ? ", " + r.bytes() + " bytes" : "")
                    + (r.referrers() > 0 ? ", " + r.referrers() + " referrers" : "")
                    + ")"));
    return result;
  }
}
