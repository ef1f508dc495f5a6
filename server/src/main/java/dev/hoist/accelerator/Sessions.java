package dev.hoist.accelerator;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Console sessions, in memory (a restart signs everyone out): a random token in an HttpOnly,
 * SameSite=Lax cookie, and a CSRF token that every state-changing request must echo in {@code
 * X-CSRF-Token} (or a {@code csrf} form field).
 */
final class Sessions {
  static final String COOKIE = "hoist_session";

  record Session(String token, String accountId, String csrf, Instant expires) {}

  private final TenantIds ids;
  private final InstantSource clock;
  private final Duration lifetime;
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();

  Sessions(TenantIds ids, InstantSource clock, Duration lifetime) {
    this.ids = ids;
    this.clock = clock;
    this.lifetime = lifetime;
  }

  Session create(String accountId) {
    sessions.values().removeIf(s -> s.expires().isBefore(clock.instant()));
    Session s = new Session(ids.token(), accountId, ids.token(), clock.instant().plus(lifetime));
    sessions.put(s.token(), s);
    return s;
  }

  Optional<Session> find(String token) {
    if (token == null) {
      return Optional.empty();
    }
    Session s = sessions.get(token);
    if (s == null || s.expires().isBefore(clock.instant())) {
      return Optional.empty();
    }
    return Optional.of(s);
  }

  void end(String token) {
    sessions.remove(token);
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
