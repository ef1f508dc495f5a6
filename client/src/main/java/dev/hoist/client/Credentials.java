package dev.hoist.client;

import java.util.Objects;

/**
 * What a registry knows a user by: a username and password (sent as HTTP Basic to the registry or
 * to its token realm), or an identity token (an OAuth2 refresh token, as {@code docker login}
 * stores for some registries, exchanged at the token realm).
 *
 * <p>{@link #toString()} never shows the password or the token.
 */
public record Credentials(String username, String password, String identityToken) {

  public Credentials {
    if (identityToken == null) {
      Objects.requireNonNull(username, "username");
      Objects.requireNonNull(password, "password");
      if (username.isEmpty() || username.indexOf(':') >= 0) {
        throw new IllegalArgumentException("username must be non-empty and must not contain ':'");
      }
    } else {
      if (identityToken.isEmpty()) {
        throw new IllegalArgumentException("identity token must not be empty");
      }
      if (password != null) {
        throw new IllegalArgumentException("give a password or an identity token, not both");
      }
    }
  }

  /** A username and password. */
  public static Credentials basic(String username, String password) {
    return new Credentials(username, password, null);
  }

  /** An identity (refresh) token; registries that issue one ignore the username. */
  public static Credentials identityToken(String identityToken) {
    return new Credentials(null, null, Objects.requireNonNull(identityToken, "identityToken"));
  }

  /** Whether these are a username and password (rather than an identity token). */
  public boolean isBasic() {
    return identityToken == null;
  }

  @Override
  public String toString() {
    if (isBasic()) {
      return "Credentials[username=" + username + ", password=****]";
    }
    return "Credentials[identityToken=****]";
  }
}
