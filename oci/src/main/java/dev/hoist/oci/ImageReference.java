package dev.hoist.oci;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import org.jspecify.annotations.Nullable;

/**
 * What a user types to name an image, normalised exactly as Docker does.
 *
 * <ul>
 *   <li>The first path component is a registry host when {@link RegistryHost#isRegistryHost} says
 *       so: it contains {@code .} or {@code :}, is {@code localhost}, or contains an uppercase
 *       letter (Docker's rule: such a component cannot be a repository path, so it is taken as a
 *       host). Otherwise the registry is {@code docker.io}.
 *   <li>The registry is normalised by {@link RegistryHost}: {@code index.docker.io} is the legacy
 *       name of {@code docker.io}; {@code registry-1.docker.io} is only docker.io's API endpoint,
 *       not an alias.
 *   <li>On docker.io a single-component name gets {@code library/}.
 *   <li>A missing tag means {@code latest}, unless a digest is given; {@code name:tag@digest} keeps
 *       both.
 * </ul>
 *
 * <p>The grammar is in {@link ReferenceGrammar}. Parse errors are {@link
 * InvalidReferenceException}s whose message starts with {@code invalid reference format}, as
 * Docker's do.
 *
 * @param registry host[:port] of the registry, e.g. {@code docker.io}, {@code localhost:5000}, as
 *     {@link RegistryHost} writes it (the constructor normalises it)
 * @param repository the path inside the registry, e.g. {@code library/ubuntu}
 * @param tag the tag, or null when only a digest names the image (or before defaults are applied)
 * @param digest the digest, or null
 */
