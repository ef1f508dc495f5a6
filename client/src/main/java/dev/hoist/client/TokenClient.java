package dev.hoist.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.Scope;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.StringJoiner;

/**
 * Fetches bearer tokens from a realm (Distribution's {@code token.md} and {@code oauth.md}).
 *
 * <ul>
 *   <li>Username and password: {@code GET <realm>?service=..&scope=..&account=..} with Basic auth.
 *   <li>Identity token: {@code POST <realm>} form {@code grant_type=refresh_token}.
 *   <li>No credentials, or a realm not trusted with them: anonymous {@code GET}.
 * </ul>
 *
 * <p>Credentials go only to a realm on the registry's own host or one of its {@code authHosts}, and
 * never from an https registry to an http realm: a registry must not be able to make the client
 * hand its password to a host of the registry's choosing. The answer's {@code token} (or {@code
 * access_token}) is used for {@code expires_in} seconds (60 if absent, at least 60) counted from
 * {@code issued_at} (or now, whichever is earlier), less a safety margin.
 */
final class TokenClient {
  static final Duration MIN_LIFETIME = Duration.ofSeconds(60);
  static final Duration MARGIN = Duration.ofSeconds(10);
  private static final int MAX_TOKEN_RESPONSE = 1 << 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RegistryEndpoint endpoint;
  private final Wire wire;
  private final InstantSource clock;

  TokenClient(RegistryEndpoint endpoint, Wire wire, InstantSource clock) {
    this.endpoint = endpoint;
    this.wire = wire;
    this.clock = clock;
  }

  Token fetch(URI realm, String service, List<Scope> scopes, String action)
      throws RegistryException, IOException, InterruptedException {
    Credentials credentials = endpoint.credentials();
    boolean withCredentials = credentials != null && endpoint.mayReceiveCredentials(realm);
    HttpRequest request;
    if (withCredentials && !credentials.isBasic()) {
      StringJoiner form = new StringJoiner("&");
      form.add("grant_type=refresh_token");
      form.add("refresh_token=" + encode(credentials.identityToken()));
      form.add("client_id=hoist");
      if (service != null) {
        form.add("service=" + encode(service));
      }
      if (!scopes.isEmpty()) {
        StringJoiner s = new StringJoiner(" ");
        scopes.forEach(scope -> s.add(scope.toString()));
        form.add("scope=" + encode(s.toString()));
      }
      request =
          wire.request(realm, false)
              .header("Content-Type", "application/x-www-form-urlencoded")
              .POST(HttpRequest.BodyPublishers.ofString(form.toString()))
              .build();
    } else {
      StringJoiner query = new StringJoiner("&");
      if (service != null) {
        query.add("service=" + encode(service));
      }
      for (Scope scope : scopes) {
        query.add("scope=" + encode(scope.toString()));
      }
      if (withCredentials) {
        query.add("account=" + encode(credentials.username()));
      }
      HttpRequest.Builder b = wire.request(withQuery(realm, query.toString()), false).GET();
      if (withCredentials) {
        b.header("Authorization", basic(credentials));
      }
      request = b.build();
    }
    String what = "token server " + realm.getRawAuthority();
    try (Wire.Response r = wire.send(request)) {
      if (r.status() != 200) {
        throw refused(r, what, withCredentials, action);
      }
      byte[] body = r.readBody(MAX_TOKEN_RESPONSE);
      return parse(body, scopes, what, action);
    }
  }

  private Token parse(byte[] body, List<Scope> scopes, String what, String action)
      throws RegistryException {
    JsonNode json;
    try {
      json = JSON.readTree(body);
    } catch (IOException e) {
      throw new RegistryException(
          ErrorCode.UNAUTHORIZED,
          200,
          action,
          what + " sent a token response that is not JSON",
          false);
    }
    String token = text(json, "token");
    if (token == null) {
      token = text(json, "access_token");
    }
    if (token == null || token.isEmpty()) {
      throw new RegistryException(
          ErrorCode.UNAUTHORIZED,
          200,
          action,
          what + " sent a token response without a token",
          false);
    }
    long expiresIn = json.path("expires_in").asLong(0);
    Duration lifetime = Duration.ofSeconds(Math.max(expiresIn, MIN_LIFETIME.toSeconds()));
    Instant now = clock.instant();
    Instant issuedAt = now;
    String issued = text(json, "issued_at");
    if (issued != null) {
      try {
        Instant stated = OffsetDateTime.parse(issued).toInstant();
        if (stated.isBefore(now)) {
          issuedAt = stated;
        }
      } catch (DateTimeParseException e) {
        // a bad issued_at is ignored: count from now
      }
    }
    return new Token(token, scopes, issuedAt.plus(lifetime).minus(MARGIN));
  }

  private RegistryException refused(
      Wire.Response r, String what, boolean withCredentials, String action) {
    int s = r.status();
    r.close();
    if (s == 401 || s == 403) {
      String who = withCredentials ? "the credentials" : "anonymous access";
      return new RegistryException(
          s == 401 ? ErrorCode.UNAUTHORIZED : ErrorCode.DENIED,
          s,
          action,
          what + " refused " + who + " (" + s + ")",
          false);
    }
    boolean retryable = s == 429 || s >= 500;
    return new RegistryException(
        s == 429
            ? ErrorCode.TOOMANYREQUESTS
            : retryable ? ErrorCode.UNAVAILABLE : ErrorCode.UNKNOWN,
        s,
        action,
        what + " answered " + s,
        retryable,
        RetryAfter.parse(r.header("Retry-After"), clock.instant()),
        null);
  }

  static String basic(Credentials c) {
    String pair = c.username() + ":" + c.password();
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }

  static URI withQuery(URI uri, String query) {
    if (query.isEmpty()) {
      return uri;
    }
    String s = uri.toString();
    int hash = s.indexOf('#');
    if (hash >= 0) {
      s = s.substring(0, hash);
    }
    return URI.create(s + (uri.getRawQuery() == null ? "?" : "&") + query);
  }

  private static String text(JsonNode json, String field) {
    JsonNode n = json.get(field);
    return n != null && n.isTextual() ? n.asText() : null;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
