package dev.hoist.server;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, for checking a dashboard against {@code /metrics}:
 * what is left once strings, label matchers, ranges, grouping clauses, functions, keywords and
 * numbers are taken out. Names keep their suffixes ({@code _bucket}, {@code _count}, {@code _sum},
 * {@code _total}), which are the names of the exported samples.
 */
final class PromQl {
  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*'");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
  private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*");
  private static final Set<String> KEYWORDS =
      Set.of(
          "and",
          "or",
          "unless",
          "bool",
          "offset",
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "inf",
          "nan");

  private PromQl() {}

  static Set<String> metricNames(String expr) {
    String rest = STRING.matcher(expr).replaceAll(" ");
    rest = MATCHERS.matcher(rest).replaceAll(" ");
    rest = RANGE.matcher(rest).replaceAll(" ");
    rest = GROUPING.matcher(rest).replaceAll(" ");
    // Grafana's variables ($__range, $instance) outside of matchers and ranges.
    rest = rest.replaceAll("\\$\\{?\\w+}?", " ");
    Set<String> names = new LinkedHashSet<>();
    Matcher m = IDENTIFIER.matcher(rest);
    while (m.find()) {
      String word = m.group();
      if (m.start() > 0 && Character.isDigit(rest.charAt(m.start() - 1))) {
        continue; // the exponent or unit of a number: 1e3, 5m
      }
      if (KEYWORDS.contains(word.toLowerCase(java.util.Locale.ROOT)) || isCall(rest, m.end())) {
        continue;
      }
      names.add(word);
    }
    return names;
  }

  /** Whether the word ending at {@code end} is a function or aggregation: a '(' follows it. */
  private static boolean isCall(String s, int end) {
    int i = end;
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i < s.length() && s.charAt(i) == '(';
  }
}
