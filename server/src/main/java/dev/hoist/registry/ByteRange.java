package dev.hoist.registry;

import java.util.Optional;

/**
 * The one byte range of a blob a {@code Range} header asks for.
 *
 * <p>Supported: a single {@code bytes=a-b}, {@code bytes=a-} or {@code bytes=-n}. A header that is
 * not of that form (another unit, several ranges, garbage) is ignored and the whole blob is served
 * with 200, as RFC 9110 allows; serving several ranges as {@code multipart/byteranges} is not
 * offered. A single range that selects nothing ({@code a} at or past the end, {@code -0}, or {@code
 * a > b}) is unsatisfiable: 416 with {@code Content-Range: bytes *}{@code /size}.
 *
 * @param start first byte, inclusive
 * @param end last byte, inclusive
 */
record ByteRange(long start, long end) {

  long length() {
    return end - start + 1;
  }

  String contentRange(long size) {
    return "bytes " + start + "-" + end + "/" + size;
  }

  /** What a Range header means for a blob of {@code size} bytes. */
  sealed interface Result permits Full, Partial, Unsatisfiable {}

  /** Serve the whole blob (no header, or one that is ignored). */
  record Full() implements Result {}

  record Partial(ByteRange range) implements Result {}

  record Unsatisfiable() implements Result {}

  static Result parse(String header, long size) {
    if (header == null) {
      return new Full();
    }
    String h = header.strip();
    if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
      return new Full();
    }
    String spec = h.substring(6).strip();
    if (spec.isEmpty() || spec.indexOf(',') >= 0) {
      return new Full();
    }
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return new Full();
    }
    String first = spec.substring(0, dash).strip();
    String last = spec.substring(dash + 1).strip();
    if (first.isEmpty()) {
      Optional<Long> suffix = number(last);
      if (suffix.isEmpty()) {
        return new Full();
      }
      long n = suffix.get();
      if (n == 0 || size == 0) {
        return new Unsatisfiable();
      }
      return new Partial(new ByteRange(Math.max(0, size - n), size - 1));
    }
    Optional<Long> start = number(first);
    if (start.isEmpty()) {
      return new Full();
    }
    long a = start.get();
    long b;
    if (last.isEmpty()) {
      b = size - 1;
    } else {
      Optional<Long> end = number(last);
      if (end.isEmpty()) {
        return new Full();
      }
      b = end.get();
      if (b < a) {
        return new Unsatisfiable();
      }
    }
    if (a >= size) {
      return new Unsatisfiable();
    }
    return new Partial(new ByteRange(a, Math.min(b, size - 1)));
  }

  private static Optional<Long> number(String s) {
    if (s.isEmpty() || s.length() > 18) {
      return Optional.empty();
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return Optional.empty();
      }
    }
    return Optional.of(Long.parseLong(s));
  }
}
