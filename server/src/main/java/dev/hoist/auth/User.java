package dev.hoist.auth;

import java.util.Objects;
import java.util.Set;

/**
 * A signed-in user.
 *
 * @param name the username, the subject of the user's tokens; each user may push to {@code
 *     <name>/...}
 * @param admin whether the user administers this Hoist (admin pages and API)
 * @param groups other names the access rules may refer to
 * @param aliases other names of the same user (an account's email): {@code auth.rules} and {@code
 *     auth.admins} entries naming one apply to the user, but they give no namespace
 */
public record User(String name, boolean admin, Set<String> groups, Set<String> aliases) {
  public User {
    Objects.requireNonNull(name, "name");
    groups = groups == null ? Set.of() : Set.copyOf(groups);
    aliases = aliases == null ? Set.of() : Set.copyOf(aliases);
  }

  /** A user known by one name. */
  public User(String name, boolean admin, Set<String> groups) {
    this(name, admin, groups, Set.of());
  }

  /** Whether {@code names} holds the user's name or one of the aliases. */
  boolean isNamedIn(Set<String> names) {
    if (names.contains(name)) {
      return true;
    }
    for (String alias : aliases) {
      if (names.contains(alias)) {
        return true;
      }
    }
    return false;
  }
}
