package dev.hoist.accelerator;

import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/** bcrypt ({@code $2y$}) from BouncyCastle. Passwords are never logged or stored. */
final class PasswordHasher {
  static final int MAX_PASSWORD_BYTES = 72;

  private final SecureRandom random;
  private final int cost;
  // Made at first use: a bcrypt hash costs a noticeable part of start-up, and a Hoist without
  // accounts never needs it.
  private volatile String dummy;

  PasswordHasher(SecureRandom random, int cost) {
    this.random = random;
    this.cost = cost;
  }

  String hash(String password) {
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    return OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, cost);
  }

  boolean verify(String hash, String password) {
    try {
      return OpenBSDBCrypt.checkPassword(hash, password.toCharArray());
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Spends the time of one check, so that an unknown email answers as slowly as a known one. */
  void verifyNothing(String password) {
    String d = dummy;
    if (d == null) {
      d = hash("not a real password");
      dummy = d;
    }
    verify(d, password);
  }
}
