package dev.hoist.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hoist.images.ImageException;
import dev.hoist.images.LocalImages;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code hoist images}: the local images, as {@code docker images} lists them. */
@Command(
    name = "images",
    mixinStandardHelpOptions = true,
    description = {
      "List the images in the local store: REPOSITORY TAG IMAGE ID CREATED SIZE.",
      "IMAGE ID is the config digest's first 12 hex digits; SIZE the uncompressed size of the"
          + " layers, in Docker's decimal units."
    })
final class ImagesCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @ParentCommand HoistCommand parent;

  @Option(names = "--root", paramLabel = "DIR", description = "The local image store.")
  Path root;

  @Option(names = "--digests", description = "Show the repo digests.")
  boolean digests;

  @Option(
      names = {"-q", "--quiet"},
      description = "Only image IDs.")
  boolean quiet;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description = {
        "'table' (the default), 'json' (one JSON object per line, as 'docker images --format"
            + " json'), or a Go template as Docker's: '{{.ID}}: {{.Repository}}', 'table"
            + " {{.ID}}\\t{{.Repository}}\\t{{.Tag}}' (a header and aligned columns), '{{json"
            + " .}}'. Fields: ID, Repository, Tag, Digest, CreatedSince, CreatedAt, Size,"
            + " VirtualSize, SharedSize, UniqueSize, Containers."
      })
  String format;

  @Option(
      names = {"-f", "--filter"},
      paramLabel = "KEY=VALUE",
      description = {
        "Only the rows that pass (repeatable): reference=PATTERN (a glob over REPOSITORY:TAG or"
            + " REPOSITORY, '*' not crossing '/'; several are alternatives), dangling=true|false"
            + " (images without a tag), before=IMAGE, since=IMAGE (created before or after it)."
      })
  List<String> filters = List.of();

  @Option(names = "--no-trunc", description = "Full image IDs (sha256:...).")
  boolean noTrunc;

  @Parameters(arity = "0..1", paramLabel = "REPOSITORY[:TAG]", description = "Only these.")
  String filter;

  @Override
  public Integer call() throws IOException, ImageException {
    OutputFormat output = OutputFormat.parse(format);
    PrintWriter out = spec.commandLine().getOut();
    LocalImages images = new LocalImages(parent.openStore(root));
    Instant now = Instant.now();
    ImageFilter only = ImageFilter.parse(filters);
    Map<String, LocalImages.Image> byId = new HashMap<>();
    for (LocalImages.Image i : images.all()) {
      byId.put(i.id().encoded().substring(0, 12), i);
    }
    ImageFilter.Bounds bounds =
        new ImageFilter.Bounds(
            bound(images, only.before(), true), bound(images, only.since(), false));
    List<LocalImages.Row> rows = new ArrayList<>();
    for (LocalImages.Row r : images.rows(filter, now)) {
      LocalImages.Image i = byId.get(r.id());
      if (only.keeps(r.repository(), r.tag(), !i.repoTags().isEmpty(), i.created(), bounds)) {
        rows.add(r);
      }
    }
    if (quiet) {
      Set<String> ids = new LinkedHashSet<>();
      rows.forEach(r -> ids.add(shown(r, byId)));
      ids.forEach(out::println);
      out.flush();
      return ExitCodes.OK;
    }
    if (!(output instanceof OutputFormat.Default)) {
      List<ObjectNode> objects = new ArrayList<>();
      for (LocalImages.Row r : rows) {
        ObjectNode o = LocalImages.rowJson(r, byId.get(r.id()));
        o.put("ID", shown(r, byId));
        objects.add(o);
      }
      out.print(ImageListFormat.render(output, objects));
      out.flush();
      return ExitCodes.OK;
    }
    List<List<String>> table = new ArrayList<>();
    table.add(
        digests
            ? List.of("REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE")
            : List.of("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"));
    for (LocalImages.Row r : rows) {
      table.add(
          digests
              ? List.of(r.repository(), r.tag(), r.digest(), shown(r, byId), r.created(), r.size())
              : List.of(r.repository(), r.tag(), shown(r, byId), r.created(), r.size()));
    }
    Table.print(out, table);
    out.flush();
    return ExitCodes.OK;
  }

  /** The row's image ID as printed: 12 hex digits, or with --no-trunc the whole digest. */
  private String shown(LocalImages.Row r, Map<String, LocalImages.Image> byId) {
    return noTrunc ? byId.get(r.id()).id().toString() : r.id();
  }

  /**
   * The bound {@code before=} ({@code earliest}: the earliest of the named images' times) or {@code
   * since=} (the latest) sets; null when none is named.
   */
  private static Instant bound(LocalImages images, List<String> names, boolean earliest)
      throws IOException, ImageException {
    Instant bound = null;
    for (String name : names) {
      Instant t = images.find(name).created();
      if (t == null) {
        throw new ImageException(
            ImageException.Kind.USAGE, name + " has no creation time to compare with");
      }
      if (bound == null || (earliest ? t.isBefore(bound) : t.isAfter(bound))) {
        bound = t;
      }
    }
    return bound;
  }
}
