package dev.hoist.mirror;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How long a mirrored tag is trusted, for the repositories and tags matching two globs ({@code *}
 * matches within a path component, {@code **} across them). The first matching rule wins.
 *
 * @param repository glob over the cache name, {@code <upstream>/<path>}, e.g. {@code
 *     docker.io/library/*}
 * @param tag glob over the tag, e.g. {@code latest} or {@code *}
 * @param fresh served without asking the upstream for this long after a check
 * @param staleWhileRevalidate after that, served at once for this long more while a background
 *     check runs
 * @param staleIfError served when the upstream fails, up to this long after the last check
 */
public record FreshnessRule(
    String repository,
    String tag,
    Duration fresh,
    Duration staleWhileRevalidate,
    Duration staleIfError) {

  /**
   * The defaults: a tag is trusted for 5 minutes (then checked with a HEAD, which Docker Hub does
   * not count against its pull limit), is never served stale merely to save that HEAD (so a moved
   * tag shows on the first request after 5 minutes), and is served stale for up to 7 days while the
   * upstream is down.
   */
  public static final FreshnessRule DEFAULT =
      new FreshnessRule("**", "*", Duration.ofMinutes(5), Duration.ZERO, Duration.ofDays(7));

  public FreshnessRule {
    Objects.requireNonNull(repository, "repository");
    Objects.requireNonNull(tag, "tag");
    Objects.requireNonNull(fresh, "fresh");
    Objects.requireNonNull(staleWhileRevalidate, "staleWhileRevalidate");
    Objects.requireNonNull(staleIfError, "staleIfError");
    if (fresh.isNegative() || staleWhileRevalidate.isNegative() || staleIfError.isNegative()) {
      throw new IllegalArgumentException("durations must not be negative");
    }
  }

  boolean matches(String cacheName, String tagName) {
    return glob(repository).matcher(cacheName).matches() && glob(tag).matcher(tagName).matches();
  }

  static Pattern glob(String glob) {
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*') {
        if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
          regex.append(".*");
          i++;
        } else {
          regex.append("[^/]*");
        }
      } else {
        regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString());
  }
}