public record ImageReference(
    String registry, RepositoryName repository, @Nullable Tag tag, @Nullable Digest digest) {
  /** {@link RegistryHost#DOCKER_HUB}'s name. */
  public static final String DOCKER_HUB = RegistryHost.DOCKER_HUB.value();

  static final String OFFICIAL_PREFIX = "library/";

  public ImageReference {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(repository, "repository");
    try {
      registry = RegistryHost.parse(registry).value();
    } catch (InvalidReferenceException e) {
      throw invalid(String.valueOf(e.getMessage()));
    }
  }

  /** Parses and normalises, adding the default tag {@code latest} when neither tag nor digest. */
  public static ImageReference parse(@Nullable String input) {
    return parseWithoutDefaultTag(input).withDefaultTag();
  }

  /**
   * Parses and normalises the name but leaves the tag null when none was given, so a caller can say
   * {@code Using default tag: latest} before applying {@link #withDefaultTag()}.
   */
  public static ImageReference parseWithoutDefaultTag(@Nullable String input) {
    if (input == null || input.isEmpty()) {
      throw invalid("repository name must have at least one component");
    }
    if (ReferenceGrammar.HEX_IDENTIFIER.matcher(input).matches()) {
      throw new InvalidReferenceException(
          "invalid repository name (" + input + "), cannot specify 64-byte hexadecimal strings");
    }
    String registry;
    String remainder;
    int slash = input.indexOf('/');
    String first = slash < 0 ? "" : input.substring(0, slash);
    if (slash < 0 || !RegistryHost.isRegistryHost(first)) {
      registry = DOCKER_HUB;
      remainder = input;
    } else {
      registry = first;
      remainder = input.substring(slash + 1);
    }
    if (ReferenceGrammar.DOMAIN_PATTERN.matcher(registry).matches()) {
      // index.docker.io is docker.io; an invalid host is explained below, with the rest.
      registry = RegistryHost.parse(registry).value();
    }
    if (registry.equals(DOCKER_HUB) && !stripTagAndDigest(remainder).contains("/")) {
      remainder = OFFICIAL_PREFIX + remainder;
    }
    // Docker checks the part before the first ':' for case, to say "must be lowercase" rather
    // than "invalid".
    int colon = remainder.indexOf(':');
    String remote = colon < 0 ? remainder : remainder.substring(0, colon);
    if (!remote.toLowerCase(Locale.ROOT).equals(remote)) {
      throw invalid("repository name (" + remote + ") must be lowercase");
    }
    String full = registry + "/" + remainder;
    Matcher m = ReferenceGrammar.REFERENCE.matcher(full);
    if (!m.matches()) {
      throw invalid(explainMismatch(registry, remainder));
    }
    String name = m.group(1);
    String path = name.substring(registry.length() + 1);
    if (!ReferenceGrammar.DOMAIN_PATTERN.matcher(registry).matches()) {
      throw invalid("invalid registry host " + RepositoryName.quote(registry));
    }
    if (path.length() > ReferenceGrammar.MAX_PATH_LENGTH) {
      throw invalid(
          "repository name must not be more than "
              + ReferenceGrammar.MAX_PATH_LENGTH
              + " characters");
    }
    Tag tag = m.group(2) == null ? null : new Tag(m.group(2));
    Digest digest = null;
    if (m.group(3) != null) {
      try {
        digest = Digest.parse(m.group(3));
      } catch (IllegalArgumentException e) {
        // Digest.parse's exceptions always carry a message; valueOf only satisfies NullAway.
        throw invalid(String.valueOf(e.getMessage()));
      }
    }
    return new ImageReference(registry, new RepositoryName(path), tag, digest);
  }

  private static String stripTagAndDigest(String remainder) {
    String s = remainder;
    int at = s.indexOf('@');
    if (at >= 0) {
      s = s.substring(0, at);
    }
    int colon = s.lastIndexOf(':');
    if (colon >= 0 && s.indexOf('/', colon) < 0) {
      s = s.substring(0, colon);
    }
    return s;
  }

  /** Says which part of a reference that did not match the grammar is wrong. */
  private static String explainMismatch(String registry, String remainder) {
    String s = remainder;
    String digestPart = null;
    int at = s.indexOf('@');
    if (at >= 0) {
      digestPart = s.substring(at + 1);
      s = s.substring(0, at);
    }
    String tagPart = null;
    int colon = s.lastIndexOf(':');
    if (colon >= 0 && s.indexOf('/', colon) < 0) {
      tagPart = s.substring(colon + 1);
      s = s.substring(0, colon);
    }
    if (!ReferenceGrammar.DOMAIN_PATTERN.matcher(registry).matches()) {
      return "invalid registry host " + RepositoryName.quote(registry);
    }
    if (s.isEmpty()) {
      return "repository name must have at least one component";
    }
    if (!ReferenceGrammar.PATH_PATTERN.matcher(s).matches()) {
      return "invalid repository name "
          + RepositoryName.quote(s)
          + " (lowercase letters and digits, joined by '.', '_', '__', '-' or '/')";
    }
    if (tagPart != null && !Tag.isValid(tagPart)) {
      return "invalid tag " + RepositoryName.quote(tagPart);
    }
    if (digestPart != null) {
      try {
        Digest.parse(digestPart);
      } catch (IllegalArgumentException e) {
        return String.valueOf(e.getMessage());
      }
    }
    return "cannot parse " + RepositoryName.quote(registry + "/" + remainder);
  }

  private static InvalidReferenceException invalid(String why) {
    return new InvalidReferenceException("invalid reference format: " + why);
  }

  /** This reference with tag {@code latest} when it has neither tag nor digest. */
  public ImageReference withDefaultTag() {
    return tag == null && digest == null ? withTag(Tag.LATEST) : this;
  }

  public ImageReference withTag(@Nullable Tag newTag) {
    return new ImageReference(registry, repository, newTag, digest);
  }

  public ImageReference withDigest(@Nullable Digest newDigest) {
    return new ImageReference(registry, repository, tag, newDigest);
  }

  /** The registry as a value. */
  public RegistryHost registryHost() {
    return new RegistryHost(registry);
  }

  /** {@code docker.io/library/ubuntu}: registry and repository, no tag or digest. */
  public String canonicalName() {
    return registry + "/" + repository.value();
  }

  /** {@code ubuntu}, {@code alice/app}, {@code localhost:5000/x}: the name as Docker shows it. */
  public String familiarName() {
    if (!registry.equals(DOCKER_HUB)) {
      return canonicalName();
    }
    String path = repository.value();
    if (path.startsWith(OFFICIAL_PREFIX) && path.indexOf('/', OFFICIAL_PREFIX.length()) < 0) {
      return path.substring(OFFICIAL_PREFIX.length());
    }
    // Docker would drop the host here too, but "docker.io/a.b/c" shown as "a.b/c" would name
    // registry a.b: keep the host whenever dropping it changes the meaning.
    int slash = path.indexOf('/');
    if (slash > 0 && RegistryHost.isRegistryHost(path.substring(0, slash))) {
      return canonicalName();
    }
    return path;
  }

  /** {@code docker.io/library/ubuntu:latest}. */
  public String canonical() {
    return canonicalName() + suffix();
  }

  /** {@code ubuntu:latest}. */
  public String familiar() {
    return familiarName() + suffix();
  }

  /** The tag if there is one, else the digest: what {@code /v2/<name>/manifests/<ref>} takes. */
  public String manifestReference() {
    return digest != null ? digest.toString() : Objects.requireNonNull(tag, "tag").value();
  }

  private String suffix() {
    return (tag == null ? "" : ":" + tag.value()) + (digest == null ? "" : "@" + digest);
  }

  @Override
  public String toString() {
    return canonical();
  }
}
