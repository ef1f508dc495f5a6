package dev.hoist.client.copy;

import dev.hoist.oci.Digest;
import dev.hoist.oci.Tag;
import java.util.regex.Pattern;

/**
 * The OCI 1.1 referrers tag schema: a registry without the referrers API keeps the referrers of a
 * manifest as an image index tagged {@code <alg>-<hex>} (e.g. {@code sha256-ab…}), maintained by
 * the clients that push them.
 */
public final class ReferrersTag {
  private static final Pattern SHAPE = Pattern.compile("[a-z0-9]+-[a-f0-9]{32,}");

  private ReferrersTag() {}

  /** The tag holding the referrers of {@code subject}. */
  public static Tag of(Digest subject) {
    String tag = subject.algorithm() + "-" + subject.encoded();
    return Tag.of(tag.length() > 128 ? tag.substring(0, 128) : tag);
  }

  /** Whether a tag has the referrers tag's shape (so it is not an image a user tagged). */
  public static boolean matches(String tag) {
    return SHAPE.matcher(tag).matches();
  }
}
