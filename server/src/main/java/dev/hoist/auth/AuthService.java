package dev.hoist.auth;

import dev.hoist.registry.AccessController;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The auth facade the composition root wires: the token service ({@link #tokenEndpoint}, served at
 * {@code /token}) and its verification on {@code /v2/} ({@link #accessController}), over the user
 * directories (an htpasswd file from the configuration, plus any given, such as the accelerator's
 * accounts) and the access rules.
 */
public final class AuthService {
  private static final Logger log = LoggerFactory.getLogger(AuthService.class);

  /** Where the generated signing key is kept, under the data directory. */
  public static final Path KEY_FILE = Path.of("auth", "token-key.pem");

  private final AuthConfig config;
  private final List<UserDirectory> directories;
  private final Tokens tokens;
  private final AccessPolicy policy;
  private final TrustedProxies proxies;
  private final LoginLimiter limiter;
  private final Set<String> reservedNames;

  private AuthService(
      AuthConfig config,
      List<UserDirectory> directories,
      Tokens tokens,
      AccessPolicy policy,
      LoginLimiter limiter,
      Set<String> reservedNames) {
    this.config = config;
    this.directories = List.copyOf(directories);
    this.tokens = tokens;
    this.policy = policy;
    this.proxies = TrustedProxies.parse(config.trustedProxies());
    this.limiter = limiter;
    this.reservedNames = Set.copyOf(reservedNames);
  }

  /**
   * Loads the htpasswd file and the signing key (generating it in {@code <dataDir>/auth/} when none
   * is configured).
   *
   * @param directories more user directories, asked after the htpasswd file, in order
   * @param mirrored whether a repository name (as a client sends it) is mirrored from an upstream
   * @param limiter failed password checks, shared with the console so that guesses count together
   * @throws IllegalArgumentException when the htpasswd file or the key is not usable
   */
  public static AuthService create(
      AuthConfig config,
      Path dataDir,
      List<UserDirectory> directories,
      InstantSource clock,
      Predicate<String> mirrored,
      LoginLimiter limiter) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(limiter, "limiter");
    List<UserDirectory> all = new ArrayList<>();
    Set<String> reserved = new HashSet<>(config.admins());
    if (config.htpasswd() != null) {
      HtpasswdDirectory htpasswd = HtpasswdDirectory.load(config.htpasswd(), config.admins());
      log.info("users loaded: file={} count={}", config.htpasswd(), htpasswd.size());
      all.add(htpasswd);
      reserved.addAll(htpasswd.names());
    }
    for (AccessRule rule : config.rules()) {
      reserved.addAll(rule.names());
    }
    all.addAll(directories);
    TokenKeys keys =
        config.tokenKey() != null
            ? TokenKeys.load(config.tokenKey())
            : TokenKeys.loadOrCreate(dataDir.resolve(KEY_FILE));
    Tokens tokens = new Tokens(keys, config.issuer(), config.tokenTtl(), clock);
    AccessPolicy policy = new AccessPolicy(config.rules(), config.anonymousPull(), mirrored);
    return new AuthService(config, all, tokens, policy, limiter, reserved);
  }

  /**
   * This service asking {@code more} after its other directories: how the composition root adds the
   * accelerator's accounts, which are made knowing {@link #reservedNames()}. Every user also owns
   * {@code <namespacePrefix>/<name>/} (the accounts' hosted namespaces), besides {@code <name>/}.
   */
  public AuthService withUsers(UserDirectory more, String namespacePrefix) {
    List<UserDirectory> all = new ArrayList<>(directories);
    all.add(Objects.requireNonNull(more, "more"));
    return new AuthService(
        config, all, tokens, policy.withNamespacePrefix(namespacePrefix), limiter, reservedNames);
  }

  /**
   * The names the configuration gives a meaning to: htpasswd users, {@code auth.admins}, the users
   * of {@code auth.rules} and the first component of each rule's prefix. A user with such a name
   * would get that meaning (an admin's rights, a rule's grants, the namespace {@code <name>/}), so
   * accounts may not take one as their username.
   */
  public Set<String> reservedNames() {
    return reservedNames;
  }

  /** Verifies tokens on {@code /v2/}: give it to {@code RegistryApi.create}. */
  public AccessController accessController() {
    return new TokenAccessController(tokens, policy, proxies, config.service());
  }

  /** The {@code /token} endpoint. */
  public Handler<HttpServerRequest> tokenEndpoint(Vertx vertx) {
    return new TokenEndpoint(vertx, this, tokens, policy, proxies, config.service(), limiter);
  }

  /**
   * The user with this name and password, asking each directory in turn; blocks (password hashing).
   */
  public Optional<User> authenticate(String username, String password) {
    return signIn(username, password).map(UserDirectory.Entry::user);
  }

  /**
   * Like {@link #authenticate}, with the password stamp from the same directory that accepted the
   * password (for a refresh token); blocks.
   */
  Optional<UserDirectory.Entry> signIn(String username, String password) {
    for (UserDirectory directory : directories) {
      Optional<UserDirectory.Entry> entry = directory.signIn(username, password);
      if (entry.isPresent()) {
        return Optional.of(
            new UserDirectory.Entry(
                withConfiguredAdmin(entry.get().user()), entry.get().passwordStamp()));
      }
    }
    return Optional.empty();
  }

  /**
   * The user a refresh token names, when a directory still has them with the same password; blocks.
   */
  Optional<User> stillValid(Tokens.Refresh refresh) {
    for (UserDirectory directory : directories) {
      Optional<User> user = directory.stillValid(refresh.subject(), refresh.passwordStamp());
      if (user.isPresent()) {
        return Optional.of(withConfiguredAdmin(user.get()));
      }
    }
    return Optional.empty();
  }

  /**
   * The user with this name as the directories hold it now (no password checked), with the
   * configured admin flag: what a page session is checked against on each request, so that a
   * removed or disabled user's sessions end at once. Blocks (a directory may be a database).
   */
  public Optional<User> user(String username) {
    for (UserDirectory directory : directories) {
      Optional<UserDirectory.Entry> entry = directory.find(username);
      if (entry.isPresent()) {
        return Optional.of(withConfiguredAdmin(entry.get().user()));
      }
    }
    return Optional.empty();
  }

  /**
   * Whether {@code user} (null: anonymous) may {@code action} ({@code pull}, {@code push}, {@code
   * delete}) the repository stored as {@code name}: the same policy the token service grants by.
   *
   * @param mirrored whether {@code name} is a cache name of the mirror (read-only content)
   */
  public boolean allows(User user, String name, boolean mirrored, String action) {
    return policy.allowed(user, "repository", name, mirrored).contains(action);
  }

  /**
   * The client's IP address as the login limiter counts it: the peer, or the address a trusted
   * proxy forwarded.
   */
  public String clientIp(HttpServerRequest request) {
    var remote = request.remoteAddress();
    return ClientAddress.clientIp(
        proxies,
        remote == null ? null : remote.hostAddress(),
        request.getHeader("X-Forwarded-For"));
  }

  private User withConfiguredAdmin(User u) {
    if (!u.admin() && u.isNamedIn(config.admins())) {
      return new User(u.name(), true, u.groups(), u.aliases());
    }
    return u;
  }
}
