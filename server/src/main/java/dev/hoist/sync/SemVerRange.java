package dev.hoist.sync;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A range of versions, as npm writes them without the sugar: comparators separated by spaces must
 * all hold ({@code >=1.20 <2}), alternatives are separated by {@code ||} ({@code <1 || >=3}). A
 * comparator is one of {@code >= > <= < =} (or none, meaning {@code =}) followed by a version. A
 * tag's suffix after {@code -} is ignored here: in container tags it is far more often a variant
 * ({@code 1.21-alpine}) than a prerelease, so {@code 1.21-alpine} and {@code 1.21.0-rc1} are both
 * inside {@code >=1.21 <2}; leave them out with an {@code exclude} expression ({@code .*-.*}).
 */
final class SemVerRange {
  private static final Pattern COMPARATOR = Pattern.compile("(>=|<=|>|<|=)?\\s*(\\S+)");

  private record Comparator(String op, SemVer version) {
    boolean test(SemVer v) {
      int c = v.compareTo(version);
      switch (op) {
        case ">=":
          return c >= 0;
        case ">":
          return c > 0;
        case "<=":
          return c <= 0;
        case "<":
          return c < 0;
        default:
          return c == 0;
      }
    }
  }

  private final String text;
  private final List<List<Comparator>> alternatives;

  private SemVerRange(String text, List<List<Comparator>> alternatives) {
    this.text = text;
    this.alternatives = alternatives;
  }

  /**
   * @throws IllegalArgumentException naming the part that is not a comparator
   */
  static SemVerRange parse(String text) {
    List<List<Comparator>> alternatives = new ArrayList<>();
    for (String alternative : text.split("\\|\\|")) {
      List<Comparator> all = new ArrayList<>();
      // "> 1.2" is written with a space too: glue operators to their versions first.
      String glued = alternative.trim().replaceAll("(>=|<=|>|<|=)\\s+", "$1");
      if (glued.isEmpty()) {
        throw new IllegalArgumentException("empty alternative in version range '" + text + "'");
      }
      for (String part : glued.split("\\s+")) {
        Matcher m = COMPARATOR.matcher(part);
        if (!m.matches()) {
          throw new IllegalArgumentException("'" + part + "' is not a version comparator");
        }
        SemVer version =
            SemVer.parse(m.group(2))
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            "'" + m.group(2) + "' in '" + text + "' is not a version"));
        all.add(new Comparator(m.group(1) == null ? "=" : m.group(1), version));
      }
      alternatives.add(List.copyOf(all));
    }
    return new SemVerRange(text, List.copyOf(alternatives));
  }

  boolean contains(SemVer v) {
    SemVer numeric = new SemVer(v.major(), v.minor(), v.patch(), null);
    for (List<Comparator> all : alternatives) {
      if (all.stream().allMatch(c -> c.test(numeric))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return text;
  }
}
