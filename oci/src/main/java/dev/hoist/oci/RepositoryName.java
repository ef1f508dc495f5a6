package dev.hoist.oci;

/**
 * A repository path inside a registry, such as {@code library/ubuntu} or {@code alice/app}:
 * lowercase components joined by {@code /}, at most 255 characters. It never contains the registry
 * host.
 */
public record RepositoryName(String value) implements Comparable<RepositoryName> {

  public RepositoryName {
    if (value == null || value.isEmpty()) {
      throw new InvalidReferenceException("repository name must have at least one component");
    }
    if (value.length() > ReferenceGrammar.MAX_PATH_LENGTH) {
      throw new InvalidReferenceException(
          "repository name must not be more than "
              + ReferenceGrammar.MAX_PATH_LENGTH
              + " characters");
    }
    if (!ReferenceGrammar.PATH_PATTERN.matcher(value).matches()) {
      if (ReferenceGrammar.PATH_PATTERN
          .matcher(value.toLowerCase(java.util.Locale.ROOT))
          .matches()) {
        throw new InvalidReferenceException("repository name must be lowercase");
      }
      throw new InvalidReferenceException("invalid repository name: " + quote(value));
    }
  }

  public static RepositoryName of(String value) {
    return new RepositoryName(value);
  }

  /** The components of the path, {@code library/ubuntu} gives {@code [library, ubuntu]}. */
  public java.util.List<String> components() {
    return java.util.List.of(value.split("/"));
  }

  /** Whether this name starts with {@code prefix} as whole components. */
  public boolean isUnder(String prefix) {
    return value.equals(prefix) || value.startsWith(prefix + "/");
  }

  @Override
  public int compareTo(RepositoryName other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }

  static String quote(String s) {
    String shown = s.length() > 80 ? s.substring(0, 77) + "..." : s;
    return "'" + shown + "'";
  }
}
