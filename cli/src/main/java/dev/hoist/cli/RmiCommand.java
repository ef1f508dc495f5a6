package dev.hoist.cli;

import dev.hoist.images.ImageException;
import dev.hoist.images.ImageStore;
import dev.hoist.images.LocalImages;
import dev.hoist.oci.Digest;
import dev.hoist.oci.ImageReference;
import dev.hoist.oci.InvalidReferenceException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hoist rmi}: removes names, and images no name refers to any more. */
@Command(
    name = "rmi",
    mixinStandardHelpOptions = true,
    description = {
      "Remove images from the local store, as 'docker rmi' does: a name is untagged; an image"
          + " left without names is deleted with every blob nothing else uses.",
      "An image ID removes every name of the image; with names in several repositories only"
          + " with --force."
    })
final class RmiCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @ParentCommand HoistCommand parent;

  @Option(names = "--root", paramLabel = "DIR", description = "The local image store.")
  Path root;

  @Option(
      names = {"-f", "--force"},
      description = "Remove an image by ID even when it has names in several repositories.")
  boolean force;

  @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Names or image IDs.")
  List<String> images;

  @Override
  public Integer call() throws IOException, ImageException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ImageStore store = parent.openStore(root);
    LocalImages local = new LocalImages(store);
    int status = ExitCodes.OK;
    for (String arg : images) {
      try {
        remove(store, local, arg, out);
      } catch (ImageException e) {
        err.println("Error: " + e.getMessage());
        if (status == ExitCodes.OK) {
          status = ExitCodes.forException(e);
        }
      }
      out.flush();
      err.flush();
    }
    return status;
  }

  private void remove(ImageStore store, LocalImages local, String arg, PrintWriter out)
      throws ImageException, IOException {
    LocalImages.Image image = local.find(arg);
    Optional<ImageStore.Entry> byName = Optional.empty();
    try {
      byName = store.resolve(ImageReference.parse(arg));
    } catch (InvalidReferenceException e) {
      // an ID
    }
    if (byName.isPresent() && byName.get().reference() != null) {
      ImageStore.Entry entry = byName.get();
      store.untag(entry.reference());
      out.println("Untagged: " + entry.reference().familiar());
      untaggedRepoDigest(store, entry, out);
    } else {
      Set<String> repositories = new LinkedHashSet<>();
      for (ImageStore.Entry e : image.names()) {
        if (e.reference() != null) {
          repositories.add(e.reference().canonicalName());
        }
      }
      if (repositories.size() > 1 && !force) {
        throw new ImageException(
            ImageException.Kind.OTHER,
            "conflict: unable to delete "
                + image.id().encoded().substring(0, 12)
                + " (must be forced) - image is referenced in multiple repositories");
      }
      for (ImageStore.Entry e : store.remove(image.descriptor().digest())) {
        if (e.reference() != null) {
          out.println("Untagged: " + e.reference().familiar());
          untaggedRepoDigest(store, e, out);
        }
      }
    }
    if (local.imageOf(image.descriptor().digest()) == null) {
      ImageStore.GcResult gc = store.removeUnreferenced();
      for (Digest d : gc.removed()) {
        out.println("Deleted: " + d);
      }
    }
  }

  /** Docker's second Untagged line: the repo digest, once no name of its repository is left. */
  private static void untaggedRepoDigest(ImageStore store, ImageStore.Entry e, PrintWriter out)
      throws IOException {
    Optional<Digest> repoDigest = e.repoDigest();
    if (repoDigest.isEmpty() || e.reference().digest() != null) {
      return;
    }
    String repo = e.reference().canonicalName();
    boolean stillNamed =
        store.list().stream()
            .anyMatch(
                x ->
                    x.reference() != null
                        && x.reference().canonicalName().equals(repo)
                        && x.repoDigest().equals(repoDigest));
    if (!stillNamed) {
      out.println("Untagged: " + e.reference().familiarName() + "@" + repoDigest.get());
    }
  }
}
