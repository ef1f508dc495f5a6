package dev.hoist.sync;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which upstream tags a rule copies. In order: a tag must match {@code include} (a regular
 * expression over the whole tag; none means every tag), must not match {@code exclude}, must be a
 * version inside {@code semver} when that is set; then only the {@code newest} N by version are
 * kept (tags that are not versions are dropped when {@code semver} or {@code newest} is set). Tags
 * named in {@code warm} are always kept. The result is sorted: versions newest first, then the
 * other tags by name.
 */
record TagFilter(String include, String exclude, String semver, Integer newest) {
  static final TagFilter ALL = new TagFilter(null, null, null, null);

  TagFilter {
    compile("include", include);
    compile("exclude", exclude);
    if (semver != null) {
      SemVerRange.parse(semver);
    }
    if (newest != null && newest < 1) {
      throw new IllegalArgumentException("newest must be at least 1, not " + newest);
    }
  }

  /** Whether the tag passes include, exclude and semver (not newest N, which needs all tags). */
  boolean matches(String tag) {
    if (include != null && !Pattern.compile(include).matcher(tag).matches()) {
      return false;
    }
    if (exclude != null && Pattern.compile(exclude).matcher(tag).matches()) {
      return false;
    }
    if (semver != null || newest != null) {
      Optional<SemVer> version = SemVer.parse(tag);
      if (version.isEmpty()) {
        return false;
      }
      return semver == null || SemVerRange.parse(semver).contains(version.get());
    }
    return true;
  }

  /** The tags to copy out of what the upstream has, plus every {@code warm} tag it has. */
  List<String> select(List<String> tags, List<String> warm) {
    List<String> matching = new ArrayList<>();
    for (String tag : tags) {
      if (matches(tag)) {
        matching.add(tag);
      }
    }
    Comparator<String> byVersionNewestFirst =
        Comparator.comparing(
                (String t) -> SemVer.parse(t).orElse(null),
                Comparator.nullsLast(Comparator.<SemVer>reverseOrder()))
            .thenComparing(Comparator.naturalOrder());
    matching.sort(byVersionNewestFirst);
    if (newest != null && matching.size() > newest) {
      matching = new ArrayList<>(matching.subList(0, newest));
    }
    LinkedHashSet<String> out = new LinkedHashSet<>(matching);
    for (String tag : warm) {
      if (tags.contains(tag)) {
        out.add(tag);
      }
    }
    return List.copyOf(out);
  }

  private static void compile(String what, String regex) {
    if (regex == null) {
      return;
    }
    try {
      Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException(what + " is not a regular expression: " + e.getMessage());
    }
  }
}
