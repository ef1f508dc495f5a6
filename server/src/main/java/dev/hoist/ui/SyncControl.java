package dev.hoist.ui;

import dev.hoist.sync.SyncFeature;
import java.util.List;

/**
 * What the sync page needs of sync: the rules with their status, and starting a run. Both block (a
 * metadata read): the page calls them off the event loop.
 */
public interface SyncControl {
  List<SyncFeature.RuleOverview> rules();

  /** Starts a run now; false when there is no such rule. */
  boolean runNow(String rule);

  /** The server's sync, through the methods its API uses. */
  static SyncControl of(SyncFeature sync) {
    return new SyncControl() {
      @Override
      public List<SyncFeature.RuleOverview> rules() {
        return sync.rules();
      }

      @Override
      public boolean runNow(String rule) {
        return sync.runNow(rule);
      }
    };
  }
}
