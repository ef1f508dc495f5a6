package dev.hoist.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/**
 * Who may sign in: checks a username and password. Implemented by the accelerator's accounts (the
 * console's users) and by an htpasswd file for operators who prefer one; the token service asks
 * each directory in turn.
 */
public interface UserDirectory {

  /** The user, when the password is right; empty otherwise (unknown user or wrong password). */
  Optional<User> authenticate(String username, String password);

  /**
   * The user with this name as the directory knows it now, without checking a password: what a
   * refresh token is checked against, so that deleting or disabling a user, or changing a password,
   * ends the refresh tokens issued before. Empty when the name is unknown or its account is
   * disabled.
   */
  Optional<Entry> find(String username);

  /**
   * The user, when the password is right, with the stamp a refresh token of this sign-in carries.
   * By default the stamp is the one {@link #find} has now (a new password ends the refresh token);
   * a directory with other credentials (an account's access tokens) gives its own, which {@link
   * #stillValid} then recognises.
   */
  default Optional<Entry> signIn(String username, String password) {
    Optional<User> user = authenticate(username, password);
    // A null stamp when the directory lost the user in between: then no refresh token is issued.
    return user.map(u -> new Entry(u, find(username).map(Entry::passwordStamp).orElse(null)));
  }

  /**
   * The user a refresh token names, when it still holds: the user is there and enabled and the
   * stamp it was issued with is still theirs.
   */
  default Optional<User> stillValid(String username, String passwordStamp) {
    return find(username).filter(e -> e.passwordStamp().equals(passwordStamp)).map(Entry::user);
  }

  /**
   * A user as a directory holds it.
   *
   * @param passwordStamp changes whenever the password does ({@link #passwordStamp(String)} of the
   *     stored hash); refresh tokens carry it
   */
  record Entry(User user, String passwordStamp) {}

  /**
   * A short digest of a stored password hash: it changes with every new hash (bcrypt salts each
   * one), and tells nothing about the password.
   */
  static String passwordStamp(String storedHash) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(storedHash.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 12));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }
}
