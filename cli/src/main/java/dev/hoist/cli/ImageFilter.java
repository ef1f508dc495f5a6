package dev.hoist.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code hoist images --filter}, parsed once: Docker's {@code reference=PATTERN} (a glob over
 * {@code repository:tag} or the repository, {@code *} not crossing {@code /}; several are
 * alternatives), {@code dangling=true|false} (images without a tag), {@code before=IMAGE} and
 * {@code since=IMAGE} (created before or after that image). Other keys are refused.
 */
record ImageFilter(
    List<Pattern> references, Optional<Boolean> dangling, List<String> before, List<String> since) {
  ImageFilter {
    references = List.copyOf(references);
    before = List.copyOf(before);
    since = List.copyOf(since);
  }

  static ImageFilter parse(List<String> filters) {
    List<Pattern> references = new ArrayList<>();
    Optional<Boolean> dangling = Optional.empty();
    List<String> before = new ArrayList<>();
    List<String> since = new ArrayList<>();
    for (String f : filters) {
      int eq = f.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("bad format of filter (expected name=value): " + f);
      }
      String key = f.substring(0, eq);
      String value = f.substring(eq + 1);
      switch (key) {
        case "reference" -> references.add(glob(value));
        case "dangling" -> {
          if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException(
                "invalid filter 'dangling=" + value + "': true or false");
          }
          dangling = Optional.of(value.equals("true"));
        }
        case "before" -> before.add(value);
        case "since" -> since.add(value);
        default ->
            throw new IllegalArgumentException(
                "invalid filter '" + key + "' (Hoist knows reference, dangling, before, since)");
      }
    }
    return new ImageFilter(references, dangling, before, since);
  }

  /** Whether the row of an image with these tags and this creation time passes. */
  boolean keeps(String repository, String tag, boolean tagged, Instant created, Bounds bounds) {
    if (dangling.isPresent() && dangling.get() == tagged) {
      return false;
    }
    if (!references.isEmpty()) {
      String withTag = repository + ":" + tag;
      boolean any = false;
      for (Pattern p : references) {
        any |=
            (!tag.equals("<none>") && p.matcher(withTag).matches())
                || p.matcher(repository).matches();
      }
      if (!any) {
        return false;
      }
    }
    if (bounds.before() != null && (created == null || !created.isBefore(bounds.before()))) {
      return false;
    }
    return bounds.since() == null || (created != null && created.isAfter(bounds.since()));
  }

  /** The creation times {@code before=} and {@code since=} name, once their images are found. */
  record Bounds(Instant before, Instant since) {}

  private static final Pattern SET = Pattern.compile("\\^?[A-Za-z0-9._:/-]+");

  /** Go's {@code path.Match} pattern as a regex: {@code *} and {@code ?} stop at {@code /}. */
  static Pattern glob(String pattern) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      switch (c) {
        case '*' -> re.append("[^/]*");
        case '?' -> re.append("[^/]");
        case '[' -> {
          int close = pattern.indexOf(']', i + 1);
          if (close < 0) {
            throw new IllegalArgumentException("invalid filter 'reference=" + pattern + "'");
          }
          String set = pattern.substring(i + 1, close);
          if (!SET.matcher(set).matches()) {
            throw new IllegalArgumentException("invalid filter 'reference=" + pattern + "'");
          }
          re.append('[')
              .append(set)
              .append(']'); // letters, digits and ranges mean the same in Java
          i = close;
        }
        case '\\' -> {
          if (i + 1 < pattern.length()) {
            re.append(Pattern.quote(String.valueOf(pattern.charAt(++i))));
          }
        }
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }
}
