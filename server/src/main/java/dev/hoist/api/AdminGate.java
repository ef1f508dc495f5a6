package dev.hoist.api;

import dev.hoist.auth.User;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may call an operator API ({@code /api/v1/sync}, {@code /api/v1/admin}): with auth, a Hoist
 * user by HTTP Basic reads, and only an admin ({@code auth.admins}, or an accelerator admin) makes
 * changes; no or wrong credentials get 401 with {@code WWW-Authenticate: Basic}, a user who is not
 * an admin 403. Without auth the API is open (and served by default only on loopback).
 */
public final class AdminGate {
  private static final Logger log = LoggerFactory.getLogger(AdminGate.class);
  private static final String CHALLENGE = "Basic realm=\"hoist\", charset=\"UTF-8\"";

  /** The users the API checks: the auth service's own check. */
  @FunctionalInterface
  public interface Users {
    /** The user with this name and password, or empty; may block (password hashing). */
    Optional<User> authenticate(String username, String password);
  }

  private final Users users;
  private final String api;

  /**
   * @param users who may call the API; null when the server has no auth (the API is open)
   * @param api the API's name in log lines
   */
  public AdminGate(Users users, String api) {
    this.users = users;
    this.api = api;
  }

  /** Throws a 401 or 403 {@link ApiError} when the request may not go on; blocks (bcrypt). */
  public void check(HttpServerRequest request) {
    if (users == null) {
      return;
    }
    Optional<BasicCredentials> credentials =
        BasicCredentials.parse(request.getHeader("Authorization"));
    if (credentials.isEmpty()) {
      throw unauthorized("authentication required: use HTTP Basic with a Hoist user");
    }
    Optional<User> user =
        users.authenticate(credentials.get().username(), credentials.get().password());
    if (user.isEmpty()) {
      log.info("{} sign-in refused: user={}", api, credentials.get().username());
      throw unauthorized("wrong username or password");
    }
    boolean reads = request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD;
    if (!reads && !user.get().admin()) {
      log.info(
          "{} change refused, not an admin: user={} method={} path={}",
          api,
          user.get().name(),
          request.method(),
          request.path());
      throw new ApiError(
          403, "FORBIDDEN", "administrators only: " + user.get().name() + " is not an admin");
    }
  }

  private static ApiError unauthorized(String message) {
    return new ApiError(401, "UNAUTHORIZED", message, Map.of("WWW-Authenticate", CHALLENGE));
  }

  /** The name and password of an {@code Authorization: Basic} header. */
  record BasicCredentials(String username, String password) {
    static Optional<BasicCredentials> parse(String header) {
      if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
        return Optional.empty();
      }
      String decoded;
      try {
        decoded =
            new String(
                Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
      int colon = decoded.indexOf(':');
      if (colon <= 0) {
        return Optional.empty();
      }
      return Optional.of(
          new BasicCredentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
    }

    @Override
    public String toString() {
      return "BasicCredentials[" + username + ", ****]";
    }
  }
}
