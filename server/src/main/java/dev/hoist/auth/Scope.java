package dev.hoist.auth;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One Docker token scope: {@code type:name:actions}, e.g. {@code repository:alice/app:pull,push} or
 * {@code registry:catalog:*}.
 *
 * <p>A repository name may itself contain a colon ({@code localhost:5000/x}), so the type ends at
 * the first colon and the actions start after the last one. A resource class in the type ({@code
 * repository(plugin)}) is dropped. Actions keep their order and lose duplicates.
 */
public record Scope(String type, String name, Set<String> actions) {
  private static final Pattern TYPE = Pattern.compile("[a-z0-9]+(\\([a-z0-9]+\\))?");
  private static final Pattern ACTION = Pattern.compile("[a-z0-9*]+");

  public Scope {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(actions, "actions");
    actions = Collections.unmodifiableSet(new LinkedHashSet<>(canonicalOrder(actions)));
  }

  /** pull, push, delete, * first, then anything else in its given order. */
  private static List<String> canonicalOrder(Set<String> actions) {
    List<String> order = List.of("pull", "push", "delete", "*");
    List<String> out = new ArrayList<>();
    for (String a : order) {
      if (actions.contains(a)) {
        out.add(a);
      }
    }
    for (String a : actions) {
      if (!out.contains(a)) {
        out.add(a);
      }
    }
    return out;
  }

  /**
   * Parses one scope.
   *
   * @throws IllegalArgumentException when it is not {@code type:name:actions}
   */
  public static Scope parse(String text) {
    Objects.requireNonNull(text, "scope");
    int first = text.indexOf(':');
    int last = text.lastIndexOf(':');
    if (first <= 0 || last == first || last == text.length() - 1 || last - first < 2) {
      throw new IllegalArgumentException("a scope is type:name:actions");
    }
    String type = text.substring(0, first);
    if (!TYPE.matcher(type).matches()) {
      throw new IllegalArgumentException("invalid scope type");
    }
    int paren = type.indexOf('(');
    if (paren > 0) {
      type = type.substring(0, paren);
    }
    String name = text.substring(first + 1, last);
    if (name.isBlank() || name.chars().anyMatch(c -> c <= ' ' || c == '"' || c == '\\')) {
      throw new IllegalArgumentException("invalid scope name");
    }
    Set<String> actions = new LinkedHashSet<>();
    for (String a : text.substring(last + 1).split(",")) {
      String action = a.trim();
      if (action.isEmpty()) {
        continue;
      }
      if (!ACTION.matcher(action).matches()) {
        throw new IllegalArgumentException("invalid scope action");
      }
      actions.add(action);
    }
    if (actions.isEmpty()) {
      throw new IllegalArgumentException("a scope needs at least one action");
    }
    return new Scope(type, name, actions);
  }

  /**
   * Every scope in the given parameters: each {@code scope} parameter may hold several scopes
   * separated by spaces (the OAuth2 form), and the parameter may repeat (the GET form).
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

  /** The same resource with other actions. */
  public Scope withActions(Set<String> newActions) {
    return new Scope(type, name, newActions);
  }

  /** {@code type:name:a,b}, the wire form. */
  @Override
  public String toString() {
    return type + ":" + name + ":" + String.join(",", actions);
  }
}
