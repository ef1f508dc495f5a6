package dev.hoist.client;

import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.Scope;
import java.io.IOException;
import java.net.URI;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides the {@code Authorization} header of registry requests, in the spirit of
 * go-containerregistry's ping / bearer / basic transports.
 *
 * <ol>
 *   <li>Until the registry has challenged, requests go anonymously.
 *   <li>A {@code 401} with a {@code Bearer} challenge: the realm and service are remembered, a
 *       token for the request's scopes (plus the challenge's) is fetched through {@link
 *       TokenClient} and cached; the request is sent once more with it.
 *   <li>A {@code 401} with only {@code Basic}: with a username and password, the request is sent
 *       once more with them, and later requests carry them from the start.
 *   <li>Once a Bearer challenge is known, later requests get a token before they are sent: a cached
 *       one whose scopes cover theirs, else a new one.
 * </ol>
 *
 * <p>Tokens are cached per realm, service and set of scopes until shortly before they expire.
 * Thread-safe; two threads missing the same scope at once may both fetch a token.
 */
final class Authenticator {
  private final RegistryEndpoint endpoint;
  private final TokenClient tokens;
  private final InstantSource clock;
  private final Map<String, Token> cache = new ConcurrentHashMap<>();
  private volatile BearerRealm bearer;
  private volatile boolean basic;

  /** Where tokens come from, as the last Bearer challenge said. */
  record BearerRealm(URI realm, String service) {
    String key() {
      return realm + " " + (service == null ? "" : service);
    }
  }

  Authenticator(RegistryEndpoint endpoint, TokenClient tokens, InstantSource clock) {
    this.endpoint = endpoint;
    this.tokens = tokens;
    this.clock = clock;
  }

  /** The header for a request about to be sent, or null to send it without one. */
  String beforeSend(List<Scope> scopes, String action)
      throws RegistryException, IOException, InterruptedException {
    BearerRealm b = bearer;
    if (b != null) {
      return "Bearer " + token(b, scopes, List.of(), action).value();
    }
    if (basic && hasPassword()) {
      return TokenClient.basic(endpoint.credentials());
    }
    return null;
  }

  /**
   * The header to retry a request with after the registry answered 401 with {@code challenges}, or
   * null when the challenge cannot be answered (no usable scheme, or Basic without a password).
   */
  String onChallenge(List<Challenge> challenges, List<Scope> scopes, String action)
      throws RegistryException, IOException, InterruptedException {
    Challenge c = remember(challenges, action);
    if (c == null) {
      return null;
    }
    if (c.scheme().equals("bearer")) {
      BearerRealm b = bearer;
      List<Scope> extra = Scope.parseTolerant(c.param("scope"));
      forget(b, scopes); // the token we sent (if any) was not enough
      return "Bearer " + fetch(b, scopes, extra, action).value();
    }
    return hasPassword() ? TokenClient.basic(endpoint.credentials()) : null;
  }

  /**
   * Records what the registry asked for, so later requests authenticate up front; returns the
   * challenge acted on (Bearer preferred), or null when none is usable.
   */
  Challenge remember(List<Challenge> challenges, String action) throws RegistryException {
    for (Challenge c : challenges) {
      if (c.scheme().equals("bearer") && c.param("realm") != null) {
        URI realm = realm(c.param("realm"), action);
        bearer = new BearerRealm(realm, c.param("service"));
        return c;
      }
    }
    for (Challenge c : challenges) {
      if (c.scheme().equals("basic")) {
        basic = true;
        return c;
      }
    }
    return null;
  }

  private Token token(BearerRealm b, List<Scope> scopes, List<Scope> extra, String action)
      throws RegistryException, IOException, InterruptedException {
    Token cached = cached(b, scopes);
    return cached != null ? cached : fetch(b, scopes, extra, action);
  }

  private Token fetch(BearerRealm b, List<Scope> scopes, List<Scope> extra, String action)
      throws RegistryException, IOException, InterruptedException {
    List<Scope> wanted = new ArrayList<>(scopes);
    wanted.addAll(extra);
    List<Scope> merged = Scope.merge(wanted);
    Token t = tokens.fetch(b.realm(), b.service(), merged, action);
    cache.put(cacheKey(b, merged), t);
    return t;
  }

  /** A cached, unexpired token for the realm whose scopes cover {@code scopes}, or null. */
  Token cached(BearerRealm b, List<Scope> scopes) {
    Token exact = cache.get(cacheKey(b, Scope.merge(scopes)));
    if (usable(exact)) {
      return exact;
    }
    String prefix = b.key() + "|";
    Iterator<Map.Entry<String, Token>> it = cache.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Token> e = it.next();
      Token t = e.getValue();
      if (!usable(t)) {
        it.remove();
      } else if (e.getKey().startsWith(prefix) && Scope.covers(t.scopes(), scopes)) {
        return t;
      }
    }
    return null;
  }

  private void forget(BearerRealm b, List<Scope> scopes) {
    cache.remove(cacheKey(b, Scope.merge(scopes)));
    String prefix = b.key() + "|";
    cache
        .entrySet()
        .removeIf(
            e -> e.getKey().startsWith(prefix) && Scope.covers(e.getValue().scopes(), scopes));
  }

  private boolean usable(Token t) {
    return t != null && clock.instant().isBefore(t.usableUntil());
  }

  private boolean hasPassword() {
    Credentials c = endpoint.credentials();
    return c != null && c.isBasic();
  }

  private static String cacheKey(BearerRealm b, List<Scope> merged) {
    StringBuilder k = new StringBuilder(b.key()).append('|');
    for (Scope s : merged) {
      k.append(s).append(' ');
    }
    return k.toString();
  }

  private static URI realm(String text, String action) throws RegistryException {
    try {
      URI realm = new URI(text);
      String scheme = Objects.toString(realm.getScheme(), "").toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && realm.getHost() != null) {
        return realm;
      }
    } catch (java.net.URISyntaxException e) {
      // fall through
    }
    throw new RegistryException(
        ErrorCode.UNAUTHORIZED,
        401,
        action,
        "the registry's Bearer challenge has no usable realm: '" + text + "'",
        false);
  }
}
