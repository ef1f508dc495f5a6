package dev.hoist.accelerator;

import dev.hoist.storage.ClusterTransaction.SessionRecord;
import dev.hoist.storage.MetadataStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Console sessions: a random token in an HttpOnly, SameSite=Lax cookie, and a CSRF token that every
 * state-changing request must echo in {@code X-CSRF-Token} (or a {@code csrf} form field).
 *
 * <p>Sessions live in the metadata store, so a session made on one node is valid on every node
 * sharing the store, and survives restarts. The store keeps only the SHA-256 of the token: someone
 * who reads the table cannot sign in with what they read. Expired sessions are refused at once and
 * removed now and then ({@link #PURGE_EVERY}) by the node that next signs someone in. Every method
 * but {@link #cookie} blocks (the database): call them off the event loop.
 */
final class Sessions {
  static final String COOKIE = "hoist_session";

  /** How often a node removes expired sessions (when it creates one). */
  static final Duration PURGE_EVERY = Duration.ofHours(1);

  record Session(String token, String accountId, String csrf, Instant expires) {}

  private final MetadataStore store;
  private final TenantIds ids;
  private final InstantSource clock;
  private final Duration lifetime;
  private final AtomicReference<Instant> lastPurge = new AtomicReference<>(Instant.MIN);

  Sessions(MetadataStore store, TenantIds ids, InstantSource clock, Duration lifetime) {
    this.store = store;
    this.ids = ids;
    this.clock = clock;
    this.lifetime = lifetime;
  }

  /** The key a session is stored under: the SHA-256 of its token, in hex. */
  static String key(String token) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** A new session for the account. Blocks. */
  Session create(String accountId) {
    Instant now = clock.instant();
    Session s = new Session(ids.token(), accountId, ids.token(), now.plus(lifetime));
    Instant last = lastPurge.get();
    boolean purge = !now.isBefore(last.plus(PURGE_EVERY)) && lastPurge.compareAndSet(last, now);
    store.write(
        tx -> {
          tx.cluster()
              .putSession(new SessionRecord(key(s.token()), accountId, s.csrf(), s.expires()));
          if (purge) {
            tx.cluster().deleteExpiredSessions(now);
          }
          return null;
        });
    return s;
  }

  /** The session of a cookie's token, unless there is none or it expired. Blocks. */
  Optional<Session> find(String token) {
    if (token == null || token.isEmpty()) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    return store
        .read(tx -> tx.cluster().session(key(token)))
        .filter(r -> !r.expires().isBefore(now))
        .map(r -> new Session(token, r.accountId(), r.csrf(), r.expires()));
  }

  /** Ends a session, on every node. Blocks. */
  void end(String token) {
    store.write(tx -> tx.cluster().deleteSession(key(token)));
  }

  /** The Set-Cookie value for a session ({@code null}: one that clears the cookie). */
  String cookie(Session session, boolean secure) {
    String value = session == null ? "" : session.token();
    long maxAge = session == null ? 0 : lifetime.toSeconds();
    return COOKIE
        + "="
        + value
        + "; Path=/; Max-Age="
        + maxAge
        + "; HttpOnly; SameSite=Lax"
        + (secure ? "; Secure" : "");
  }
}
