package dev.hoist.cli;

import dev.hoist.cli.Template.Field;
import dev.hoist.cli.Template.Node;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Pattern;

/** Turns template text into a {@link Template}, once; see there for the subset it accepts. */
final class TemplateParser {
  static final String SUPPORTED =
      "supported: {{.Field}}, {{.A.B}}, {{.}}, {{json .X}}, {{join .List \", \"}}, {{println}},"
          + " {{range .List}}...{{end}}";
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /** A word of an action, with where it starts in the source (0-based). */
  private record Token(String text, int at, boolean quoted) {}

  /** A {@code {{range}}} being read: what it ranges over, and its body so far. */
  private record Open(Field over, List<Node> body) {}

  private final String source;
  private final int offset;

  TemplateParser(String source, int offset) {
    this.source = source;
    this.offset = offset;
  }

  Template parse() {
    List<Node> top = new ArrayList<>();
    Deque<Open> ranges = new ArrayDeque<>();
    int pos = 0;
    boolean trimNext = false;
    while (true) {
      int open = source.indexOf("{{", pos);
      String text = source.substring(pos, open < 0 ? source.length() : open);
      if (trimNext) {
        text = text.stripLeading();
      }
      int start = open + 2;
      int close = open < 0 ? -1 : source.indexOf("}}", start);
      boolean trimBefore = open >= 0 && source.startsWith("- ", start);
      if (trimBefore) {
        text = text.stripTrailing();
      }
      List<Node> into = ranges.isEmpty() ? top : ranges.peek().body();
      if (!text.isEmpty()) {
        into.add(new Template.Text(text.replace("\\t", "\t").replace("\\n", "\n")));
      }
      if (open < 0) {
        break;
      }
      if (close < 0) {
        throw error("'{{' at position " + position(open) + " is not closed by '}}'");
      }
      int end = close;
      trimNext = close - 2 >= start && source.startsWith(" -", close - 2);
      if (trimNext) {
        end = close - 2;
      }
      List<Token> words = tokens(trimBefore ? start + 2 : start, end);
      pos = close + 2;
      if (words.isEmpty()) {
        throw error("empty action at position " + position(open));
      }
      Token first = words.get(0);
      switch (first.text()) {
        case "range" -> {
          ranges.push(new Open(onlyField(words, first), new ArrayList<>()));
        }
        case "end" -> {
          if (words.size() > 1 || ranges.isEmpty()) {
            throw error("'end' at position " + position(first.at()) + " closes no {{range}}");
          }
          Open r = ranges.pop();
          (ranges.isEmpty() ? top : ranges.peek().body())
              .add(new Template.Range(r.over(), r.body()));
        }
        case "json" -> into.add(new Template.Json(onlyField(words, first)));
        case "join" -> {
          if (words.size() != 3 || !words.get(2).quoted()) {
            throw error(
                "join at position " + position(first.at()) + " takes a field and a quoted string");
          }
          into.add(new Template.Join(field(words.get(1)), words.get(2).text()));
        }
        case "println" -> {
          List<Field> args = new ArrayList<>();
          words.subList(1, words.size()).forEach(w -> args.add(field(w)));
          into.add(new Template.Println(args));
        }
        default -> {
          if (words.size() > 1) {
            throw unsupported(words.get(first.text().startsWith(".") ? 1 : 0));
          }
          into.add(field(first));
        }
      }
    }
    if (!ranges.isEmpty()) {
      throw error("{{range}} at position " + ranges.peek().over().position() + " has no {{end}}");
    }
    return new Template(top);
  }

  private Field onlyField(List<Token> words, Token keyword) {
    if (words.size() != 2) {
      throw error(keyword.text() + " at position " + position(keyword.at()) + " takes one field");
    }
    return field(words.get(1));
  }

  private Field field(Token t) {
    if (t.quoted() || !t.text().startsWith(".")) {
      throw unsupported(t);
    }
    List<String> path = new ArrayList<>();
    if (!t.text().equals(".")) {
      for (String name : t.text().substring(1).split("\\.", -1)) {
        if (!NAME.matcher(name).matches()) {
          throw unsupported(t);
        }
        path.add(name);
      }
    }
    return new Field(path, t.at() + offset);
  }

  /** Where a 0-based index of the source is in what the user typed (1-based). */
  private int position(int index) {
    return index < 0 ? index : index + offset;
  }

  private TemplateException unsupported(Token t) {
    return error(
        "unsupported '" + t.text() + "' at position " + position(t.at()) + " (" + SUPPORTED + ")");
  }

  private static TemplateException error(String message) {
    return new TemplateException(message);
  }

  /** The words of the action between {@code from} and {@code to}: names, fields, strings. */
  private List<Token> tokens(int from, int to) {
    List<Token> out = new ArrayList<>();
    int i = from;
    while (i < to) {
      char c = source.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '"' || c == '`') {
        StringBuilder s = new StringBuilder();
        int j = i + 1;
        while (j < to && source.charAt(j) != c) {
          char d = source.charAt(j);
          if (c == '"' && d == '\\' && j + 1 < to) {
            char e = source.charAt(++j);
            s.append(
                switch (e) {
                  case 'n' -> '\n';
                  case 't' -> '\t';
                  default -> e;
                });
          } else {
            s.append(d);
          }
          j++;
        }
        if (j >= to) {
          throw error("string at position " + position(i) + " is not closed");
        }
        out.add(new Token(s.toString(), i, true));
        i = j + 1;
      } else {
        int j = i;
        while (j < to && !Character.isWhitespace(source.charAt(j))) {
          j++;
        }
        out.add(new Token(source.substring(i, j), i, false));
        i = j;
      }
    }
    return out;
  }
}
