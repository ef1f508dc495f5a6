package dev.hoist.auth;

import dev.hoist.oci.ErrorCode;
import dev.hoist.oci.Scope;
import dev.hoist.registry.AccessController;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the Bearer token of every {@code /v2/} request against the access the request needs.
 *
 * <ul>
 *   <li>No token: what anonymous clients may do passes (see {@link AccessPolicy}); everything else,
 *       and always the base endpoint {@code /v2/}, gets 401 {@code UNAUTHORIZED} with a challenge
 *       {@code Bearer realm="<scheme>://<host>/token",service="…",scope="…"}.
 *   <li>A token that is malformed, badly signed, expired (beyond the leeway), from another issuer,
 *       or minted for another host: 401 with {@code error="invalid_token"}.
 *   <li>A valid token that does not grant what is needed: 403 {@code DENIED} with {@code
 *       error="insufficient_scope"}; 401 {@code UNAUTHORIZED} (same challenge) when the token is
 *       anonymous, since signing in may help.
 * </ul>
 */
final class TokenAccessController implements AccessController {
  private static final Logger log = LoggerFactory.getLogger(TokenAccessController.class);

  private final Tokens tokens;
  private final AccessPolicy policy;
  private final TrustedProxies proxies;
  private final String service;

  TokenAccessController(
      Tokens tokens, AccessPolicy policy, TrustedProxies proxies, String service) {
    this.tokens = tokens;
    this.policy = policy;
    this.proxies = proxies;
    this.service = service;
  }

  @Override
  public Decision check(Request request) {
    ClientAddress address =
        ClientAddress.of(
            proxies,
            request.remoteAddress(),
            request.tls(),
            request.host(),
            request.addressPath(),
            request.header());
    if (address == null) {
      return new Decision.Denied(
          new Denial(ErrorCode.UNAUTHORIZED, "a valid Host header is required", Map.of()));
    }
    String scope = scope(request.access());
    String token = bearer(request.header().apply("Authorization"));
    if (token == null) {
      if (!request.access().isEmpty() && request.access().stream().allMatch(a -> anonymousMay(a))) {
        return Decision.ANONYMOUS;
      }
      return new Decision.Denied(
          new Denial(
              ErrorCode.UNAUTHORIZED, "authentication required", challenge(address, scope, null)));
    }
    Tokens.Verified verified;
    try {
      verified = tokens.verify(token, address.audience());
    } catch (Tokens.InvalidTokenException e) {
      log.info("token refused: reason={} host={}", e.getMessage(), address.audience());
      return new Decision.Denied(
          new Denial(
              ErrorCode.UNAUTHORIZED,
              "invalid token: " + e.getMessage(),
              challenge(address, scope, "invalid_token")));
    }
    for (Access needed : request.access()) {
      if (!granted(verified, needed) && !anonymousMay(needed)) {
        log.info(
            "insufficient scope: user={} host={} needed={}",
            verified.subject(),
            address.audience(),
            scope);
        // Without a user behind the token, signing in may help: 401; a user was refused: 403.
        boolean anonymous = verified.subject().isEmpty();
        return new Decision.Denied(
            new Denial(
                anonymous ? ErrorCode.UNAUTHORIZED : ErrorCode.DENIED,
                (anonymous ? "authentication required" : "insufficient scope")
                    + ": the token does not grant "
                    + scope,
                challenge(address, scope, "insufficient_scope")));
      }
    }
    return new Decision.Allowed(verified.subject().isEmpty() ? null : verified.subject());
  }

  private boolean anonymousMay(Access access) {
    return policy
        .allowed(null, access.type(), access.name(), access.mirrored())
        .containsAll(access.actions());
  }

  private static boolean granted(Tokens.Verified verified, Access needed) {
    for (Scope s : verified.access()) {
      if (s.type().equals(needed.type())
          && s.name().equals(needed.name())
          && (s.actions().contains("*") || s.actions().containsAll(needed.actions()))) {
        return true;
      }
    }
    return false;
  }

  /** The token of an {@code Authorization: Bearer} header, or null. */
  static String bearer(String authorization) {
    if (authorization == null) {
      return null;
    }
    String a = authorization.trim();
    if (a.length() < 7 || !a.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
      return null;
    }
    String token = a.substring(7).trim();
    return token.isEmpty() ? null : token;
  }

  static String scope(List<Access> access) {
    return access.stream()
        .map(a -> a.type() + ":" + a.name() + ":" + String.join(",", a.actions()))
        .collect(Collectors.joining(" "));
  }

  /** {@code WWW-Authenticate: Bearer realm=…,service=…[,scope=…][,error=…]}. */
  private Map<String, String> challenge(ClientAddress address, String scope, String error) {
    StringBuilder c = new StringBuilder("Bearer realm=\"");
    c.append(address.realm()).append("\",service=\"").append(service).append('"');
    if (!scope.isEmpty()) {
      c.append(",scope=\"").append(scope).append('"');
    }
    if (error != null) {
      c.append(",error=\"").append(error).append('"');
    }
    return Map.of("WWW-Authenticate", c.toString());
  }
}
