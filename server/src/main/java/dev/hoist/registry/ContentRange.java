package dev.hoist.registry;

import dev.hoist.oci.ErrorCode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code Content-Range} of an upload chunk: {@code <start>-<end>}, inclusive, as the spec
 * writes it (a {@code bytes } prefix and a {@code /<total>} suffix are tolerated).
 */
record ContentRange(long start, long end) {
  private static final Pattern FORM =
      Pattern.compile("(?:bytes[ =])?\\s*([0-9]{1,18})-([0-9]{1,18})(?:/(?:[0-9]{1,18}|\\*))?");

  long length() {
    return end - start + 1;
  }

  /**
   * The range, or null when the header is absent; BLOB_UPLOAD_INVALID when malformed, 416 when its
   * end comes before its start.
   */
  static ContentRange parse(String header) {
    if (header == null) {
      return null;
    }
    Matcher m = FORM.matcher(header.strip());
    if (!m.matches()) {
      throw Errors.error(
          ErrorCode.BLOB_UPLOAD_INVALID,
          "Content-Range must be <start>-<end>",
          "contentRange",
          Errors.shorten(header));
    }
    long start = Long.parseLong(m.group(1));
    long end = Long.parseLong(m.group(2));
    if (end < start) {
      throw Errors.error(
          ErrorCode.RANGE_INVALID, "Content-Range ends before it starts", "contentRange", header);
    }
    return new ContentRange(start, end);
  }

  @Override
  public String toString() {
    return start + "-" + end;
  }
}
