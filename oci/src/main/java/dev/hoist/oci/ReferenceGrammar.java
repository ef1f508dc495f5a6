package dev.hoist.oci;

import java.util.regex.Pattern;

/**
 * The reference grammar, written once, as Docker's {@code distribution/reference} defines it.
 *
 * <pre>
 * reference         := name [ ":" tag ] [ "@" digest ]
 * name              := [ domain "/" ] path
 * domain            := host [ ":" port ]
 * host              := domain-name | "[" ipv6 "]"
 * domain-name       := component ( "." component )*      component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
 * port              := [0-9]+
 * path              := path-component ( "/" path-component )*
 * path-component    := alnum ( separator alnum )*         alnum := [a-z0-9]+
 * separator         := "." | "_" | "__" | "-"+
 * tag               := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 * digest            := algorithm ":" encoded               (sha256: 64, sha512: 128 lowercase hex)
 * </pre>
 *
 * <p>The path (after {@code library/} is added, without the domain) is at most 255 characters.
 */
final class ReferenceGrammar {
  private ReferenceGrammar() {}

  static final int MAX_PATH_LENGTH = 255;

  static final String ALNUM = "[a-z0-9]+";
  static final String SEPARATOR = "(?:[._]|__|-+)";
  static final String PATH_COMPONENT = ALNUM + "(?:" + SEPARATOR + ALNUM + ")*";
  static final String PATH = PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*";

  static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
  static final String DOMAIN_NAME = DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*";
  static final String IPV6 = "\\[(?:[a-fA-F0-9:]+)\\]";
  static final String DOMAIN = "(?:" + DOMAIN_NAME + "|" + IPV6 + ")(?::[0-9]+)?";

  static final String TAG = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
  // Looser than Digest's grammar on purpose: the shape is matched here, Digest.parse says what is
  // wrong with it (unsupported algorithm, wrong length, uppercase).
  static final String DIGEST =
      "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-zA-Z=_-]+";

  static final Pattern PATH_PATTERN = Pattern.compile(PATH);
  static final Pattern DOMAIN_PATTERN = Pattern.compile(DOMAIN);
  static final Pattern TAG_PATTERN = Pattern.compile(TAG);

  /** name, tag, digest as groups 1, 2, 3; the name is a domain or path grammar, checked later. */
  static final Pattern REFERENCE =
      Pattern.compile(
          "((?:" + DOMAIN + "/)?" + PATH + ")(?::(" + TAG + "))?(?:@(" + DIGEST + "))?");

  static final Pattern HEX_IDENTIFIER = Pattern.compile("[a-f0-9]{64}");
}
