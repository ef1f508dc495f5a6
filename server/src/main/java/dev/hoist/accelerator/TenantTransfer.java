package dev.hoist.accelerator;

import dev.hoist.oci.OciException;
import dev.hoist.repository.TransferGate;
import java.util.Optional;

/**
 * The quota of one request to a tenant's address: refuses content once the tenant is over its
 * quota, holds the exact length of a body before it is sent (in the store, against every node's
 * transfers: {@link QuotaLedger}), and settles the hold with what was really written once the
 * response is over. Never zero-copy, so that a transfer cut short counts by the chunk.
 */
final class TenantTransfer implements TransferGate {
  private final QuotaLedger ledger;
  private final Quota quota;
  private final String accountId;
  private String holdId; // guarded by this
  private boolean ended; // guarded by this
  private long grantedElsewhere; // guarded by this

  TenantTransfer(QuotaLedger ledger, Quota quota, String accountId) {
    this.ledger = ledger;
    this.quota = quota;
    this.accountId = accountId;
  }

  /** Blocks (one read); the registry asks it on a worker, before the content is looked up. */
  @Override
  public Optional<OciException> admitRequest() {
    QuotaLedger.Standing standing = ledger.standing(accountId);
    if (standing.under()) {
      ledger.admitted(accountId);
      return Optional.empty();
    }
    ledger.refused(accountId, standing);
    return Optional.of(quota.refusal(standing));
  }

  @Override
  public boolean admissionBlocks() {
    return true;
  }

  /** Blocks (one write); see {@link #admissionBlocks()}. */
  @Override
  public Optional<OciException> admitTransfer(long length) {
    synchronized (this) {
      if (holdId != null) {
        // One body per request; a second call (there is none today) would need its own hold.
        return Optional.empty();
      }
    }
    Optional<String> hold = ledger.hold(accountId, length);
    if (hold.isEmpty()) {
      QuotaLedger.Standing standing = ledger.standing(accountId);
      ledger.refused(accountId, standing);
      return Optional.of(quota.refusal(standing));
    }
    synchronized (this) {
      if (ended) {
        // The client left while the hold was made: nothing will be sent.
        ledger.settle(accountId, hold.get(), 0);
      } else {
        holdId = hold.get();
      }
    }
    return Optional.empty();
  }

  @Override
  public boolean zeroCopy() {
    return false;
  }

  @Override
  public synchronized void redirected(long length) {
    grantedElsewhere = length;
  }

  /**
   * Called once the response is over (sent, or cut short): charges what was written, or what a
   * redirect granted.
   */
  synchronized void finished(long written) {
    long bodyBytes = Math.max(written, grantedElsewhere);
    if (ended) {
      return;
    }
    ended = true;
    if (holdId != null) {
      ledger.settle(accountId, holdId, bodyBytes);
    } else {
      ledger.charge(accountId, bodyBytes);
    }
  }
}
