package dev.hoist.auth;

import dev.hoist.oci.Scope;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Who may do what, from the configuration: what the token service grants for a requested scope, and
 * what anonymous requests may do without a token.
 *
 * <ul>
 *   <li>Admins may do everything.
 *   <li>Mirrored repositories are read-only: anyone signed in may pull them, anonymous clients when
 *       {@code anonymousPull} is {@code mirrored} or {@code all}.
 *   <li>A user may pull, push and delete under {@code <username>/}, and under {@code
 *       <prefix>/<username>/} for each namespace prefix (the accelerator's, {@code u} by default:
 *       hosted, so that it works while Docker Hub is the default upstream).
 *   <li>Each rule whose prefix covers the repository adds its actions for its users and groups.
 *   <li>{@code anonymousPull: all} lets anyone pull everything.
 *   <li>The catalog ({@code registry:catalog:*}) is for admins.
 * </ul>
 */
final class AccessPolicy {
  private final List<AccessRule> rules;
  private final AnonymousPull anonymousPull;
  private final Predicate<String> mirrored;
  private final List<String> namespacePrefixes;

  /**
   * @param mirrored whether a repository name (as a client sends it) is served from an upstream
   */
  AccessPolicy(List<AccessRule> rules, AnonymousPull anonymousPull, Predicate<String> mirrored) {
    this(rules, anonymousPull, mirrored, List.of());
  }

  private AccessPolicy(
      List<AccessRule> rules,
      AnonymousPull anonymousPull,
      Predicate<String> mirrored,
      List<String> namespacePrefixes) {
    this.rules = List.copyOf(rules);
    this.anonymousPull = anonymousPull;
    this.mirrored = mirrored;
    this.namespacePrefixes = List.copyOf(namespacePrefixes);
  }

  /** This policy where each user also owns {@code <prefix>/<username>/}. */
  AccessPolicy withNamespacePrefix(String prefix) {
    List<String> prefixes = new ArrayList<>(namespacePrefixes);
    prefixes.add(prefix);
    return new AccessPolicy(rules, anonymousPull, mirrored, prefixes);
  }

  /** Whether {@code name} lies in one of the user's own namespaces. */
  private boolean owns(User user, String name) {
    for (String prefix : namespacePrefixes) {
      if (name.startsWith(prefix + "/")) {
        // Inside the prefix only <prefix>/<name>/ is the user's: a user named like the prefix
        // (an htpasswd user "u") must not own every account's namespace.
        return name.startsWith(prefix + "/" + user.name() + "/");
      }
    }
    return name.startsWith(user.name() + "/");
  }

  boolean isMirrored(String repository) {
    try {
      return mirrored.test(repository);
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The part of {@code requested} that {@code user} (null: anonymous) may have; may be empty. */
  Set<String> grant(User user, Scope requested) {
    return grant(
        user, requested, requested.type().equals("repository") && isMirrored(requested.name()));
  }

  Set<String> grant(User user, Scope requested, boolean isMirrored) {
    Set<String> allowed = allowed(user, requested.type(), requested.name(), isMirrored);
    Set<String> granted = new LinkedHashSet<>();
    for (String action : requested.actions()) {
      if (allowed.contains(action)) {
        granted.add(action);
      }
    }
    return granted;
  }

  /** Everything {@code user} (null: anonymous) may do on a resource. */
  Set<String> allowed(User user, String type, String name, boolean isMirrored) {
    if (type.equals("registry")) {
      return user != null && user.admin() && name.equals("catalog") ? Set.of("*") : Set.of();
    }
    if (!type.equals("repository")) {
      return Set.of();
    }
    if (user != null && user.admin()) {
      return AccessRule.ALL_ACTIONS;
    }
    Set<String> allowed = new LinkedHashSet<>();
    if (isMirrored) {
      if (user != null || anonymousPull != AnonymousPull.NONE) {
        allowed.add("pull");
      }
      return allowed;
    }
    if (anonymousPull == AnonymousPull.ALL) {
      allowed.add("pull");
    }
    if (user == null) {
      return allowed;
    }
    if (owns(user, name)) {
      allowed.addAll(AccessRule.ALL_ACTIONS);
    }
    for (AccessRule rule : rules) {
      if (rule.covers(name) && rule.appliesTo(user)) {
        allowed.addAll(rule.actions());
      }
    }
    return allowed;
  }
}
