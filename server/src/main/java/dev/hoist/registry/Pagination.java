package dev.hoist.registry;

import dev.hoist.oci.ErrorCode;

/**
 * The {@code n} of a tags or catalog listing. Absent means "as many as allowed"; a number above the
 * configured page size is lowered to it (a page is never unbounded, whatever is asked); a value
 * that is not a number from 0 to {@link Integer#MAX_VALUE} is PAGINATION_NUMBER_INVALID. When a
 * page is cut short, a {@code Link: <…?last=…&n=…>; rel="next"} header points at the rest.
 */
final class Pagination {
  private Pagination() {}

  /** The page size to use for the raw {@code n} parameter (null when absent). */
  static int pageSize(String n, int maxPageSize) {
    if (n == null) {
      return maxPageSize;
    }
    if (n.isEmpty() || n.length() > 10 || !n.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw invalid(n);
    }
    long value = Long.parseLong(n);
    if (value > Integer.MAX_VALUE) {
      throw invalid(n);
    }
    return (int) Math.min(value, maxPageSize);
  }

  private static RuntimeException invalid(String n) {
    return Errors.error(
        ErrorCode.PAGINATION_NUMBER_INVALID,
        "n must be a whole number from 0 to " + Integer.MAX_VALUE,
        "n",
        Errors.shorten(n));
  }

  /** The value of a {@code Link} header to the next page. */
  static String nextLink(String path, String last, int n) {
    return "<" + path + "?last=" + last + "&n=" + n + ">; rel=\"next\"";
  }
}
