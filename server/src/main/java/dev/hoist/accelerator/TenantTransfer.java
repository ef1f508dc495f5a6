package dev.hoist.accelerator;

import dev.hoist.oci.OciException;
import dev.hoist.repository.TransferGate;
import java.util.Optional;

/**
 * The quota of one request to a tenant's address: refuses content once the tenant is over its
 * quota, reserves the exact length of a body before it is sent, and settles the reservation with
 * what was really written once the response is over. Never zero-copy, so that a transfer cut short
 * counts by the chunk.
 */
final class TenantTransfer implements TransferGate {
  private final TenantUsage usage;
  private final Quota quota;
  private long reservedLength;
  private boolean reserved;
  private long grantedElsewhere;

  TenantTransfer(TenantUsage usage, Quota quota) {
    this.usage = usage;
    this.quota = quota;
  }

  @Override
  public Optional<OciException> admitRequest() {
    return usage.underLimit(quota.today()) ? Optional.empty() : Optional.of(quota.refusal(usage));
  }

  @Override
  public synchronized Optional<OciException> admitTransfer(long length) {
    if (reserved) {
      // One body per request; a second call (there is none today) would need its own reservation.
      return Optional.empty();
    }
    if (!usage.reserve(length, quota.today())) {
      return Optional.of(quota.refusal(usage));
    }
    reserved = true;
    reservedLength = length;
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
    long bodyBytesWritten = Math.max(written, grantedElsewhere);
    if (reserved) {
      reserved = false;
      usage.settle(reservedLength, bodyBytesWritten, quota.today());
    } else {
      usage.charge(bodyBytesWritten, quota.today());
    }
  }
}
