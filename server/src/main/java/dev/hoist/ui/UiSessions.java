package dev.hoist.ui;

import dev.hoist.auth.AuthService;
import dev.hoist.auth.User;
import dev.hoist.storage.ClusterTransaction.SessionRecord;
import dev.hoist.storage.MetadataStore;
import dev.hoist.web.Viewer;
import dev.hoist.web.Viewers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
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
 * The pages' sign-in sessions, and the {@link Viewers} of a server with auth: a random token in an
 * HttpOnly, SameSite=Lax cookie ({@code Secure} over TLS), and a CSRF token every form that changes
 * something echoes.
 *
 * <p>Sessions are kept where the accelerator's console keeps its own: the metadata store's session
 * records ({@link SessionRecord}), so a session made on one node works on every node sharing the
 * store and survives restarts; only the token's SHA-256 is stored. A record's account is {@code
 * ui:<username>}: the console's sessions name account ids, which hold no {@code :}, so neither kind
 * of session is mistaken for the other. The user is looked up again on each request: a user removed
 * from the directory, or no longer an admin, is so at once.
 */
public final class UiSessions implements Viewers {
  static final String COOKIE = "hoist_ui_session";
  static final String ACCOUNT_PREFIX = "ui:";

  /** How often a node removes expired sessions (when it creates one). */
  static final Duration PURGE_EVERY = Duration.ofHours(1);

  /** How long a session lasts after sign-in. */
  public static final Duration LIFETIME = Duration.ofHours(12);

  record Session(String token, String username, String csrf, Instant expires) {}

  private final Vertx vertx;
  private final MetadataStore store;
  private final AuthService auth;
  private final InstantSource clock;
  private final AtomicReference<Instant> lastPurge = new AtomicReference<>(Instant.MIN);

  public UiSessions(Vertx vertx, MetadataStore store, AuthService auth, InstantSource clock) {
    this.vertx = vertx;
    this.store = store;
    this.auth = auth;
    this.clock = clock;
  }

  @Override
  public Future<Viewer> of(HttpServerRequest request) {
    String token = Pages.cookie(request, COOKIE);
    if (token == null || token.isEmpty()) {
      return Future.succeededFuture(Viewer.ANONYMOUS);
    }
    return vertx.executeBlocking(() -> viewer(token), false);
  }

  /** The viewer a session token stands for; anonymous when it is unknown or expired. Blocks. */
  Viewer viewer(String token) {
    Optional<Session> session = find(token);
    if (session.isEmpty()) {
      return Viewer.ANONYMOUS;
    }
    Optional<User> user = auth.user(session.get().username());
    return user.map(u -> new Viewer(u.name(), u.admin(), session.get().csrf()))
        .orElse(Viewer.ANONYMOUS);
  }

  /** A new session for {@code username}. Blocks. */
  Session create(String username) {
    Instant now = clock.instant();
    Session s = new Session(Pages.randomToken(), username, Pages.randomToken(), now.plus(LIFETIME));
    Instant last = lastPurge.get();
    boolean purge = !now.isBefore(last.plus(PURGE_EVERY)) && lastPurge.compareAndSet(last, now);
    store.write(
        tx -> {
          tx.cluster()
              .putSession(
                  new SessionRecord(
                      key(s.token()), ACCOUNT_PREFIX + username, s.csrf(), s.expires()));
          if (purge) {
            tx.cluster().deleteExpiredSessions(now);
          }
          return null;
        });
    return s;
  }

  /** The session of a token, unless there is none, it expired or it is not a page session. */
  Optional<Session> find(String token) {
    Instant now = clock.instant();
    return store
        .read(tx -> tx.cluster().session(key(token)))
        .filter(r -> !r.expires().isBefore(now) && r.accountId().startsWith(ACCOUNT_PREFIX))
        .map(
            r ->
                new Session(
                    token,
                    r.accountId().substring(ACCOUNT_PREFIX.length()),
                    r.csrf(),
                    r.expires()));
  }

  /** Ends a session, on every node. Blocks. */
  void end(String token) {
    store.write(tx -> tx.cluster().deleteSession(key(token)));
  }

  /** The Set-Cookie value of a session; {@code null} clears the cookie. */
  static String cookie(Session session, boolean secure) {
    return COOKIE
        + "="
        + (session == null ? "" : session.token())
        + "; Path=/; Max-Age="
        + (session == null ? 0 : LIFETIME.toSeconds())
        + "; HttpOnly; SameSite=Lax"
        + (secure ? "; Secure" : "");
  }

  /** The key a session is stored under: the SHA-256 of its token, in hex. */
  static String key(String token) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      return "ui-" + HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
