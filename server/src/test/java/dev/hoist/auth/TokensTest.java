package dev.hoist.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.SignedJWT;
import dev.hoist.oci.Scope;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TokensTest {
  private static final TokenKeys KEYS = TokenKeys.generate();
  private static final Instant T0 = Instant.parse("2026-11-30T12:00:00Z");

  private final AtomicReference<Instant> now = new AtomicReference<>(T0);
  private final InstantSource clock = now::get;
  private final Tokens tokens = new Tokens(KEYS, "hoist", Duration.ofMinutes(5), clock);
  private final List<Scope> pull = List.of(Scope.parse("repository:alice/app:pull"));

  @Test
  void mintedTokenVerifiesAndCarriesSubjectAndAccess() throws Exception {
    Tokens.Minted minted = tokens.mint("alice", "127.0.0.1:5000", pull);

    Tokens.Verified verified = tokens.verify(minted.token(), "127.0.0.1:5000");

    assertThat(verified.subject()).isEqualTo("alice");
    assertThat(verified.access()).containsExactlyElementsOf(pull);
    assertThat(minted.expiresIn()).isEqualTo(Duration.ofMinutes(5));
    assertThat(minted.issuedAt()).isEqualTo(T0);
  }

  @Test
  void tokenHasDistributionsHeaderAndClaims() throws Exception {
    SignedJWT jwt = SignedJWT.parse(tokens.mint("alice", "h:1", pull).token());
    assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("RS256");
    assertThat(jwt.getHeader().getKeyID()).isEqualTo(KEYS.keyId());
    var claims = jwt.getJWTClaimsSet();
    assertThat(claims.getIssuer()).isEqualTo("hoist");
    assertThat(claims.getAudience()).containsExactly("h:1");
    assertThat(claims.getJWTID()).isNotBlank();
    assertThat(claims.getNotBeforeTime()).isNotNull();
    assertThat(claims.getExpirationTime().toInstant()).isEqualTo(T0.plus(Duration.ofMinutes(5)));
    assertThat(claims.getListClaim("access")).hasSize(1);
  }

  @Test
  void expiredTokenIsAcceptedWithinTheLeewayAndRefusedAfterIt() throws Exception {
    String token = tokens.mint("alice", "h", pull).token();

    now.set(T0.plus(Duration.ofMinutes(5)).plusSeconds(59));
    assertThat(tokens.verify(token, "h").subject()).isEqualTo("alice");

    now.set(T0.plus(Duration.ofMinutes(5)).plusSeconds(61));
    assertThatThrownBy(() -> tokens.verify(token, "h"))
        .isInstanceOf(Tokens.InvalidTokenException.class)
        .hasMessage("token expired");
  }

  @Test
  void tokenFromTheFutureIsRefusedBeyondTheLeeway() throws Exception {
    String token = tokens.mint("alice", "h", pull).token();
    now.set(T0.minusSeconds(59));
    assertThat(tokens.verify(token, "h").subject()).isEqualTo("alice");
    now.set(T0.minusSeconds(61));
    assertThatThrownBy(() -> tokens.verify(token, "h"))
        .isInstanceOf(Tokens.InvalidTokenException.class);
  }

  @Test
  void tokenForAnotherHostIsRefused() {
    String token = tokens.mint("alice", "127.0.0.1:5000", pull).token();
    assertThatThrownBy(() -> tokens.verify(token, "localhost:5000"))
        .isInstanceOf(Tokens.InvalidTokenException.class)
        .hasMessage("token is for another host");
  }

  @Test
  void tokenSignedWithAnotherKeyIsRefused() {
    Tokens other = new Tokens(TokenKeys.generate(), "hoist", Duration.ofMinutes(5), clock);
    String token = other.mint("alice", "h", pull).token();
    assertThatThrownBy(() -> tokens.verify(token, "h"))
        .isInstanceOf(Tokens.InvalidTokenException.class)
        .hasMessage("bad signature");
  }

  @Test
  void tokenWithAlteredClaimsIsRefused() {
    String token = tokens.mint("alice", "h", pull).token();
    String[] parts = token.split("\\.");
    String payload =
        new String(Base64.getUrlDecoder().decode(parts[1])).replace("\"pull\"", "\"push\"");
    String forged =
        parts[0]
            + "."
            + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes())
            + "."
            + parts[2];
    assertThatThrownBy(() -> tokens.verify(forged, "h"))
        .isInstanceOf(Tokens.InvalidTokenException.class)
        .hasMessage("bad signature");
  }

  @Test
  void unsignedTokenIsRefused() {
    String token = tokens.mint("alice", "h", pull).token();
    String header =
        Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes());
    String none = header + "." + token.split("\\.")[1] + ".";
    assertThatThrownBy(() -> tokens.verify(none, "h"))
        .isInstanceOf(Tokens.InvalidTokenException.class);
  }

  @Test
  void tokenFromAnotherIssuerIsRefused() {
    Tokens other = new Tokens(KEYS, "someone-else", Duration.ofMinutes(5), clock);
    String token = other.mint("alice", "h", pull).token();
    assertThatThrownBy(() -> tokens.verify(token, "h"))
        .isInstanceOf(Tokens.InvalidTokenException.class)
        .hasMessage("wrong issuer");
  }

  @Test
  void garbageIsRefusedAsMalformed() {
    assertThatThrownBy(() -> tokens.verify("not-a-jwt", "h"))
        .isInstanceOf(Tokens.InvalidTokenException.class)
        .hasMessage("malformed token");
  }

  @Test
  void refreshTokenAndAccessTokenAreNeverAcceptedForEachOther() throws Exception {
    User alice = new User("alice", false, Set.of("dev"));
    String refresh = tokens.mintRefresh(alice, "stamp-1", "h");
    String access = tokens.mint("alice", "h", pull).token();

    assertThat(tokens.verifyRefresh(refresh, "h"))
        .isEqualTo(new Tokens.Refresh("alice", "stamp-1"));
    assertThatThrownBy(() -> tokens.verify(refresh, "h"))
        .isInstanceOf(Tokens.InvalidTokenException.class);
    assertThatThrownBy(() -> tokens.verifyRefresh(access, "h"))
        .isInstanceOf(Tokens.InvalidTokenException.class);
    assertThatThrownBy(() -> tokens.verifyRefresh(refresh, "other"))
        .isInstanceOf(Tokens.InvalidTokenException.class);
  }

  @Test
  void mintedTimesDoNotLeakIntoToString() {
    Tokens.Minted minted = tokens.mint("alice", "h", pull);
    assertThat(minted.toString()).doesNotContain(minted.token());
  }
}
