package dev.hoist.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** {@code hoist images --format}: rows as Docker's {@code images} command formats them. */
final class ImageListFormat {
  private ImageListFormat() {}

  /** Docker's column titles for its field names (the header of {@code table} templates). */
  static final Map<String, String> HEADERS =
      Map.ofEntries(
          Map.entry("Containers", "CONTAINERS"),
          Map.entry("CreatedAt", "CREATED AT"),
          Map.entry("CreatedSince", "CREATED"),
          Map.entry("Digest", "DIGEST"),
          Map.entry("ID", "IMAGE ID"),
          Map.entry("Repository", "REPOSITORY"),
          Map.entry("SharedSize", "SHARED SIZE"),
          Map.entry("Size", "SIZE"),
          Map.entry("Tag", "TAG"),
          Map.entry("UniqueSize", "UNIQUE SIZE"),
          Map.entry("VirtualSize", "VIRTUAL SIZE"));

  static final Template.Fields FIELDS = new Template.Fields("image list row", Map.of(), List.of());

  /** The rows (one {@code docker images --format json} object each) as {@code format} asks. */
  static String render(OutputFormat format, List<ObjectNode> rows) {
    StringBuilder out = new StringBuilder();
    switch (format) {
      case OutputFormat.Json j -> rows.forEach(r -> out.append(r).append('\n'));
      case OutputFormat.Custom c -> {
        if (c.table()) {
          ObjectNode header = JsonNodeFactory.instance.objectNode();
          HEADERS.forEach(header::put);
          out.append(c.template().render(header, FIELDS)).append('\n');
        }
        for (ObjectNode r : rows) {
          out.append(c.template().render(r, FIELDS)).append('\n');
        }
        if (c.table()) {
          return aligned(out.toString());
        }
      }
      case OutputFormat.Default d -> throw new IllegalStateException("the table is not a template");
    }
    return out.toString();
  }

  /** Lines whose cells are separated by tabs, aligned as Docker's {@code tabwriter} does. */
  private static String aligned(String text) {
    List<List<String>> table = new ArrayList<>();
    String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    for (String line : body.split("\n", -1)) {
      table.add(Arrays.asList(line.split("\t", -1)));
    }
    return Table.format(table);
  }
}
