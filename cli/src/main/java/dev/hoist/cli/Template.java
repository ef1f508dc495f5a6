package dev.hoist.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A parsed Go {@code text/template}, the subset {@code docker images --format} and {@code docker
 * inspect -f} are used with: text, fields ({@code {{.}}}, {@code {{.ID}}}, {@code
 * {{.Config.Env}}}), {@code {{json .X}}}, {@code {{join .X ", "}}}, {@code {{println}}}, {@code
 * {{range .X}}...{{end}}} and the {@code {{-}}}/{@code -}}} space trimming. Anything else is
 * refused when the template is parsed, naming the part and its position, so nothing is printed for
 * a template that cannot run.
 *
 * <p>Values are rendered as Go's {@code fmt} prints them: strings bare, lists {@code [a b]}, maps
 * {@code map[k:v]} in key order; {@code json} as Docker's (compact, HTML not escaped).
 */
record Template(List<Node> nodes) {
  Template {
    nodes = List.copyOf(nodes);
  }

  /** One piece of a template. */
  sealed interface Node {}

  record Text(String text) implements Node {}

  /** {@code {{.A.B}}}: the field path from dot; an empty path is dot itself. */
  record Field(List<String> path, int position) implements Node {
    Field {
      path = List.copyOf(path);
    }
  }

  record Json(Field arg) implements Node {}

  record Join(Field arg, String separator) implements Node {}

  /** {@code {{println .A .B}}}: the values separated by spaces, then a newline. */
  record Println(List<Field> args) implements Node {
    Println {
      args = List.copyOf(args);
    }
  }

  record Range(Field over, List<Node> body) implements Node {
    Range {
      body = List.copyOf(body);
    }
  }

  /**
   * Parses a template whose first character is at {@code offset} (1-based) in what the user typed,
   * so that errors name positions the user can count.
   */
  static Template parse(String source, int offset) {
    return new TemplateParser(source, offset).parse();
  }

  static Template parse(String source) {
    return parse(source, 1);
  }

  /**
   * Renders the template with {@code dot} as {@code .}; a top-level field {@code fields} does not
   * know is an error ({@link TemplateException}), a missing field below the top is empty (Docker's
   * zero value).
   */
  String render(JsonNode dot, Fields fields) {
    StringBuilder out = new StringBuilder();
    render(nodes, dot, true, fields, out);
    return out.toString();
  }

  /** Which top-level fields exist: what Docker calls the object, and what Hoist leaves out. */
  record Fields(String what, Map<String, String> lacking, List<String> optional) {
    Fields {
      lacking = Map.copyOf(lacking);
      optional = List.copyOf(optional);
    }
  }

  private static void render(
      List<Node> nodes, JsonNode dot, boolean top, Fields fields, StringBuilder out) {
    for (Node n : nodes) {
      switch (n) {
        case Text t -> out.append(t.text());
        case Field f -> out.append(goString(value(f, dot, top, fields)));
        case Json j -> {
          JsonNode v = value(j.arg(), dot, top, fields);
          out.append(v.isMissingNode() ? "null" : v.toString());
        }
        case Join j -> {
          JsonNode v = value(j.arg(), dot, top, fields);
          List<String> parts = new ArrayList<>();
          elements(v, j.arg()).forEach(e -> parts.add(goString(e)));
          out.append(String.join(j.separator(), parts));
        }
        case Println p -> {
          List<String> parts = new ArrayList<>();
          p.args().forEach(a -> parts.add(goString(value(a, dot, top, fields))));
          out.append(String.join(" ", parts)).append('\n');
        }
        case Range r -> {
          for (JsonNode e : elements(value(r.over(), dot, top, fields), r.over())) {
            render(r.body(), e, false, fields, out);
          }
        }
      }
    }
  }

  /** The field's value; {@code top}: dot is the whole object, not an element of a range. */
  private static JsonNode value(Field f, JsonNode dot, boolean top, Fields fields) {
    JsonNode v = dot;
    for (int i = 0; i < f.path().size(); i++) {
      String name = f.path().get(i);
      if (!v.isObject() && !v.isMissingNode() && !v.isNull()) {
        throw new TemplateException(
            "field ." + name + " at position " + f.position() + ": " + goString(v) + " has none");
      }
      JsonNode next = v.path(name);
      if (next.isMissingNode() && top && i == 0) {
        if (fields.optional().contains(name)) {
          next = MissingNode.getInstance();
        } else if (fields.lacking().containsKey(name)) {
          throw new TemplateException(
              "field ."
                  + name
                  + " at position "
                  + f.position()
                  + ": Docker's "
                  + fields.what()
                  + " has it, Hoist does not ("
                  + fields.lacking().get(name)
                  + ")");
        } else {
          throw new TemplateException(
              "no field ."
                  + name
                  + " (position "
                  + f.position()
                  + ") in "
                  + fields.what()
                  + "; it has "
                  + String.join(", ", fieldNames(dot)));
        }
      }
      v = next;
    }
    return v;
  }

  private static List<String> fieldNames(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static List<JsonNode> elements(JsonNode v, Field from) {
    if (v.isMissingNode() || v.isNull()) {
      return List.of();
    }
    if (v.isArray()) {
      List<JsonNode> all = new ArrayList<>();
      v.elements().forEachRemaining(all::add);
      return all;
    }
    if (v.isObject()) {
      return List.copyOf(sorted(v).values()); // Go ranges over a map in key order
    }
    throw new TemplateException(
        "position " + from.position() + ": cannot range over " + goString(v) + ", not a list");
  }

  private static Map<String, JsonNode> sorted(JsonNode object) {
    Map<String, JsonNode> m = new TreeMap<>();
    object.properties().forEach(e -> m.put(e.getKey(), e.getValue()));
    return m;
  }

  /** A value as Go's {@code fmt.Sprint} prints it. */
  static String goString(JsonNode v) {
    if (v.isMissingNode()) {
      return "";
    }
    if (v.isNull()) {
      return "<nil>";
    }
    if (v.isTextual()) {
      return v.asText();
    }
    if (v.isArray()) {
      List<String> parts = new ArrayList<>();
      v.elements().forEachRemaining(e -> parts.add(goString(e)));
      return "[" + String.join(" ", parts) + "]";
    }
    if (v.isObject()) {
      List<String> parts = new ArrayList<>();
      sorted(v).forEach((k, e) -> parts.add(k + ":" + goString(e)));
      return "map[" + String.join(" ", parts) + "]";
    }
    return v.asText();
  }
}
