package dev.hoist.auth;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Grants actions on the repositories under a prefix to some users ({@code auth.rules}).
 *
 * @param prefix a repository path prefix ({@code team/} or {@code team}: {@code team} and
 *     everything under {@code team/}); empty for every repository
 * @param users user names; {@code *} means every signed-in user. A name may also be a user's alias
 *     (an accelerator account's email), so rules written before accounts had usernames keep working
 * @param groups group names (from the user directory); a member of any of them matches
 * @param actions {@code pull}, {@code push}, {@code delete}, or {@code *} for all three
 */
public record AccessRule(
    String prefix, Set<String> users, Set<String> groups, Set<String> actions) {
  static final Set<String> ALL_ACTIONS = Set.of("pull", "push", "delete");

  public AccessRule {
    Objects.requireNonNull(prefix, "prefix");
    String p = prefix.trim();
    while (p.endsWith("/") || p.endsWith("*")) {
      p = p.substring(0, p.length() - 1);
    }
    prefix = p;
    users = users == null ? Set.of() : Set.copyOf(users);
    groups = groups == null ? Set.of() : Set.copyOf(groups);
    if (actions == null || actions.isEmpty()) {
      throw new IllegalArgumentException("a rule needs actions (pull, push, delete or *)");
    }
    for (String a : actions) {
      if (!a.equals("*") && !ALL_ACTIONS.contains(a)) {
        throw new IllegalArgumentException("'" + a + "' is not pull, push, delete or *");
      }
    }
    actions = actions.contains("*") ? ALL_ACTIONS : Set.copyOf(actions);
    if (users.isEmpty() && groups.isEmpty()) {
      throw new IllegalArgumentException("a rule needs users or groups");
    }
  }

  public static AccessRule of(String prefix, List<String> users, List<String> actions) {
    return new AccessRule(prefix, Set.copyOf(users), Set.of(), Set.copyOf(actions));
  }

  /**
   * The names this rule gives a meaning to: its users and the first component of its prefix (whose
   * repositories it grants), so that no account takes one as its username.
   */
  Set<String> names() {
    Set<String> names = new java.util.HashSet<>(users);
    names.remove("*");
    if (!prefix.isEmpty()) {
      int slash = prefix.indexOf('/');
      names.add(slash < 0 ? prefix : prefix.substring(0, slash));
    }
    return names;
  }

  boolean covers(String repository) {
    return prefix.isEmpty() || repository.equals(prefix) || repository.startsWith(prefix + "/");
  }

  boolean appliesTo(User user) {
    if (users.contains("*") || user.isNamedIn(users)) {
      return true;
    }
    for (String g : user.groups()) {
      if (groups.contains(g)) {
        return true;
      }
    }
    return false;
  }
}
