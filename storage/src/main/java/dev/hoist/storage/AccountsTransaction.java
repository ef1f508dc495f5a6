package dev.hoist.storage;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;

/**
 * Accelerator accounts, their tenants and their daily traffic, inside one {@link MetadataStore}
 * transaction. Emails, usernames, tenant ids and invite codes are unique. Days are UTC dates.
 * Methods that write throw {@link IllegalStateException} in a read transaction.
 *
 * <p>Quota across nodes: an account's transfers in flight hold quota ({@link QuotaHold}) from the
 * moment they are admitted; {@link #holdQuota} admits one only while the account's traffic of the
 * period plus every hold is under its quota, in one atomic step, whichever node asks.
 */
public interface AccountsTransaction {

  /**
   * Creates an account; false (and nothing written) when its email, username, invite code or tenant
   * id is taken.
   */
  boolean createAccount(AccountRecord account);

  Optional<AccountRecord> account(String id);

  /** By email, exactly as stored (callers lowercase it). */
  Optional<AccountRecord> accountByEmail(String email);

  /** By username, exactly as stored (usernames are lowercase). */
  Optional<AccountRecord> accountByUsername(String username);

  Optional<AccountRecord> accountByTenant(String tenantId);

  Optional<AccountRecord> accountByInviteCode(String inviteCode);

  /** Every account, oldest first. */
  List<AccountRecord> accounts();

  /** Accounts created with {@code id}'s invite code, oldest first. */
  List<AccountRecord> invitedBy(String id);

  /**
   * Replaces an existing account's tenant id, quota, admin and disabled flags (email, username,
   * hash, invite code and inviter stay); false when there is no such account or the tenant id is
   * taken.
   */
  boolean updateAccount(AccountRecord account);

  /**
   * Stores a personal access token (its hash, never the secret); false, and nothing written, when
   * its id or hash is taken.
   */
  boolean createAccessToken(AccessTokenRecord token);

  /** An account's access tokens, oldest first. */
  List<AccessTokenRecord> accessTokens(String accountId);

  /** The access token whose secret has this hash. */
  Optional<AccessTokenRecord> accessTokenByHash(String hash);

  /** Deletes one of the account's tokens; false when the account has no token with this id. */
  boolean deleteAccessToken(String accountId, String id);

  /** Records that a token signed in at {@code when}; nothing when it is gone. */
  void touchAccessToken(String id, Instant when);

  /** Adds bytes to an account's traffic on a day. */
  void addUsage(String id, LocalDate day, long bytes);

  /** An account's traffic per day from {@code from} (inclusive), days without traffic left out. */
  SortedMap<LocalDate, Long> usage(String id, LocalDate from);

  /**
   * Records {@code hold} when the account's traffic since {@code periodStart} plus the bytes of
   * every hold of the account is under its {@code quotaBytes}; false, and nothing written, when it
   * is not or there is no such account. Atomic across nodes: two holds never both see the room only
   * one of them leaves.
   */
  boolean holdQuota(QuotaHold hold, LocalDate periodStart);

  /** The bytes the account's holds keep, expired ones included until they are removed. */
  long heldQuota(String accountId);

  /** Ends a hold; false when it was not there (never made, ended, or expired and removed). */
  boolean releaseQuota(String holdId);

  /** Moves the expiry of these holds (those still there) to {@code expires}; returns how many. */
  int renewQuotaHolds(Collection<String> holdIds, Instant expires);

  /** Removes holds that expired before {@code now} (their node died); returns how many. */
  int expireQuotaHolds(Instant now);
}
