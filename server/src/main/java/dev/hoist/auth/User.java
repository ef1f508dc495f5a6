package dev.hoist.auth;

import java.util.Objects;
import java.util.Set;

/**
 * A signed-in user.
 *
 * @param name the username; each user may push to {@code <name>/...}
 * @param admin whether the user administers this Hoist (admin pages and API)
 * @param groups other names the access rules may refer to
 */
public record User(String name, boolean admin, Set<String> groups) {
  public User {
    Objects.requireNonNull(name, "name");
    groups = groups == null ? Set.of() : Set.copyOf(groups);
  }
}
