package dev.hoist.storage;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An accelerator account: who signs in to the console, and the tenant (personal mirror address)
 * they run, if any.
 *
 * @param id a stable random id, never shown as an address
 * @param email the sign-in name, lowercase
 * @param username the registry name (the accelerator's {@code Username} decides what is valid): the
 *     subject of the account's tokens, so the account may push to {@code <username>/...}; also
 *     accepted at sign-in
 * @param passwordHash an encoded password hash (never the password)
 * @param admin whether the account administers the accelerator
 * @param tenantId the personal mirror address's id, or null before the accelerator is started
 * @param quotaBytes the traffic allowed per quota period, bonuses included
 * @param disabled whether the tenant is refused service
 * @param inviteCode the code others sign up with to give both sides the invitation bonus
 * @param invitedBy the id of the account whose code was used at sign-up, or null
 * @param created when the account was created
 */
public record AccountRecord(
    String id,
    String email,
    String username,
    String passwordHash,
    boolean admin,
    @Nullable String tenantId,
    long quotaBytes,
    boolean disabled,
    String inviteCode,
    @Nullable String invitedBy,
    Instant created) {

  public AccountRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(email, "email");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(passwordHash, "passwordHash");
    Objects.requireNonNull(inviteCode, "inviteCode");
    Objects.requireNonNull(created, "created");
    if (quotaBytes < 0) {
      throw new IllegalArgumentException("quotaBytes must not be negative: " + quotaBytes);
    }
  }

  public AccountRecord withTenantId(@Nullable String tenantId) {
    return new AccountRecord(
        id,
        email,
        username,
        passwordHash,
        admin,
        tenantId,
        quotaBytes,
        disabled,
        inviteCode,
        invitedBy,
        created);
  }

  public AccountRecord withQuotaBytes(long quotaBytes) {
    return new AccountRecord(
        id,
        email,
        username,
        passwordHash,
        admin,
        tenantId,
        quotaBytes,
        disabled,
        inviteCode,
        invitedBy,
        created);
  }

  public AccountRecord withDisabled(boolean disabled) {
    return new AccountRecord(
        id,
        email,
        username,
        passwordHash,
        admin,
        tenantId,
        quotaBytes,
        disabled,
        inviteCode,
        invitedBy,
        created);
  }

  public AccountRecord withAdmin(boolean admin) {
    return new AccountRecord(
        id,
        email,
        username,
        passwordHash,
        admin,
        tenantId,
        quotaBytes,
        disabled,
        inviteCode,
        invitedBy,
        created);
  }

  /** Hides the hash, so that a record never puts it in a log. */
  @Override
  public String toString() {
    return "AccountRecord[id="
        + id
        + ", email="
        + email
        + ", username="
        + username
        + ", tenantId="
        + tenantId
        + "]";
  }
}
