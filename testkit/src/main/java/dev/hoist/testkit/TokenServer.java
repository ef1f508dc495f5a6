package dev.hoist.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A Docker token server (Distribution's {@code docs/spec/auth/token.md}) for tests against real
 * registries: {@code GET /token?service=..&scope=..} on {@code 127.0.0.1:<free port>}, answering
 * with RS256 JWTs that Debian's {@code docker-registry} (Distribution 2.8) accepts.
 *
 * <pre>{@code
 * try (TokenServer tokens = TokenServer.builder().user("alice", "secret", "pull", "push").start();
 *     DockerRegistryProcess registry =
 *         DockerRegistryProcess.builder()
 *             .tokenAuth(tokens.realm(), tokens.service(), tokens.issuer(), tokens.certificatePem())
 *             .start()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>The signing key is a fresh RSA key with a self-signed certificate written as PEM to {@link
 * #certificatePem()}, for the registry's {@code auth.token.rootcertbundle}. Distribution 2.8 finds
 * the key of a token through its {@code kid} header, the libtrust key ID of that certificate's
 * public key ({@link #libtrustKeyId(PublicKey)}).
 *
 * <p>Claims: {@code iss}, {@code sub} (the user, empty when anonymous), {@code aud} (the service),
 * {@code exp}, {@code nbf}, {@code iat}, {@code jti}, and {@code access}: for each requested {@code
 * repository} scope the requested actions the caller may have ({@code [{"type":"repository",
 * "name":"library/x","actions":["pull"]}]}). A user's actions apply to every repository; anonymous
 * callers get {@code pull} when {@link Builder#anonymousPull(boolean)} allows it, else nothing. A
 * wrong password or unknown user gets {@code 401}. Every request is logged ({@link #requests()}),
 * with the {@code Authorization} header it carried.
 */
public final class TokenServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final char[] BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();

  private final HttpServer server;
  private final ExecutorService executor;
  private final String service;
  private final String issuer;
  private final Map<String, User> users;
  private final boolean anonymousPull;
  private final Duration lifetime;
  private final InstantSource clock;
  private final KeyPair keyPair;
  private final X509Certificate certificate;
  private final String keyId;
  private final Path certificatePem;
  private final Path ownedDir;
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  /** One request to the token endpoint and what it was given. */
  public record Request(
      String method,
      String query,
      String authorization,
      String account,
      List<String> scopes,
      List<String> granted,
      int status) {
    public Request {
      scopes = List.copyOf(scopes);
      granted = List.copyOf(granted);
    }

    /** Whether the request carried an {@code Authorization} header. */
    public boolean hasAuthorization() {
      return authorization != null;
    }
  }

  private record User(String password, Set<String> actions) {}

  public static Builder builder() {
    return new Builder();
  }

  /** Options; {@link #start()} generates the key and certificate and starts serving. */
  public static final class Builder {
    private String service = "hoist-test-registry";
    private String issuer = "hoist-testkit-token-server";
    private final Map<String, User> users = new LinkedHashMap<>();
    private boolean anonymousPull = true;
    private Duration tokenLifetime = Duration.ofMinutes(5);
    private InstantSource clock = InstantSource.system();
    private Path workDir;

    private Builder() {}

    /** The {@code service} the registry is configured with; tokens carry it as {@code aud}. */
    public Builder service(String service) {
      this.service = Objects.requireNonNull(service);
      return this;
    }

    public Builder issuer(String issuer) {
      this.issuer = Objects.requireNonNull(issuer);
      return this;
    }

    /**
     * A user who may have {@code actions} ({@code pull}, {@code push}, ...) on every repository.
     */
    public Builder user(String username, String password, String... actions) {
      users.put(
          Objects.requireNonNull(username),
          new User(Objects.requireNonNull(password), Set.copyOf(Arrays.asList(actions))));
      return this;
    }

    /** Whether callers without credentials get {@code pull} (default true). */
    public Builder anonymousPull(boolean allowed) {
      this.anonymousPull = allowed;
      return this;
    }

    /** {@code expires_in} and {@code exp - iat} (default 5 minutes). */
    public Builder tokenLifetime(Duration lifetime) {
      this.tokenLifetime = Objects.requireNonNull(lifetime);
      return this;
    }

    public Builder clock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /** Where to write the certificate; without one a temp directory is used and deleted. */
    public Builder workDir(Path dir) {
      this.workDir = Objects.requireNonNull(dir);
      return this;
    }

    public TokenServer start() {
      try {
        return new TokenServer(this);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the token server", e);
      }
    }
  }

  private TokenServer(Builder b) throws IOException {
    this.service = b.service;
    this.issuer = b.issuer;
    this.users = Map.copyOf(b.users);
    this.anonymousPull = b.anonymousPull;
    this.lifetime = b.tokenLifetime;
    this.clock = b.clock;
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      this.keyPair = g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an RSA key", e);
    }
    this.certificate = selfSigned(keyPair, issuer, clock.instant());
    this.keyId = libtrustKeyId(keyPair.getPublic());
    this.ownedDir = b.workDir == null ? Files.createTempDirectory("hoist-token-server-") : null;
    Path dir = b.workDir != null ? b.workDir : ownedDir;
    Files.createDirectories(dir);
    this.certificatePem = dir.resolve("token-signing-cert.pem");
    Files.writeString(certificatePem, pem(certificate));
    this.executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "hoist-token-server");
              t.setDaemon(true);
              return t;
            });
    this.server =
        HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** {@code http://127.0.0.1:<port>/token}, for {@code auth.token.realm}. */
  public String realm() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
  }

  public URI realmUri() {
    return URI.create(realm());
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The {@code service} (and {@code aud}) of the tokens. */
  public String service() {
    return service;
  }

  /** The {@code iss} of the tokens, for {@code auth.token.issuer}. */
  public String issuer() {
    return issuer;
  }

  /** The signing certificate as PEM, for {@code auth.token.rootcertbundle}. */
  public Path certificatePem() {
    return certificatePem;
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /** The {@code kid} of every token: the libtrust key ID of the signing key. */
  public String keyId() {
    return keyId;
  }

  /** Every request so far, oldest first. */
  public List<Request> requests() {
    return List.copyOf(requests);
  }

  public void clearRequests() {
    requests.clear();
  }

  /**
   * The libtrust key ID Distribution 2.8 looks keys up by: SHA-256 of the DER SubjectPublicKeyInfo,
   * first 240 bits, base32 without padding, in 12 groups of 4 joined by {@code :}.
   */
  public static String libtrustKeyId(PublicKey key) {
    byte[] hash;
    try {
      hash = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    String b32 = base32(Arrays.copyOf(hash, 30));
    StringBuilder id = new StringBuilder();
    for (int i = 0; i < b32.length(); i += 4) {
      if (i > 0) {
        id.append(':');
      }
      id.append(b32, i, i + 4);
    }
    return id.toString();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    if (ownedDir != null) {
      deleteTree(ownedDir);
    }
  }

  @Override
  public String toString() {
    return "TokenServer[" + realm() + ", service=" + service + "]";
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      ex.getRequestBody().readAllBytes();
      String query = ex.getRequestURI().getRawQuery();
      String authorization = ex.getRequestHeaders().getFirst("Authorization");
      Map<String, List<String>> params = parseQuery(query);
      List<String> scopes = new ArrayList<>();
      for (String s : params.getOrDefault("scope", List.of())) {
        for (String part : s.trim().split("\\s+")) {
          if (!part.isEmpty()) {
            scopes.add(part);
          }
        }
      }
      if (!ex.getRequestMethod().equals("GET") || !ex.getRequestURI().getPath().equals("/token")) {
        requests.add(
            new Request(ex.getRequestMethod(), query, authorization, null, scopes, List.of(), 404));
        send(ex, 404, error("NOT_FOUND", "only GET /token is served here"));
        return;
      }
      String account = null;
      Set<String> allowed = anonymousPull ? Set.of("pull") : Set.of();
      if (authorization != null) {
        account = authenticate(authorization);
        if (account == null) {
          requests.add(new Request("GET", query, authorization, null, scopes, List.of(), 401));
          send(ex, 401, error("UNAUTHORIZED", "incorrect username or password"));
          return;
        }
        allowed = users.get(account).actions();
      }
      List<Map<String, Object>> access = new ArrayList<>();
      List<String> granted = new ArrayList<>();
      for (String scope : scopes) {
        Map<String, Object> entry = grant(scope, allowed);
        if (entry != null) {
          access.add(entry);
          @SuppressWarnings("unchecked")
          List<String> actions = (List<String>) entry.get("actions");
          granted.add(
              entry.get("type") + ":" + entry.get("name") + ":" + String.join(",", actions));
        }
      }
      Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
      String token = sign(account == null ? "" : account, access, now);
      ObjectNode body = JSON.createObjectNode();
      body.put("token", token);
      body.put("access_token", token);
      body.put("expires_in", lifetime.toSeconds());
      body.put("issued_at", DateTimeFormatter.ISO_INSTANT.format(now));
      requests.add(new Request("GET", query, authorization, account, scopes, granted, 200));
      send(ex, 200, JSON.writeValueAsBytes(body));
    }
  }

  /** The user a Basic header names with the right password, or null. */
  private String authenticate(String authorization) {
    if (!authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    String pair;
    try {
      pair =
          new String(
              Base64.getDecoder().decode(authorization.substring(6).trim()),
              StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    int colon = pair.indexOf(':');
    if (colon < 0) {
      return null;
    }
    String name = pair.substring(0, colon);
    User user = users.get(name);
    return user != null && user.password().equals(pair.substring(colon + 1)) ? name : null;
  }

  /**
   * The access entry for one {@code type:name:actions} scope (the name may hold {@code host:port},
   * so type ends at the first colon and actions begin after the last), or null if nothing is
   * granted.
   */
  private static Map<String, Object> grant(String scope, Set<String> allowed) {
    int first = scope.indexOf(':');
    int last = scope.lastIndexOf(':');
    if (first <= 0 || last == first) {
      return null;
    }
    String type = scope.substring(0, first);
    if (!type.equals("repository")) {
      return null;
    }
    Set<String> actions = new LinkedHashSet<>();
    for (String a : scope.substring(last + 1).split(",")) {
      if (allowed.contains(a) || (allowed.contains("*") && !a.isEmpty())) {
        actions.add(a);
      }
    }
    if (actions.isEmpty()) {
      return null;
    }
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("type", type);
    entry.put("name", scope.substring(first + 1, last));
    entry.put("actions", List.copyOf(actions));
    return entry;
  }

  private String sign(String subject, List<Map<String, Object>> access, Instant now) {
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .subject(subject)
            .audience(service)
            .expirationTime(Date.from(now.plus(lifetime)))
            .notBeforeTime(Date.from(now))
            .issueTime(Date.from(now))
            .jwtID(UUID.randomUUID().toString())
            .claim("access", access)
            .build();
    JWSHeader header =
        new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).keyID(keyId).build();
    SignedJWT jwt = new SignedJWT(header, claims);
    try {
      jwt.sign(new RSASSASigner(keyPair.getPrivate()));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a token", e);
    }
    return jwt.serialize();
  }

  private static X509Certificate selfSigned(KeyPair keyPair, String name, Instant now) {
    X500Name subject = new X500Name("CN=" + name.replaceAll("[,=+<>#;\"\\\\]", "_"));
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            subject,
            BigInteger.valueOf(now.toEpochMilli()),
            Date.from(now.minus(Duration.ofDays(1))),
            Date.from(now.plus(Duration.ofDays(3650))),
            subject,
            keyPair.getPublic());
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(
                  new JcaContentSignerBuilder("SHA256withRSA").build(keyPair.getPrivate())));
    } catch (OperatorCreationException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot create the signing certificate", e);
    }
  }

  private static String pem(X509Certificate cert) {
    try {
      String b64 =
          Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
              .encodeToString(cert.getEncoded());
      return "-----BEGIN CERTIFICATE-----\n" + b64 + "\n-----END CERTIFICATE-----\n";
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** RFC 4648 base32, no padding. */
  static String base32(byte[] data) {
    StringBuilder out = new StringBuilder();
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        out.append(BASE32[(buffer >> (bits - 5)) & 31]);
        bits -= 5;
      }
    }
    if (bits > 0) {
      out.append(BASE32[(buffer << (5 - bits)) & 31]);
    }
    return out.toString();
  }

  private static Map<String, List<String>> parseQuery(String raw) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
    return out;
  }

  private static byte[] error(String code, String message) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode e = root.putArray("errors").addObject();
    e.put("code", code);
    e.put("message", message);
    root.put("details", message);
    return root.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private static void deleteTree(Path dir) {
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.delete(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
              Files.delete(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      // best effort
    }
  }
}
