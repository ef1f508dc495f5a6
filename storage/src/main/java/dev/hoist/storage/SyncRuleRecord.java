package dev.hoist.storage;

import java.time.Instant;
import java.util.Objects;

/**
 * A stored sync rule.
 *
 * @param name the rule's unique name
 * @param definition the rule as JSON, owned by the sync package
 * @param updated when it was last created or changed
 */
public record SyncRuleRecord(String name, String definition, Instant updated) {
  public SyncRuleRecord {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(definition, "definition");
    Objects.requireNonNull(updated, "updated");
    if (name.isBlank()) {
      throw new IllegalArgumentException("sync rule name must not be blank");
    }
  }
}
