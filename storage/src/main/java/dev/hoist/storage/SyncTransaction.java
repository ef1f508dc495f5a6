package dev.hoist.storage;

import java.util.List;
import java.util.Optional;

/**
 * Sync rules and their run status, inside one {@link MetadataStore} transaction. A rule's
 * definition is opaque to storage (the sync package owns its JSON form); its status is kept apart
 * so that a run never rewrites the rule. Methods that write throw {@link IllegalStateException} in
 * a read transaction.
 */
public interface SyncTransaction {

  /** Every rule, by name. */
  List<SyncRuleRecord> rules();

  Optional<SyncRuleRecord> rule(String name);

  /** Creates or replaces a rule (its status is kept). */
  void putRule(SyncRuleRecord rule);

  /** Removes a rule and its status; returns whether the rule existed. */
  boolean deleteRule(String name);

  /** The status of a rule's runs, or empty before its first run. */
  Optional<SyncStatus> status(String name);

  /** Records a rule's run status (replacing what was known). */
  void putStatus(SyncStatus status);
}
