package dev.hoist.oci;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * One token scope, as Distribution's {@code scope.md} defines it: what a Docker token grants, and
 * what a registry's challenge asks a client to get a token for.
 *
 * <pre>
 * scope           := resource-type ":" resource-name ":" action ( "," action )*
 * resource-type   := [a-z0-9]+ [ "(" [a-z0-9]+ ")" ]     the class in parentheses is dropped
 * resource-name   := a repository name, which may start with host ":" port
 * action          := [a-z0-9*]+                           pull, push, delete, *
 * </pre>
 *
 * <p>Examples: {@code repository:library/ubuntu:pull}, {@code
 * repository:localhost:5000/app:pull,push}, {@code registry:catalog:*}. A name may itself contain
 * {@code :}, so the type ends at the first colon and the actions start after the last one. Several
 * scopes are separated by spaces.
 *
 * <p>Actions are kept without duplicates in a canonical order: {@code pull, push, delete, *}, then
 * any other alphabetically; {@link #toString()} writes the wire form in that order. A scope built
 * directly may have no actions (a grant of nothing); a parsed one has at least one.
 *
 * @param type the resource type, {@code repository} or {@code registry}
 * @param name the resource name, such as {@code library/ubuntu} or {@code catalog}
 * @param actions the actions, in canonical order
 */
public record Scope(String type, String name, Set<String> actions) {
  public static final String REPOSITORY = "repository";
  public static final String PULL = "pull";
  public static final String PUSH = "push";

  private static final Pattern TYPE = Pattern.compile("[a-z0-9]+");
  private static final Pattern TYPE_WITH_CLASS = Pattern.compile("[a-z0-9]+(\\([a-z0-9]+\\))?");
  private static final Pattern ACTION = Pattern.compile("[a-z0-9*]+");
  private static final List<String> ACTION_ORDER = List.of(PULL, PUSH, "delete", "*");

  public Scope {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(actions, "actions");
    if (!TYPE.matcher(type).matches()) {
      throw new IllegalArgumentException("invalid scope type");
    }
    if (name.isEmpty() || name.chars().anyMatch(c -> c <= ' ' || c == '"' || c == '\\')) {
      throw new IllegalArgumentException("invalid scope name");
    }
    for (String a : actions) {
      if (a == null || !ACTION.matcher(a).matches()) {
        throw new IllegalArgumentException("invalid scope action");
      }
    }
    actions = Collections.unmodifiableSet(new LinkedHashSet<>(canonicalOrder(actions)));
  }

  /** {@code repository:<name>:pull}. */
  public static Scope pull(RepositoryName repository) {
    return new Scope(REPOSITORY, repository.value(), Set.of(PULL));
  }

  /** {@code repository:<name>:pull,push}. */
  public static Scope pushPull(RepositoryName repository) {
    return new Scope(REPOSITORY, repository.value(), Set.of(PULL, PUSH));
  }

  /**
   * Parses one scope strictly, as a token service must: the grammar above, at least one action;
   * empty actions between commas are skipped.
   *
   * @throws IllegalArgumentException when it is not {@code type:name:actions}; the message says
   *     which part is wrong and never repeats the input
   */
  public static Scope parse(String text) {
    Objects.requireNonNull(text, "scope");
    int first = text.indexOf(':');
    int last = text.lastIndexOf(':');
    if (first <= 0 || last == first || last == text.length() - 1 || last - first < 2) {
      throw new IllegalArgumentException("a scope is type:name:actions");
    }
    String type = text.substring(0, first);
    if (!TYPE_WITH_CLASS.matcher(type).matches()) {
      throw new IllegalArgumentException("invalid scope type");
    }
    int paren = type.indexOf('(');
    if (paren > 0) {
      type = type.substring(0, paren);
    }
    Set<String> actions = new LinkedHashSet<>();
    for (String a : text.substring(last + 1).split(",")) {
      String action = a.trim();
      if (!action.isEmpty()) {
        actions.add(action);
      }
    }
    if (actions.isEmpty()) {
      throw new IllegalArgumentException("a scope needs at least one action");
    }
    return new Scope(type, text.substring(first + 1, last), actions);
  }

  /**
   * Every scope of a token request, strictly ({@link #parse}): each {@code scope} parameter may
   * hold several scopes separated by spaces (the OAuth2 form), and the parameter may repeat (the
   * GET form). Null parameters are skipped.
   *
   * @throws IllegalArgumentException at the first malformed scope
   */
  public static List<Scope> parseAll(List<String> parameters) {
    List<Scope> scopes = new ArrayList<>();
    for (String p : parameters) {
      if (p == null) {
        continue;
      }
      for (String s : p.trim().split("\\s+")) {
        if (!s.isEmpty()) {
          scopes.add(parse(s));
        }
      }
    }
    return scopes;
  }

  /**
   * The scopes of a challenge's {@code scope} parameter (space separated; null for none),
   * tolerantly, as a client must read what a registry sends: a scope {@link #parse} refuses is
   * skipped, the others kept.
   */
  public static List<Scope> parseTolerant(String spaceSeparated) {
    List<Scope> out = new ArrayList<>();
    if (spaceSeparated != null) {
      for (String s : spaceSeparated.trim().split("\\s+")) {
        if (s.isEmpty()) {
          continue;
        }
        try {
          out.add(parse(s));
        } catch (IllegalArgumentException e) {
          // Not a scope: the registry's to word; asking for it could not help.
        }
      }
    }
    return out;
  }

  /** Whether a token granted for this scope also serves {@code needed}: same resource, actions. */
  public boolean covers(Scope needed) {
    return type.equals(needed.type)
        && name.equals(needed.name)
        && actions.containsAll(needed.actions);
  }

  /** Whether a token granted for {@code granted} serves every scope in {@code needed}. */
  public static boolean covers(Collection<Scope> granted, Collection<Scope> needed) {
    for (Scope n : needed) {
      if (granted.stream().noneMatch(g -> g.covers(n))) {
        return false;
      }
    }
    return true;
  }

  /** {@code scopes} merged per resource (the union of their actions), sorted by resource. */
  public static List<Scope> merge(Collection<Scope> scopes) {
    TreeMap<String, List<Scope>> byResource = new TreeMap<>();
    for (Scope s : scopes) {
      byResource.computeIfAbsent(s.type + ":" + s.name, k -> new ArrayList<>()).add(s);
    }
    List<Scope> out = new ArrayList<>();
    for (List<Scope> same : byResource.values()) {
      Set<String> actions = new LinkedHashSet<>();
      same.forEach(s -> actions.addAll(s.actions));
      out.add(same.get(0).withActions(actions));
    }
    return out;
  }

  /** The same resource with other actions. */
  public Scope withActions(Set<String> newActions) {
    return new Scope(type, name, newActions);
  }

  /** {@code type:name:a,b}, the wire form, actions in canonical order. */
  @Override
  public String toString() {
    return type + ":" + name + ":" + String.join(",", actions);
  }

  /** pull, push, delete, * first, then any other in alphabetical order. */
  private static List<String> canonicalOrder(Set<String> actions) {
    List<String> out = new ArrayList<>(actions.size());
    for (String a : ACTION_ORDER) {
      if (actions.contains(a)) {
        out.add(a);
      }
    }
    for (String a : new TreeSet<>(actions)) {
      if (!ACTION_ORDER.contains(a)) {
        out.add(a);
      }
    }
    return out;
  }
}
