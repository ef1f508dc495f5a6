package dev.hoist.accelerator;

import dev.hoist.api.ApiError;
import dev.hoist.storage.AccessTokenRecord;
import dev.hoist.storage.AccountRecord;
import dev.hoist.storage.MetadataStore;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Personal access tokens: passwords for {@code docker login} and the token service that an account
 * names, lists and revokes, so that a CI job or a laptop never holds the account's password. The
 * secret ({@value #PREFIX} and 160 random bits) is shown once, when it is made; the store keeps its
 * SHA-256 only (it has all the entropy a hash needs, so no slow hash), in the same form as console
 * sessions. A token signs in as its own account only, never another; a revoked one is gone from the
 * store, so the next sign-in with it fails on every node at once. It does not open the console.
 * Every method blocks.
 */
final class AccessTokens {
  /** Every secret starts with this, so that it is told from a password before any lookup. */
  static final String PREFIX = "hoist_pat_";

  static final int MAX_NAME = 64;
  static final int MAX_PER_ACCOUNT = 50;

  /** The stamp a refresh token issued through a token carries: it ends with the token. */
  private static final String STAMP_PREFIX = "pat:";

  private final MetadataStore store;
  private final TenantIds ids;
  private final InstantSource clock;

  AccessTokens(MetadataStore store, TenantIds ids, InstantSource clock) {
    this.store = store;
    this.ids = ids;
    this.clock = clock;
  }

  /** A new token and its secret, which nobody can see again. */
  record Created(AccessTokenRecord token, String secret) {}

  Created create(AccountRecord account, String rawName) {
    String name = rawName == null ? "" : rawName.strip();
    if (name.isEmpty()
        || name.length() > MAX_NAME
        || name.chars().anyMatch(Character::isISOControl)) {
      throw new ApiError(
          400, "TOKEN_NAME_INVALID", "a token needs a name of 1 to " + MAX_NAME + " characters");
    }
    String secret = PREFIX + ids.token();
    AccessTokenRecord token =
        new AccessTokenRecord(
            ids.token(), account.id(), name, Sessions.key(secret), clock.instant(), null);
    boolean created =
        store.write(
            tx -> {
              if (tx.accounts().accessTokens(account.id()).size() >= MAX_PER_ACCOUNT) {
                throw new ApiError(
                    409, "TOO_MANY_TOKENS", "at most " + MAX_PER_ACCOUNT + " tokens per account");
              }
              return tx.accounts().createAccessToken(token);
            });
    if (!created) {
      // 160 random bits twice over: only a broken random source collides.
      throw new IllegalStateException("a new access token's id or hash is taken");
    }
    return new Created(token, secret);
  }

  List<AccessTokenRecord> list(AccountRecord account) {
    return store.read(tx -> tx.accounts().accessTokens(account.id()));
  }

  /** Revokes one of the account's own tokens: 404 for any other id, another account's too. */
  void revoke(AccountRecord account, String tokenId) {
    boolean deleted = store.write(tx -> tx.accounts().deleteAccessToken(account.id(), tokenId));
    if (!deleted) {
      throw new ApiError(404, "TOKEN_UNKNOWN", "no such token");
    }
  }

  /**
   * The token, when {@code secret} is one of {@code account}'s; its last use is recorded. Empty for
   * anything else: a password, a revoked token, another account's token.
   */
  Optional<AccessTokenRecord> signIn(AccountRecord account, String secret) {
    if (secret == null || !secret.startsWith(PREFIX)) {
      return Optional.empty();
    }
    Optional<AccessTokenRecord> token =
        store
            .read(tx -> tx.accounts().accessTokenByHash(Sessions.key(secret)))
            .filter(t -> t.accountId().equals(account.id()));
    token.ifPresent(
        t ->
            store.write(
                tx -> {
                  tx.accounts().touchAccessToken(t.id(), clock.instant());
                  return null;
                }));
    return token;
  }

  /** A token as the API lists it; never its hash. */
  static Map<String, Object> toJson(AccessTokenRecord t) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", t.id());
    json.put("name", t.name());
    json.put("created", t.created().toString());
    json.put("lastUsed", t.lastUsed() == null ? null : t.lastUsed().toString());
    return json;
  }

  static boolean looksLikeToken(String password) {
    return password != null && password.startsWith(PREFIX);
  }

  /** The password stamp of a refresh token issued through {@code token}. */
  static String stamp(AccessTokenRecord token) {
    return STAMP_PREFIX + token.id();
  }

  /** Whether {@code stamp} names a token of {@code account} that still exists. */
  boolean stampValid(AccountRecord account, String stamp) {
    if (!stamp.startsWith(STAMP_PREFIX)) {
      return false;
    }
    String id = stamp.substring(STAMP_PREFIX.length());
    return list(account).stream().anyMatch(t -> t.id().equals(id));
  }

  static boolean isTokenStamp(String stamp) {
    return stamp != null && stamp.startsWith(STAMP_PREFIX);
  }
}
