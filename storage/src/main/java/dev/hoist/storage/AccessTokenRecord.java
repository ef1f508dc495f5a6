package dev.hoist.storage;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A personal access token of an accelerator account: a password for {@code docker login} and the
 * token service that the account names and revokes, stored only as a hash (the secret is shown
 * once, when it is made).
 *
 * @param id a random id, what the console and the API name it by
 * @param accountId the account it signs in as, and no other
 * @param name what the account called it ("laptop", "ci")
 * @param hash the SHA-256 of the secret, hex; unique
 * @param created when it was made
 * @param lastUsed when it last signed in, or null when never
 */
public record AccessTokenRecord(
    String id,
    String accountId,
    String name,
    String hash,
    Instant created,
    @Nullable Instant lastUsed) {
  public AccessTokenRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(accountId, "accountId");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(created, "created");
  }
}
