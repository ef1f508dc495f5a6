package dev.hoist.storage;

import java.time.Instant;
import java.util.Objects;

/**
 * Quota an account's transfer in flight holds: its full length, counted against the account's quota
 * from the moment it is admitted until it ends (then the bytes it really wrote are added to the
 * account's traffic) or, when its node died, until it expires.
 *
 * @param id a random id, unique across nodes
 * @param accountId the account whose quota it holds
 * @param node the node serving the transfer, which renews the hold while it lasts
 * @param bytes the transfer's length
 * @param expires when the hold stops counting unless renewed
 */
public record QuotaHold(String id, String accountId, String node, long bytes, Instant expires) {
  public QuotaHold {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(accountId, "accountId");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(expires, "expires");
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must not be negative: " + bytes);
    }
  }
}
