package dev.hoist.cli;

import dev.hoist.images.ImageException;
import dev.hoist.images.ImageStore;
import dev.hoist.images.LocalImages;
import dev.hoist.oci.Descriptor;
import dev.hoist.oci.ImageReference;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code hoist tag SRC DST}: another name for a local image. */
@Command(
    name = "tag",
    mixinStandardHelpOptions = true,
    description = "Give a local image another name, as 'docker tag' does.")
final class TagCommand implements Callable<Integer> {
  @ParentCommand HoistCommand parent;

  @Option(names = "--root", paramLabel = "DIR", description = "The local image store.")
  Path root;

  @Parameters(index = "0", paramLabel = "SOURCE", description = "A name or image ID.")
  String source;

  @Parameters(index = "1", paramLabel = "TARGET", description = "The new name[:tag].")
  String target;

  @Override
  public Integer call() throws IOException, ImageException {
    ImageReference dst = ImageReference.parse(target);
    ImageStore store = parent.openStore(root);
    LocalImages.Image image = new LocalImages(store).find(source);
    tag(store, image, dst);
    return ExitCodes.OK;
  }

  /**
   * Names the image {@code dst}: keeps its size, and its repo digest only within the same
   * repository (a repo digest belongs to a repository).
   */
  static void tag(ImageStore store, LocalImages.Image image, ImageReference dst)
      throws IOException {
    Descriptor d = image.descriptor();
    Map<String, String> annotations = new LinkedHashMap<>();
    for (ImageStore.Entry e : image.names()) {
      e.descriptor()
          .annotations()
          .forEach(
              (k, v) -> {
                boolean sameRepository =
                    e.reference() != null
                        && e.reference().canonicalName().equals(dst.canonicalName());
                if (!k.equals(ImageStore.REPO_DIGEST) || sameRepository) {
                  annotations.putIfAbsent(k, v);
                }
              });
    }
    annotations.remove(ImageStore.REF_NAME);
    annotations.put(ImageStore.TAGGED_AT, Instant.now().toString());
    store.tag(
        dst,
        new Descriptor(
            d.mediaType(),
            d.digest(),
            d.size(),
            d.artifactType(),
            d.platform(),
            annotations,
            d.urls()));
  }
}
