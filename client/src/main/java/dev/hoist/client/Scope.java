package dev.hoist.client;

import dev.hoist.oci.RepositoryName;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A token scope, {@code type:name:actions} as Distribution's {@code scope.md} defines it: {@code
 * repository:library/ubuntu:pull}, {@code repository:localhost:5000/app:pull,push}, {@code
 * registry:catalog:*}.
 *
 * <p>The name may itself contain {@code :} (a {@code host:port} prefix), so the type ends at the
 * first colon and the actions start after the last one.
 */
record Scope(String type, String name, Set<String> actions) {

  Scope {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(name, "name");
    actions = Set.copyOf(new TreeSet<>(actions));
  }

  static Scope pull(RepositoryName repository) {
    return new Scope("repository", repository.value(), Set.of("pull"));
  }

  static Scope pushPull(RepositoryName repository) {
    return new Scope("repository", repository.value(), Set.of("pull", "push"));
  }

  /** One scope; null when it has no type, name and actions. */
  static Scope parse(String text) {
    int first = text.indexOf(':');
    int last = text.lastIndexOf(':');
    if (first <= 0 || last == first || last == text.length() - 1) {
      return null;
    }
    Set<String> actions = new TreeSet<>();
    for (String a : text.substring(last + 1).split(",")) {
      if (!a.isBlank()) {
        actions.add(a.strip());
      }
    }
    return new Scope(text.substring(0, first), text.substring(first + 1, last), actions);
  }

  /** The scopes in a challenge's {@code scope} parameter (space separated); malformed skipped. */
  static List<Scope> parseList(String text) {
    List<Scope> out = new ArrayList<>();
    if (text != null) {
      for (String s : text.trim().split("\\s+")) {
        Scope scope = s.isEmpty() ? null : parse(s);
        if (scope != null) {
          out.add(scope);
        }
      }
    }
    return out;
  }

  /** Whether a token granted for {@code granted} also serves every scope in {@code needed}. */
  static boolean covers(Collection<Scope> granted, Collection<Scope> needed) {
    for (Scope n : needed) {
      boolean found = false;
      for (Scope g : granted) {
        if (g.type.equals(n.type) && g.name.equals(n.name) && g.actions.containsAll(n.actions)) {
          found = true;
          break;
        }
      }
      if (!found) {
        return false;
      }
    }
    return true;
  }

  /** {@code scopes} merged per resource (union of actions), in a stable order. */
  static List<Scope> merge(Collection<Scope> scopes) {
    java.util.TreeMap<String, Set<String>> byResource = new java.util.TreeMap<>();
    for (Scope s : scopes) {
      byResource.computeIfAbsent(s.type + ":" + s.name, k -> new TreeSet<>()).addAll(s.actions);
    }
    List<Scope> out = new ArrayList<>();
    byResource.forEach(
        (resource, actions) -> {
          int colon = resource.indexOf(':');
          out.add(new Scope(resource.substring(0, colon), resource.substring(colon + 1), actions));
        });
    return out;
  }

  @Override
  public String toString() {
    return type + ":" + name + ":" + String.join(",", new TreeSet<>(actions));
  }
}
