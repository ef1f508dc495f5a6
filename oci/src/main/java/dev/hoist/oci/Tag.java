package dev.hoist.oci;

import org.jspecify.annotations.Nullable;

/**
 * A movable, human name for one image in a repository: {@code [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}}.
 */
public record Tag(String value) implements Comparable<Tag> {
  public static final Tag LATEST = new Tag("latest");

  public Tag {
    if (value == null || !ReferenceGrammar.TAG_PATTERN.matcher(value).matches()) {
      throw new InvalidReferenceException(
          "invalid tag format: "
              + (value == null ? "null" : RepositoryName.quote(value))
              + " (tags are 1 to 128 characters of A-Z a-z 0-9 _ . - and do not start with . or -)");
    }
  }

  public static Tag of(String value) {
    return new Tag(value);
  }

  /** Whether the string is a valid tag, for places that must tell a tag from a digest. */
  public static boolean isValid(@Nullable String value) {
    return value != null && ReferenceGrammar.TAG_PATTERN.matcher(value).matches();
  }

  @Override
  public int compareTo(Tag other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
