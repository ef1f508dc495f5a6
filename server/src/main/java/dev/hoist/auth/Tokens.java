package dev.hoist.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.hoist.oci.Scope;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Mints and verifies the registry's tokens: RS256 JWTs in Distribution's format ({@code iss},
 * {@code sub}, {@code aud}, {@code exp}, {@code nbf}, {@code iat}, {@code jti}, and {@code access}:
 * {@code [{"type","name","actions"}]}), with {@code kid} the libtrust key ID.
 *
 * <p>The audience is the host the client used (normalised), so a token minted at one address is
 * refused at another. Verification allows {@link #LEEWAY} of clock skew on {@code exp}, {@code nbf}
 * and {@code iat}. A refresh token (OAuth2 {@code access_type=offline}) is a JWT of the same key
 * with {@code typ} {@code refresh+jwt}, the user's name and a stamp of their password hash; what
 * the user may do is looked up again on every refresh. The two kinds are never accepted for each
 * other.
 */
final class Tokens {
  static final Duration LEEWAY = Duration.ofSeconds(60);
  static final Duration REFRESH_TTL = Duration.ofDays(30);
  private static final JOSEObjectType REFRESH = new JOSEObjectType("refresh+jwt");
  private static final String PASSWORD_STAMP = "pst";

  private final TokenKeys keys;
  private final String issuer;
  private final Duration ttl;
  private final InstantSource clock;
  private final RSASSASigner signer;
  private final RSASSAVerifier verifier;

  Tokens(TokenKeys keys, String issuer, Duration ttl, InstantSource clock) {
    this.keys = Objects.requireNonNull(keys, "keys");
    this.issuer = Objects.requireNonNull(issuer, "issuer");
    this.ttl = Objects.requireNonNull(ttl, "ttl");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.signer = new RSASSASigner(keys.privateKey());
    this.verifier = new RSASSAVerifier(keys.publicKey());
  }

  /** An issued token: the JWT, when it was issued, and how long it lives. */
  record Minted(String token, Instant issuedAt, Duration expiresIn) {
    @Override
    public String toString() {
      return "Minted[issuedAt=" + issuedAt + ", expiresIn=" + expiresIn + "]";
    }
  }

  /** What a verified access token says: who (empty: anonymous) and what they may do. */
  record Verified(String subject, List<Scope> access) {}

  /** Why a token was refused; the message is safe to show and log (it holds no token). */
  static final class InvalidTokenException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidTokenException(String message) {
      super(message, null, false, false);
    }
  }

  Duration ttl() {
    return ttl;
  }

  Minted mint(String subject, String audience, List<Scope> access) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    List<Map<String, Object>> claim = new ArrayList<>();
    for (Scope s : access) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("type", s.type());
      entry.put("name", s.name());
      entry.put("actions", new ArrayList<>(s.actions()));
      claim.add(entry);
    }
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .subject(subject == null ? "" : subject)
            .audience(audience)
            .issueTime(Date.from(now))
            .notBeforeTime(Date.from(now))
            .expirationTime(Date.from(now.plus(ttl)))
            .jwtID(UUID.randomUUID().toString())
            .claim("access", claim)
            .build();
    return new Minted(sign(JOSEObjectType.JWT, claims), now, ttl);
  }

  Verified verify(String token, String audience) throws InvalidTokenException {
    JWTClaimsSet claims = check(token, audience, JOSEObjectType.JWT);
    List<Scope> access = new ArrayList<>();
    try {
      List<Object> entries = claims.getListClaim("access");
      if (entries != null) {
        for (Object o : entries) {
          if (!(o instanceof Map<?, ?> m)) {
            throw new InvalidTokenException("malformed access claim");
          }
          Object type = m.get("type");
          Object name = m.get("name");
          Object actions = m.get("actions");
          if (!(type instanceof String t)
              || !(name instanceof String n)
              || !(actions instanceof List<?> list)) {
            throw new InvalidTokenException("malformed access claim");
          }
          Set<String> a = new LinkedHashSet<>();
          for (Object x : list) {
            a.add(String.valueOf(x));
          }
          access.add(new Scope(t, n, a));
        }
      }
    } catch (ParseException | IllegalArgumentException e) {
      throw new InvalidTokenException("malformed access claim");
    }
    String subject = claims.getSubject();
    return new Verified(subject == null ? "" : subject, access);
  }

  /** What a verified refresh token says: whose it is, and the password stamp it was issued with. */
  record Refresh(String subject, String passwordStamp) {}

  /**
   * A refresh token for {@code user} at {@code audience}, bound to {@code passwordStamp} (see
   * {@link UserDirectory#passwordStamp}) so that a new password ends it.
   */
  String mintRefresh(User user, String passwordStamp, String audience) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .subject(user.name())
            .audience(audience)
            .issueTime(Date.from(now))
            .notBeforeTime(Date.from(now))
            .expirationTime(Date.from(now.plus(REFRESH_TTL)))
            .jwtID(UUID.randomUUID().toString())
            .claim(PASSWORD_STAMP, passwordStamp)
            .build();
    return sign(REFRESH, claims);
  }

  /** Whose a refresh token is; the caller checks the user still exists with that password. */
  Refresh verifyRefresh(String token, String audience) throws InvalidTokenException {
    JWTClaimsSet claims = check(token, audience, REFRESH);
    try {
      String subject = claims.getSubject();
      String stamp = claims.getStringClaim(PASSWORD_STAMP);
      if (subject == null || subject.isEmpty() || stamp == null || stamp.isEmpty()) {
        throw new InvalidTokenException("refresh token without subject or password stamp");
      }
      return new Refresh(subject, stamp);
    } catch (ParseException e) {
      throw new InvalidTokenException("malformed refresh token");
    }
  }

  private String sign(JOSEObjectType type, JWTClaimsSet claims) {
    JWSHeader header =
        new JWSHeader.Builder(JWSAlgorithm.RS256).type(type).keyID(keys.keyId()).build();
    SignedJWT jwt = new SignedJWT(header, claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a token", e);
    }
    return jwt.serialize();
  }

  private JWTClaimsSet check(String token, String audience, JOSEObjectType type)
      throws InvalidTokenException {
    SignedJWT jwt;
    JWTClaimsSet claims;
    try {
      jwt = SignedJWT.parse(token);
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException | RuntimeException e) {
      throw new InvalidTokenException("malformed token");
    }
    if (!JWSAlgorithm.RS256.equals(jwt.getHeader().getAlgorithm())) {
      throw new InvalidTokenException("unexpected signature algorithm");
    }
    JOSEObjectType actual = jwt.getHeader().getType();
    boolean refresh = REFRESH.equals(actual);
    if (refresh != REFRESH.equals(type)) {
      throw new InvalidTokenException("wrong kind of token");
    }
    try {
      if (!jwt.verify(verifier)) {
        throw new InvalidTokenException("bad signature");
      }
    } catch (JOSEException e) {
      throw new InvalidTokenException("bad signature");
    }
    if (!issuer.equals(claims.getIssuer())) {
      throw new InvalidTokenException("wrong issuer");
    }
    if (audience == null
        || claims.getAudience() == null
        || !claims.getAudience().contains(audience)) {
      throw new InvalidTokenException("token is for another host");
    }
    Instant now = clock.instant();
    Date exp = claims.getExpirationTime();
    if (exp == null || !now.isBefore(exp.toInstant().plus(LEEWAY))) {
      throw new InvalidTokenException("token expired");
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && now.plus(LEEWAY).isBefore(nbf.toInstant())) {
      throw new InvalidTokenException("token not yet valid");
    }
    Date iat = claims.getIssueTime();
    if (iat != null && now.plus(LEEWAY).isBefore(iat.toInstant())) {
      throw new InvalidTokenException("token issued in the future");
    }
    return claims;
  }
}
