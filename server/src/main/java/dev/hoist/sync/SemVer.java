package dev.hoist.sync;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tag read as a semantic version: {@code [v]MAJOR[.MINOR[.PATCH]][-PRERELEASE]}, missing parts
 * being 0 ({@code 1.20} is {@code 1.20.0}). A tag with a prerelease suffix ({@code 1.2.3-rc1}, also
 * {@code 1.2-alpine}) sorts before its release, and suffixes compare as text.
 */
record SemVer(long major, long minor, long patch, String prerelease) implements Comparable<SemVer> {
  private static final Pattern FORM =
      Pattern.compile("v?(\\d{1,9})(?:\\.(\\d{1,9}))?(?:\\.(\\d{1,9}))?(?:-([0-9A-Za-z.-]+))?");

  /** The version a tag names, or empty when it is not one ({@code latest}, {@code 1.x}). */
  static Optional<SemVer> parse(String text) {
    Matcher m = FORM.matcher(text);
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(
        new SemVer(
            Long.parseLong(m.group(1)),
            m.group(2) == null ? 0 : Long.parseLong(m.group(2)),
            m.group(3) == null ? 0 : Long.parseLong(m.group(3)),
            m.group(4)));
  }

  boolean isPrerelease() {
    return prerelease != null;
  }

  @Override
  public int compareTo(SemVer o) {
    int c = Long.compare(major, o.major);
    if (c == 0) {
      c = Long.compare(minor, o.minor);
    }
    if (c == 0) {
      c = Long.compare(patch, o.patch);
    }
    if (c != 0) {
      return c;
    }
    if (prerelease == null || o.prerelease == null) {
      return prerelease == null ? (o.prerelease == null ? 0 : 1) : -1;
    }
    return prerelease.compareTo(o.prerelease);
  }
}
