package dev.hoist.accelerator;

import java.security.SecureRandom;

/**
 * Random ids: tenant ids (16 characters of lowercase base32, 80 bits, a valid DNS label), account
 * ids, invite codes and session tokens.
 */
final class TenantIds {
  private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

  private final SecureRandom random;

  TenantIds(SecureRandom random) {
    this.random = random;
  }

  /** {@code 5 * length} random bits as lowercase base32. */
  String next(int length) {
    char[] out = new char[length];
    for (int i = 0; i < length; i++) {
      out[i] = BASE32[random.nextInt(32)];
    }
    return new String(out);
  }

  /** A tenant id: 80 random bits. */
  TenantId tenantId() {
    return new TenantId(next(16));
  }

  /** A secret token (session, CSRF): 160 random bits. */
  String token() {
    return next(32);
  }
}
