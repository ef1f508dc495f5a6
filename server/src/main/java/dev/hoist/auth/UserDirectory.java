package dev.hoist.auth;

import java.util.Optional;

/**
 * Who may sign in: checks a username and password. Implemented by the accelerator's accounts (the
 * console's users) and by an htpasswd file for operators who prefer one; the token service asks
 * each directory in turn.
 */
public interface UserDirectory {

  /** The user, when the password is right; empty otherwise (unknown user or wrong password). */
  Optional<User> authenticate(String username, String password);
}
