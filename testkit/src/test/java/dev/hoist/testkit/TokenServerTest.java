package dev.hoist.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TokenServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static TokenServer server;
  private static HttpClient http;

  @BeforeAll
  static void start() {
    server =
        TokenServer.builder()
            .service("test-registry")
            .issuer("test-issuer")
            .user("alice", "s3cret", "pull", "push")
            .user("reader", "r", "pull")
            .tokenLifetime(Duration.ofMinutes(10))
            .start();
    http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();
  }

  @AfterAll
  static void stop() {
    server.close();
    http.close();
  }

  private static HttpResponse<String> get(String authorization, String... scopes) throws Exception {
    StringBuilder q = new StringBuilder("?service=test-registry");
    for (String s : scopes) {
      q.append("&scope=").append(URLEncoder.encode(s, StandardCharsets.UTF_8));
    }
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.realm() + q)).GET();
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private static SignedJWT token(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("access_token").asText()).isEqualTo(body.get("token").asText());
    assertThat(body.get("expires_in").asLong()).isEqualTo(600);
    assertThat(Instant.parse(body.get("issued_at").asText())).isBeforeOrEqualTo(Instant.now());
    return SignedJWT.parse(body.get("token").asText());
  }

  @Test
  void tokensAreSignedByTheCertificatesKeyAndNamedByItsLibtrustKeyId() throws Exception {
    SignedJWT jwt = token(get(null, "repository:library/x:pull"));

    X509Certificate cert;
    try (InputStream in = Files.newInputStream(server.certificatePem())) {
      cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    assertThat(cert).isEqualTo(server.certificate());
    cert.verify(cert.getPublicKey()); // self-signed
    assertThat(jwt.verify(new RSASSAVerifier((RSAPublicKey) cert.getPublicKey()))).isTrue();
    assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("RS256");

    String kid = jwt.getHeader().getKeyID();
    assertThat(kid).isEqualTo(server.keyId()).matches("([A-Z2-7]{4}:){11}[A-Z2-7]{4}");
    byte[] sha = MessageDigest.getInstance("SHA-256").digest(cert.getPublicKey().getEncoded());
    assertThat(base32Decode(kid.replace(":", ""))).isEqualTo(Arrays.copyOf(sha, 30));
  }

  @Test
  void claimsNameIssuerAudienceAndTimes() throws Exception {
    JWTClaimsSet c =
        token(get(basic("alice", "s3cret"), "repository:library/x:pull")).getJWTClaimsSet();
    assertThat(c.getIssuer()).isEqualTo("test-issuer");
    assertThat(c.getSubject()).isEqualTo("alice");
    assertThat(c.getAudience()).containsExactly("test-registry");
    assertThat(c.getJWTID()).isNotBlank();
    assertThat(c.getNotBeforeTime()).isEqualTo(c.getIssueTime());
    assertThat(c.getExpirationTime().getTime() - c.getIssueTime().getTime())
        .isEqualTo(Duration.ofMinutes(10).toMillis());
    assertThat(c.toJSONObject().get("aud"))
        .as("a single audience is a string")
        .isEqualTo("test-registry");
  }

  @Test
  void usersGetTheRequestedActionsTheyHave() throws Exception {
    JWTClaimsSet alice =
        token(get(basic("alice", "s3cret"), "repository:library/x:pull,push")).getJWTClaimsSet();
    assertThat(alice.getClaim("access"))
        .isEqualTo(
            List.of(
                Map.of(
                    "type",
                    "repository",
                    "name",
                    "library/x",
                    "actions",
                    List.of("pull", "push"))));

    JWTClaimsSet reader =
        token(get(basic("reader", "r"), "repository:library/x:pull,push")).getJWTClaimsSet();
    assertThat(reader.getClaim("access"))
        .isEqualTo(
            List.of(Map.of("type", "repository", "name", "library/x", "actions", List.of("pull"))));
  }

  @Test
  void anonymousCallersMayPullOnly() throws Exception {
    JWTClaimsSet anon = token(get(null, "repository:library/x:pull,push")).getJWTClaimsSet();
    assertThat(anon.getSubject()).isEmpty();
    assertThat(anon.getClaim("access"))
        .isEqualTo(
            List.of(Map.of("type", "repository", "name", "library/x", "actions", List.of("pull"))));
  }

  @Test
  void anonymousPullCanBeTurnedOff() throws Exception {
    try (TokenServer closed =
        TokenServer.builder().anonymousPull(false).tokenLifetime(Duration.ofMinutes(10)).start()) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(closed.realm() + "?scope=repository:a:pull"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(token(r).getJWTClaimsSet().getClaim("access")).isEqualTo(List.of());
    }
  }

  @Test
  void aRepositoryNameWithHostAndPortIsKeptWhole() throws Exception {
    JWTClaimsSet c =
        token(get(basic("alice", "s3cret"), "repository:localhost:5000/app:push"))
            .getJWTClaimsSet();
    assertThat(c.getClaim("access"))
        .isEqualTo(
            List.of(
                Map.of(
                    "type",
                    "repository",
                    "name",
                    "localhost:5000/app",
                    "actions",
                    List.of("push"))));
  }

  @Test
  void aWrongPasswordIsRefusedAndEveryRequestIsLogged() throws Exception {
    server.clearRequests();
    assertThat(get(basic("alice", "wrong"), "repository:a:pull").statusCode()).isEqualTo(401);
    get(null, "repository:a:pull");

    List<TokenServer.Request> log = server.requests();
    assertThat(log).hasSize(2);
    assertThat(log.get(0).status()).isEqualTo(401);
    assertThat(log.get(0).authorization()).isEqualTo(basic("alice", "wrong"));
    assertThat(log.get(0).account()).isNull();
    assertThat(log.get(1).hasAuthorization()).isFalse();
    assertThat(log.get(1).scopes()).containsExactly("repository:a:pull");
    assertThat(log.get(1).granted()).containsExactly("repository:a:pull");
  }

  @Test
  void base32MatchesRfc4648Vectors() {
    assertThat(TokenServer.base32("f".getBytes(StandardCharsets.US_ASCII))).isEqualTo("MY");
    assertThat(TokenServer.base32("foobar".getBytes(StandardCharsets.US_ASCII)))
        .isEqualTo("MZXW6YTBOI");
  }

  private static byte[] base32Decode(String s) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    byte[] out = new byte[s.length() * 5 / 8];
    int buffer = 0;
    int bits = 0;
    int n = 0;
    for (char ch : s.toCharArray()) {
      buffer = (buffer << 5) | alphabet.indexOf(ch);
      bits += 5;
      if (bits >= 8) {
        out[n++] = (byte) (buffer >> (bits - 8));
        bits -= 8;
      }
    }
    return out;
  }
}
